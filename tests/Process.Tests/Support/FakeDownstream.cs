using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OmniActors.Tests.Support;

/// <summary>
/// The service the silo's built-in <c>http</c> action calls: counts every execution per task id (the
/// <c>X-Omni-Task-Id</c> header), holds each request for the payload's <c>holdMs</c> to simulate work, then
/// answers 200. Being outside the silo, its counts stay exact across silo crashes.
/// </summary>
public sealed class FakeDownstream : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _executions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _answered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _firstSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _bySilo = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _firstSilo = new(StringComparer.Ordinal);
    private readonly List<(Func<FakeDownstream, bool> Condition, TaskCompletionSource Reached)> _waits = [];
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private int _inFlight;
    private int _aborted;

    private FakeDownstream(WebApplication app)
    {
        _app = app;
        app.Run(HandleAsync);
    }

    /// <summary>The URL tasks post to.</summary>
    public Uri WorkUrl { get; private set; } = null!;

    /// <summary>Executions per task id (each request counts, answered or not).</summary>
    public IReadOnlyDictionary<string, int> Executions => _executions;

    /// <summary>200 answers per task id.</summary>
    public IReadOnlyDictionary<string, int> Answers => _answered;

    /// <summary>When each task's first request arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public IReadOnlyDictionary<string, long> FirstSeen => _firstSeen;

    /// <summary>Requests per silo that ran the attempt (the <c>X-Omni-Silo</c> header: its Orleans address <c>ip:port@generation</c>).</summary>
    public IReadOnlyDictionary<string, int> ExecutionsBySilo => _bySilo;

    /// <summary>The silo (<c>X-Omni-Silo</c>) of each task's first request.</summary>
    public IReadOnlyDictionary<string, string> FirstSilo => _firstSilo;

    /// <summary>Requests from the silo whose silo-to-silo port is <paramref name="siloPort"/>.</summary>
    public int ExecutionsFrom(int siloPort) => _bySilo.Where(s => SiloPortOf(s.Key) == siloPort).Sum(s => s.Value);

    /// <summary>The port of an Orleans silo address <c>ip:port@generation</c>; 0 when it is not one.</summary>
    public static int SiloPortOf(string siloAddress)
    {
        ArgumentNullException.ThrowIfNull(siloAddress);
        var at = siloAddress.IndexOf('@', StringComparison.Ordinal);
        var endpoint = at < 0 ? siloAddress : siloAddress[..at];
        var colon = endpoint.LastIndexOf(':');
        return colon >= 0 && int.TryParse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : 0;
    }

    /// <summary>Tasks that got at least one request.</summary>
    public int DistinctStarted => _executions.Count;

    /// <summary>Tasks that got at least one 200 answer.</summary>
    public int DistinctAnswered => _answered.Count;

    /// <summary>Requests being held now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests the caller gave up on before the answer (its attempt was cancelled or it died).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>All requests received.</summary>
    public int TotalExecutions => _executions.Values.Sum();

    public static async Task<FakeDownstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var downstream = new FakeDownstream(builder.Build());
        await downstream._app.StartAsync();
        var address = downstream._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        downstream.WorkUrl = new Uri(new Uri(address), "/work");
        return downstream;
    }

    /// <summary>Completes once <paramref name="condition"/> holds; throws a <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="within"/>.</summary>
    public async Task WaitUntilAsync(Func<FakeDownstream, bool> condition, TimeSpan within, string what)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(this))
            {
                return;
            }
            _waits.Add((condition, reached));
        }
        try
        {
            await reached.Task.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The downstream service did not see {what} within {within} " +
                $"(tasks started {DistinctStarted}, answered {DistinctAnswered}, in flight {InFlight}, requests {TotalExecutions}).");
        }
        finally
        {
            lock (_gate)
            {
                _waits.RemoveAll(w => w.Reached == reached);
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var taskId = context.Request.Headers["X-Omni-Task-Id"].ToString();
        if (context.Request.Path != "/work" || taskId.Length == 0)
        {
            context.Response.StatusCode = (int)HttpStatusCode.NotFound;
            return;
        }
        var holdMs = 0;
        using (var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))
        {
            if (body.RootElement.TryGetProperty("payload", out var payload) && payload.TryGetProperty("holdMs", out var hold))
            {
                holdMs = hold.GetInt32();
            }
        }
        _firstSeen.TryAdd(taskId, Stopwatch.GetTimestamp());
        _executions.AddOrUpdate(taskId, 1, (_, n) => n + 1);
        var silo = context.Request.Headers["X-Omni-Silo"].ToString();
        _firstSilo.TryAdd(taskId, silo);
        _bySilo.AddOrUpdate(silo, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _inFlight);
        Changed();
        try
        {
            await Task.Delay(holdMs, context.RequestAborted);
            _answered.AddOrUpdate(taskId, 1, (_, n) => n + 1);
            await context.Response.WriteAsJsonAsync(new { taskId }, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _aborted);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Changed();
        }
    }

    private void Changed()
    {
        List<TaskCompletionSource> reached;
        lock (_gate)
        {
            reached = _waits.Where(w => w.Condition(this)).Select(w => w.Reached).ToList();
        }
        reached.ForEach(r => r.TrySetResult());
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Requests still held from a dead silo; the app is disposed anyway.
        }
        await _app.DisposeAsync();
    }
}
