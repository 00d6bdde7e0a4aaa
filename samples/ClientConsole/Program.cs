using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OmniActors.Client;

// Usage: dotnet run -- [gateway port (default 30000)] [action (default echo)] [payload JSON]
var gatewayPort = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30000;
var action = args.Length > 1 ? args[1] : "echo";
var payload = JsonNode.Parse(args.Length > 2 ? args[2] : """{"hello":"from the client sample"}""");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);                          // only the sample's own lines on the console
builder.Services.AddOmniActorsClient(o => o.GatewayPort = gatewayPort);    // a silo on localhost (its Orleans gateway)
using var host = builder.Build();
await host.StartAsync();                                                    // connects to the gateway

var omni = host.Services.GetRequiredService<IOmniClient>();
var submitted = await omni.EnqueueAsync(action, payload);
Console.WriteLine($"enqueued {submitted.Task.Id} ({submitted.Task.Status})");

var result = await omni.GetResultAsync<JsonNode>(submitted.Task.Id, TimeSpan.FromSeconds(30));
Console.WriteLine($"result {result?.ToJsonString()}");

await host.StopAsync();
