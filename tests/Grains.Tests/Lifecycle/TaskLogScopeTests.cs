using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OmniActors.Actions;
using OmniActors.Tests.Http;
using OmniActors.Tests.Support;

namespace OmniActors.Tests.Lifecycle;

/// <summary>Log lines written while a task runs, its handler's included, carry TaskId and Queue as structured fields.</summary>
[Collection(SqliteLifecycleCollection.Name)]
public sealed class TaskLogScopeTests(SqliteLifecycleSilo factory) : IDisposable
{
    private readonly HttpClient _client = factory.CreateApiClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_handlers_log_lines_carry_the_task_id_and_queue_as_fields()
    {
        var queue = Api.UniqueQueue("logs");
        var id = (await _client.EnqueueAsync(new { action = ScopeCapture.ActionName, queue })).Id();
        await _client.UntilStatusAsync(id, "succeeded");

        var line = Assert.Single(ScopeCapture.Lines, l => l.Message.Contains(id, StringComparison.Ordinal));
        Assert.Equal(id, line.Fields["TaskId"]);
        Assert.Equal(queue, line.Fields["Queue"]);
        Assert.Equal(ScopeCapture.ActionName, line.Fields["Action"]);
        Assert.Equal(1, line.Fields["Attempt"]);
    }
}

/// <summary>A logger provider that keeps each line with the fields of its scopes, and an action that logs.</summary>
public sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
{
    public const string ActionName = "test-log";

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public static ConcurrentBag<(string Message, IReadOnlyDictionary<string, object?> Fields)> Lines { get; } = [];

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ILoggerProvider, ScopeCapture>();
        services.AddAction<LoggingAction>(ActionName);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(ScopeCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith(typeof(LoggingAction).FullName!, StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var fields = new Dictionary<string, object?>();
            owner._scopes.ForEachScope((scope, f) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        f[key] = value;
                    }
                }
            }, fields);
            Lines.Add((formatter(state, exception), fields));
        }
    }
}

/// <summary><c>test-log</c>: writes one log line naming its task.</summary>
public sealed partial class LoggingAction(ILogger<LoggingAction> logger) : IActionHandler
{
    public Task<JsonNode?> ExecuteAsync(ActionContext context)
    {
        LogHandled(context.TaskId);
        return Task.FromResult<JsonNode?>(null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handled {Handled}")]
    private partial void LogHandled(string handled);
}
