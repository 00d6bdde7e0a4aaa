using OmniActors.Actions;
using OmniActors.Client;
using System.Text.Json;

// Not watching appsettings.json for changes (OmniActors reads its settings once): the watcher would also see every
// write to the SQLite file under this folder.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
builder.AddOmniActors(o => o.UseSqlite("data/webapp.db"));        // a silo in this process; UsePostgreSql(…) for a cluster
builder.Services.AddAction<SendWelcome>("send-welcome");

var app = builder.Build();
app.MapOmniActors();                                                // /api, /dashboard, /metrics, /health/*

app.MapPost("/signups", async (Signup signup, IOmniClient omni) =>
{
    var submitted = await omni.EnqueueAsync("send-welcome", signup, queue: "emails");
    return Results.Accepted($"/signups/{submitted.Task.Id}", new { id = submitted.Task.Id });
});

app.MapGet("/signups/{id}", async (string id, IOmniClient omni) =>
    await omni.GetAsync(id) is not { } task
        ? Results.NotFound()
        : Results.Ok(new SignupStatus(task.Status.ToString(),
            task.Result is { } result ? JsonSerializer.Deserialize<Welcome>(result, JsonSerializerOptions.Web) : null)));

app.Run();

/// <summary>The payload: what the endpoint takes and the handler gets.</summary>
public sealed record Signup(string Email, string Name);

/// <summary>The result the handler returns, stored with the task.</summary>
public sealed record Welcome(string Message, string SentTo, int Attempt);

/// <summary>What <c>GET /signups/{id}</c> shows.</summary>
public sealed record SignupStatus(string Status, Welcome? Welcome);

/// <summary>A typed handler: the task's JSON payload arrives bound to <see cref="Signup"/>, the result is serialized.</summary>
public sealed partial class SendWelcome(ILogger<SendWelcome> logger) : ActionHandler<Signup, Welcome>
{
    protected override Task<Welcome> HandleAsync(Signup signup, ActionContext context)
    {
        // At-least-once: a real mailer would pass context.TaskId as its idempotency key, so a retry sends nothing twice.
        LogSending(signup.Email, context.TaskId, context.Attempt);
        return Task.FromResult(new Welcome($"Welcome, {signup.Name}!", signup.Email, context.Attempt));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending the welcome mail to {Email} (task {TaskId}, attempt {Attempt})")]
    private partial void LogSending(string email, string taskId, int attempt);
}
