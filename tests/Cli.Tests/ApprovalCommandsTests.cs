using OmniActors.Cli.Tests.Support;

namespace OmniActors.Cli.Tests;

[Collection(CliSiloCollection.Name)]
public sealed class ApprovalCommandsTests(CliSilo silo)
{
    private readonly Omni _omni = new(silo.Url);

    private async Task<string> AwaitingAsync(string queue, string payload = """{"v":1}""")
    {
        var id = (await _omni.JsonAsync("enqueue", "echo", "-q", queue, "-p", payload, "--requires-approval")).GetProperty("id").GetString()!;
        await _omni.UntilStatusAsync(id, "awaiting_approval");
        return id;
    }

    [Fact]
    public async Task Approvals_are_listed_and_accepted_with_who_decided()
    {
        var queue = Omni.Queue("cli-approve");
        var id = await AwaitingAsync(queue);

        var list = await _omni.OkAsync("approvals", "list", "--queue", queue);
        Assert.Matches($@"(?m)^{id}\s+{queue}\s+echo\s+awaiting_approval\s", list.Out);
        Assert.Equal(id, Assert.Single((await _omni.JsonAsync("approvals", "list", "--queue", queue)).GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        var accept = await _omni.OkAsync("approvals", "accept", id, "--by", "alice", "--comment", "looks fine");
        Assert.StartsWith($"Accepted {id}: task is ", accept.Out, StringComparison.Ordinal);
        await _omni.UntilStatusAsync(id, "succeeded");
        var detail = await _omni.OkAsync("get", id);
        Assert.Matches(@"(?m)^decisions:\s+accept by alice at .+ \(looks fine\)$", detail.Out);
        Assert.Equal("No tasks await approval.", (await _omni.OkAsync("approvals", "list", "--queue", queue)).Out.Trim());
    }

    [Fact]
    public async Task Modify_runs_the_new_payload_and_takeover_ends_with_the_given_result()
    {
        var queue = Omni.Queue("cli-modify");
        var modified = await AwaitingAsync(queue);
        await _omni.OkAsync("approvals", "modify", modified, "--payload", """{"v":2}""");
        await _omni.UntilStatusAsync(modified, "succeeded");
        var task = await _omni.JsonAsync("get", modified);
        Assert.Equal(2, task.GetProperty("result").GetProperty("v").GetInt32());
        Assert.Equal("cli-tester", task.GetProperty("approvals")[0].GetProperty("by").GetString()); // --by defaults to $USER.

        var taken = await AwaitingAsync(queue);
        var takeover = await _omni.JsonAsync("approvals", "takeover", taken, "--by", "bob", "--result", """{"done":"by hand"}""");
        Assert.Equal("succeeded", takeover.GetProperty("status").GetString());
        Assert.Equal("by hand", takeover.GetProperty("result").GetProperty("done").GetString());
    }

    [Fact]
    public async Task Reject_needs_a_reason_and_a_decision_on_a_decided_task_is_a_conflict()
    {
        var queue = Omni.Queue("cli-reject");
        var id = await AwaitingAsync(queue);

        var noReason = await _omni.RunAsync("approvals", "reject", id, "--by", "carol");
        Assert.Equal(2, noReason.Exit);
        Assert.Contains("--reason", noReason.Error, StringComparison.Ordinal);

        var badPayload = await _omni.RunAsync("approvals", "modify", id, "--payload", "{nope");
        Assert.Equal(2, badPayload.Exit);
        Assert.Equal("awaiting_approval", await _omni.StatusAsync(id));

        var reject = await _omni.OkAsync("approvals", "reject", id, "--by", "carol", "--reason", "not today");
        Assert.Equal($"Rejected {id}: task is rejected.", reject.Out.Trim());

        var again = await _omni.RunAsync("approvals", "accept", id, "--by", "carol");
        Assert.Equal(1, again.Exit);
        Assert.StartsWith("omni: 409 ", again.Error, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  code: \w+$", again.Error);
    }
}
