using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OmniActors.Actions;
using OmniActors.Client;
using OmniActors.Tests.Http;
using OmniActors.Tests.Shared;
using OmniActors.Tests.Storage;
using OmniActors.Tests.Support;
using OmniActors.Tests.Tasks;
using Orleans.Runtime;
using TaskStatus = OmniActors.Tasks.TaskStatus;

namespace OmniActors.Tests.Hosting;

/// <summary>The API silo of the worker tests: the real app on a throwaway PostgreSQL database.</summary>
public sealed class WorkerClusterApiSilo() : SiloAppFactory(new TempPostgresDatabase(), "test-key");

/// <summary>
/// An API silo (the real app) and a worker-only host beside it, in one cluster on PostgreSQL. The worker is composed the
/// way an app composes one: <c>Host.CreateApplicationBuilder</c>, <c>AddOmniActorsWorker</c>, its handler registered with
/// <c>AddAction</c>; no web host anywhere in it.
/// </summary>
public sealed class ApiSiloAndWorker : IAsyncLifetime
{
    public WorkerClusterApiSilo Api { get; } = new();

    public IHost Worker { get; private set; } = null!;

    public SiloAddress WorkerSilo => Worker.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    public async Task InitializeAsync()
    {
        await Api.InitializeAsync();
        Worker = await StartWorkerAsync(Api.Database.ConnectionString);

        // Partitions are dealt over the silos active when they activate: wait until the API silo sees the worker.
        var membership = Api.Service<IClusterMembershipService>();
        await Eventually.True(() => membership.CurrentSnapshot.GetSiloStatus(WorkerSilo) == SiloStatus.Active,
            TimeSpan.FromSeconds(60), "the API silo sees the worker as active");
    }

    /// <summary>A worker-only host on the cluster's database, started, at free ports.</summary>
    public static async Task<IHost> StartWorkerAsync(string connectionString)
    {
        var (siloPort, gatewayPort) = LoopbackPorts.Pair();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = "Testing",
            // An empty folder, not the test's output folder, which holds the silo app's appsettings.json (embedded SQLite):
            // settings files override what code sets, so they would win over UsePostgreSql.
            ContentRootPath = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "worker-content-root")).FullName,
        });
        builder.Configuration.AddInMemoryCollection(TaskClusterFixture.CommonSettings);
        builder.AddOmniActorsWorker(o => o
            .UsePostgreSql(connectionString)
            .UsePorts(siloPort, gatewayPort));
        // The same handler class the API silo runs: one app's handlers, deployed as API silos and as workers.
        builder.Services.AddAction<GreetAction>("test-greet");
        var worker = builder.Build();
        try
        {
            await worker.StartAsync();
        }
        catch
        {
            worker.Dispose();
            throw;
        }
        return worker;
    }

    public async Task DisposeAsync()
    {
        if (Worker is not null)
        {
            await Worker.StopAsync();
            Worker.Dispose();
        }
        await ((IAsyncLifetime)Api).DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WorkerHostCollection : ICollectionFixture<ApiSiloAndWorker>
{
    public const string Name = "api silo and worker-only host on postgresql";
}

[Collection(WorkerHostCollection.Name)]
public sealed class WorkerHostTests(ApiSiloAndWorker cluster)
{
    [Fact]
    public void The_worker_serves_no_http()
    {
        Assert.Null(cluster.Worker.Services.GetService<IServer>());
    }

    [Fact]
    public async Task Tasks_enqueued_through_the_api_silo_run_on_the_worker_too()
    {
        var queue = Api.UniqueQueue("worker");
        var worker = cluster.WorkerSilo.ToParsableString();
        using var client = cluster.Api.CreateApiClient();

        // 24 tasks over the queue's 4 partitions, dealt between the two silos: the chance that none lands on the worker is 2^-24.
        var tasks = Enumerable.Range(0, 24).Select(i => new { action = "test-greet", queue, payload = new { name = $"n{i}", times = 1 } });
        var items = await client.PostJsonAsync("/api/tasks/batch", new { tasks }).ExpectAsync(HttpStatusCode.OK);
        var ids = items.EnumerateArray().Select(i => i.GetProperty("task").Id()).ToList();

        var silos = new List<string>();
        for (var i = 0; i < ids.Count; i++)
        {
            var done = await client.UntilStatusAsync(ids[i], "succeeded");
            var result = done.GetProperty("result");
            Assert.Equal($"Hello n{i}", result.GetProperty("text").GetString());
            silos.Add(result.GetProperty("silo").GetString()!);
        }
        Assert.Contains(worker, silos);
        Assert.Equal(2, silos.Distinct().Count());
    }

    [Fact]
    public async Task The_worker_enqueues_through_its_own_client()
    {
        var omni = cluster.Worker.Services.GetRequiredService<IOmniClient>();

        var submitted = await omni.EnqueueAsync("test-greet", new { name = "worker", times = 2 }, queue: Api.UniqueQueue("from-worker"));
        var greeted = await omni.GetResultAsync<Greeted>(submitted.Task.Id, Api.Deadline);

        Assert.Equal("Hello worker, Hello worker", greeted!.Text);
        using var client = cluster.Api.CreateApiClient();
        var seen = await client.TaskAsync(submitted.Task.Id);
        Assert.Equal("succeeded", seen.Status());
    }

    [Fact]
    public async Task A_stopped_worker_leaves_the_cluster_and_the_api_silo_keeps_running_tasks()
    {
        // Not a shared-fixture mutation: a second worker joins and leaves, the fixture's worker stays.
        using var second = await ApiSiloAndWorker.StartWorkerAsync(cluster.Api.Database.ConnectionString);
        var address = second.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var membership = cluster.Api.Service<IClusterMembershipService>();
        await Eventually.True(() => membership.CurrentSnapshot.GetSiloStatus(address) == SiloStatus.Active, Api.Deadline, "the second worker joined");

        await second.StopAsync();

        await Eventually.True(() => membership.CurrentSnapshot.GetSiloStatus(address) == SiloStatus.Dead, Api.Deadline, "the second worker left");
        var submitted = await cluster.Api.Service<IOmniClient>().EnqueueAsync("test-greet", new { name = "after", times = 1 }, queue: Api.UniqueQueue("after-leave"));
        var done = await cluster.Api.Service<IOmniClient>().WaitAsync(submitted.Task.Id, Api.Deadline);
        Assert.Equal(TaskStatus.Succeeded, done.Status);
    }
}
