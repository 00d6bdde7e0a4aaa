using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Http.Edge;

/// <summary>
/// The real silo app as a new user runs it: Production environment, API key required, real Kestrel (its body limits,
/// encoded paths and early answers are what a client meets), a SQLite file. Keeps every log line at Error or above.
/// </summary>
public sealed class EdgeSilo : SiloAppFactory
{
    public EdgeSilo() : base(new TempSqliteFile(), "edge-key") => UseKestrel(0);

    /// <summary>Where Kestrel listens.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every log line at Error or above, since the start.</summary>
    public ErrorLog Errors { get; } = new();

    /// <summary>A plain client of the Kestrel endpoint with the API key.</summary>
    public override HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Errors);

    protected override void OnStarted()
    {
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    protected override HttpClient CreateReadinessClient() => new() { BaseAddress = BaseAddress };
}

/// <summary>Log lines at Error or above, with their category, message and exception.</summary>
public sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, string Message, Exception? Exception)> _lines = new();

    public IReadOnlyList<(string Category, string Message, Exception? Exception)> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._lines.Enqueue((category, formatter(state, exception), exception));
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EdgeSiloCollection : ICollectionFixture<EdgeSilo>
{
    public const string Name = "edge silo";
}
