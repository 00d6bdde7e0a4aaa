using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OmniActors.Actions;
using OmniActors.Tests.Shared;

namespace OmniActors.Cli.Tests.Support;

/// <summary>
/// The real silo app on Kestrel at a free loopback port, so the CLI talks to it over real HTTP: the API key required,
/// warnings only in the log, and a <c>cli-fail</c> action that always throws (for dead letters).
/// </summary>
public sealed class CliSilo() : KestrelSilo("omni-cli-tests-")
{
    public const string ApiKey = "cli-test-key";

    /// <summary>The API's base address (real HTTP on loopback).</summary>
    public Uri Url => BaseAddress;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => new Dictionary<string, string?>
    {
        ["OmniActors:Api:RequireApiKey"] = "true",
        ["OmniActors:Api:ApiKeys:0"] = ApiKey,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddAction<FailingAction>("cli-fail");
}

/// <summary><c>cli-fail</c>: every attempt fails.</summary>
public sealed class FailingAction : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context) => throw new InvalidOperationException("cli-fail always fails");
}

/// <summary>One silo shared by the CLI tests; each test uses its own queue names.</summary>
[CollectionDefinition(Name)]
public sealed class CliSiloCollection : ICollectionFixture<CliSilo>
{
    public const string Name = "cli silo";
}

/// <summary>Waits on a condition with a deadline (never a fixed sleep).</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met in time: {what ?? "(unnamed)"}; last value: {value}");
            }
            await Task.Delay(50);
        }
    }
}
