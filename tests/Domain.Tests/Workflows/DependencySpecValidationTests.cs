using OmniActors.Domain;
using OmniActors.Errors;
using OmniActors.Tasks;
using OmniActors.Tests.Domain;

namespace OmniActors.Tests.Workflows;

/// <summary>The dependency fields of a spec are checked before anything is stored.</summary>
public sealed class DependencySpecValidationTests
{
    private static TaskValidationException? Validate(TaskSpec spec) =>
        TaskSpecValidator.Validate(spec, new TaskLimits(), _ => true, TaskStates.Now);

    public static TheoryData<string, TaskSpec> Bad => new()
    {
        { "duplicate dependency", new TaskSpec { Action = "x", DependsOn = ["a", "a"] } },
        { "blank dependency", new TaskSpec { Action = "x", DependsOn = [" "] } },
        { "oversized dependency id", new TaskSpec { Action = "x", DependsOn = [new string('a', 201)] } },
        { "too many dependencies", new TaskSpec { Action = "x", DependsOn = Enumerable.Range(0, 101).Select(i => $"t{i}").ToList() } },
        { "unknown condition", new TaskSpec { Action = "x", DependsOn = ["a"], RunWhen = (DependencyCondition)9 } },
        { "unknown policy", new TaskSpec { Action = "x", DependsOn = ["a"], OnDependencyFailure = (DependencyFailurePolicy)9 } },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void A_bad_dependency_field_is_refused(string name, TaskSpec spec)
    {
        Assert.True(Validate(spec)?.Code == ErrorCodes.Validation, name);
    }

    [Fact]
    public void Good_dependency_fields_pass()
    {
        Assert.Null(Validate(new TaskSpec { Action = "x", DependsOn = ["a", "b"], RunWhen = DependencyCondition.AnyFailed, OnDependencyFailure = DependencyFailurePolicy.Cancel }));
    }

    [Fact]
    public void Unset_dependency_fields_leave_the_fingerprint_of_older_specs_unchanged()
    {
        // A spec stored before dependencies existed was fingerprinted as the JSON of its first ten fields.
        var spec = new TaskSpec { Action = "x", Payload = "1", Queue = "q", Priority = 2 };
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(spec))!.AsObject();
        foreach (var later in new[] { "DependsOn", "RunWhen", "OnDependencyFailure", "RequiresApproval", "WorkflowId", "WorkflowKey", "TraceParent", "TraceState" })
        {
            Assert.True(json.Remove(later), later);
        }
        var before = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Equal(before, TaskSpecValidator.Fingerprint(spec));
        Assert.NotEqual(before, TaskSpecValidator.Fingerprint(spec with { DependsOn = ["a"] }));
        Assert.NotEqual(before, TaskSpecValidator.Fingerprint(spec with { RequiresApproval = true }));
    }
}
