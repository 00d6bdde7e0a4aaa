using System.CommandLine;
using System.Net.ServerSentEvents;
using System.Text.Json;
using OmniActors.Cli.Hosting;
using OmniActors.Cli.Http;

namespace OmniActors.Cli.Events;

/// <summary>
/// <c>tail</c>: live lifecycle events from <c>GET /api/events/stream</c> (server-sent events). When the stream drops it
/// reconnects with <c>Last-Event-ID</c>, so the server resumes after the last event shown and none is missed or repeated.
/// </summary>
internal static class TailCommand
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    public static void AddTo(RootCommand root, CliOptions options)
    {
        var queue = new Option<string?>("--queue", "-q") { Description = "Only events of this queue." };
        var type = new Option<string?>("--type", "-t") { Description = "Only events of this type (e.g. enqueued, complete, error, dead_lettered, fired)." };
        var kind = new Option<string?>("--kind") { Description = "Only events about this kind of subject: task, schedule, webhook or approval." };
        var task = new Option<string?>("--task") { Description = "Only events of this task." };
        var since = new Option<string?>("--since") { Description = "Resume after this event id (as Last-Event-ID)." };
        var count = new Option<int?>("--count", "-n") { Description = "Stop after this many events." };
        var noReconnect = new Option<bool>("--no-reconnect") { Description = "End when the stream ends instead of reconnecting." };
        var command = new Command("tail", "Follow live task, schedule and webhook events (Ctrl+C stops).") { queue, type, kind, task, since, count, noReconnect };
        options.Handle(command, run => FollowAsync(run,
            Paths.WithQuery("api/events/stream", ("queue", run.Get(queue)), ("type", run.Get(type)), ("kind", run.Get(kind)), ("task", run.Get(task))),
            run.Get(since), run.Get(count), !run.Get(noReconnect)));
        root.Subcommands.Add(command);
    }

    private static async Task<int> FollowAsync(Invocation run, string path, string? lastEventId, int? count, bool reconnect)
    {
        if (count is <= 0)
        {
            throw new UsageException("--count must be at least 1.");
        }
        var received = 0;
        var connected = false;
        var retry = FirstRetry;
        while (true)
        {
            try
            {
                using var response = await run.Api.OpenStreamAsync(path, lastEventId, run.Cancel);
                if (connected)
                {
                    await run.Error.WriteLineAsync($"tail: reconnected{(lastEventId is null ? "" : $", resuming after event {lastEventId}")}.");
                }
                connected = true;
                await using var stream = await response.Content.ReadAsStreamAsync(run.Cancel);
                var parser = SseParser.Create(stream);
                await foreach (var item in parser.EnumerateAsync(run.Cancel))
                {
                    if (!string.IsNullOrEmpty(parser.LastEventId))
                    {
                        lastEventId = parser.LastEventId;
                    }
                    retry = parser.ReconnectionInterval > TimeSpan.Zero && parser.ReconnectionInterval != Timeout.InfiniteTimeSpan
                        ? parser.ReconnectionInterval : FirstRetry;
                    await WriteAsync(run, lastEventId, item);
                    if (++received == count)
                    {
                        return ExitCodes.Ok;
                    }
                }
                if (!reconnect)
                {
                    return ExitCodes.Ok;
                }
                await run.Error.WriteLineAsync($"tail: the server closed the stream; reconnecting in {retry.TotalSeconds:0.#} s.");
            }
            catch (ApiUnreachableException) when (connected && reconnect)
            {
                await run.Error.WriteLineAsync($"tail: the silo is unreachable; retrying in {retry.TotalSeconds:0.#} s.");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && connected && reconnect && !run.Cancel.IsCancellationRequested)
            {
                await run.Error.WriteLineAsync($"tail: the stream broke ({ex.Message}); reconnecting in {retry.TotalSeconds:0.#} s.");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !run.Cancel.IsCancellationRequested)
            {
                throw new ApiUnreachableException($"The event stream broke: {ex.Message}", ex);
            }
            await Task.Delay(retry, run.Cancel);
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
        }
    }

    private static async Task WriteAsync(Invocation run, string? id, SseItem<string> item)
    {
        if (run.Json)
        {
            await run.Out.WriteLineAsync(item.Data);
            await run.Out.FlushAsync(run.Cancel);
            return;
        }
        JsonElement data;
        try
        {
            using var doc = JsonDocument.Parse(item.Data);
            data = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            await run.Out.WriteLineAsync($"#{id}  {item.EventType}  {item.Data}");
            return;
        }
        await run.Out.WriteLineAsync(EventView.Line(data));
        await run.Out.FlushAsync(run.Cancel);
    }
}
