using OmniActors.Hosting;
using OmniActors.Silo.Api;
using OmniActors.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.UseOmniActorsSilo();
builder.Services.AddOmniActorsApi(builder.Configuration, builder.Environment);
builder.Services.AddOmniActorsTracing(builder.Configuration);

var app = builder.Build();
app.MapOmniActorsApi();
app.Run();

/// <summary>The silo's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
