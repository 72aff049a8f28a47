using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Sensorium.Storage;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Tests;
using Sensorium.Training;
using Sensorium.Web.Features.Nodes;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Worker;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests;

/// <summary>
/// Two web nodes in one test process, as two servers behind one address: one PostgreSQL database (Debian's server,
/// <see cref="PostgresServer"/>), one data directory (the run directories), one Redis (Debian's redis-server,
/// <see cref="RedisServer"/>). Workers are the process launcher's stand-in scripts (real protocol lines, see
/// <see cref="WorkerTests"/>), each waiting for its go file, so every step waits on a state, never on a clock.
/// Short lease settings keep the takeover quick.
/// </summary>
public sealed class MultiNodeTests : IDisposable
{
    const string Mouse = "26872-17-20";
    readonly string connectionString = PostgresServer.CreateDatabase();
    readonly string shared = Directory.CreateTempSubdirectory("sensorium-nodes-").FullName;
    readonly string scripts = Directory.CreateTempSubdirectory("sensorium-nodes-workers-").FullName;
    readonly string prefix = $"t{Guid.NewGuid():N}";
    readonly List<WorkbenchApp> apps = [];

    public void Dispose()
    {
        foreach (var app in Enumerable.Reverse(apps)) app.Dispose();
        Database.ClearPools();
        PostgresServer.DropDatabase(connectionString);
        foreach (var folder in new[] { shared, scripts })
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    static readonly JsonSerializerOptions Compact = new(RunSpec.Json) { WriteIndented = false };
    static string Line(TrainingEvent e) => JsonSerializer.Serialize(e, Compact);

    string Launches => Path.Combine(scripts, "launches.txt");

    /// <summary>
    /// The stand-in worker: notes its launch (run id and arguments), leaves a checkpoint, waits for <c>go-RUNID</c> in
    /// the scripts folder, then prints two epochs and the end, and exits 0.
    /// </summary>
    string Worker()
    {
        var events = Path.Combine(scripts, "events.jsonl");
        File.WriteAllLines(events,
        [
            Line(new TrainingStarted("cpu", 1, 1000, 2, new Dictionary<string, double> { [Mouse] = 0.01 }, 0)),
            Line(new BatchProgress(1, 2, 2, Mouse, 11.5, 100, 0)),
            Line(new EpochCompleted(1, 11.9, new Dictionary<string, double> { [Mouse] = 0.21 }, 0.21, 0.009, 1.5, 100, true, 0.21, 1, 1, 3)),
            Line(new BatchProgress(2, 2, 2, Mouse, 10.5, 100, 0)),
            Line(new EpochCompleted(2, 10.9, new Dictionary<string, double> { [Mouse] = 0.25 }, 0.25, 0.009, 1.5, 100, true, 0.25, 2, 1, 0)),
            Line(new TrainingFinished(2, 0.25, 2, new Dictionary<string, double> { [Mouse] = 0.25 }, "max epochs", 3)),
        ]);
        var path = Path.Combine(scripts, "worker.sh");
        File.WriteAllText(path, $$"""
            #!/usr/bin/env bash
            OUT=""; prev=""
            for a in "$@"; do [ "$prev" = "--out" ] && OUT="$a"; prev="$a"; done
            RUN="$(basename "$OUT")"
            echo "$RUN $1 $2" >> '{{Launches}}'
            mkdir -p "$OUT/checkpoint"; echo '{}' > "$OUT/checkpoint/state.json"
            while [ ! -e '{{scripts}}'/go-$RUN ]; do sleep 0.05; done
            cat '{{events}}'
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    void Go(long runId) => File.WriteAllText(Path.Combine(scripts, $"go-{runId}"), "");

    /// <summary>A web node; <paramref name="releaseOnStop"/> false: disposing it is a crash as far as the lease goes (it must expire).</summary>
    WorkbenchApp Node(string id, bool releaseOnStop = true)
    {
        var app = new WorkbenchApp(settings: new Dictionary<string, string>
        {
            ["Workbench:Database"] = "postgres",
            ["Workbench:DatabaseConnectionString"] = connectionString,
            ["Workbench:Devices:0:Name"] = "cpu",
            ["Workbench:Devices:0:Slots"] = "1",
            ["Worker:Enabled"] = "true",
            ["Worker:Command"] = Path.Combine(scripts, "worker.sh"),
            ["Worker:ThreadsPerSlot"] = "1",
            ["Worker:StopGraceSeconds"] = "5",
            ["Nodes:NodeId"] = id,
            ["Nodes:Redis"] = RedisServer.Configuration,
            ["Nodes:ChannelPrefix"] = prefix,
            ["Nodes:LeaseSeconds"] = "3",
            ["Nodes:RenewSeconds"] = "0.5",
            ["Nodes:ReleaseLeaseOnStop"] = releaseOnStop ? "true" : "false",
        }, dataDirectory: shared) { KeepDataDirectory = true };
        apps.Add(app);
        _ = app.Services; // start it now: the order of the nodes' starts is what the tests are about
        return app;
    }

    static async Task<Run> SubmitAsync(WorkbenchApp node, long teamId, long userId, string name)
    {
        var result = await node.Get<RunQueue>().SubmitAsync(teamId, userId, new RunRequest(name, JsonDocument.Parse(WorkbenchApp.SpecJson()).RootElement, null));
        return result.Run ?? throw new InvalidOperationException(string.Join("; ", result.Errors.SelectMany(e => e.Value)));
    }

    static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, double seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (condition(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {seconds} s for {what}; last seen: {value}");
            await Task.Delay(25);
        }
    }

    static Task<Run> WaitForRunAsync(WorkbenchApp node, long runId, Func<Run, bool> condition, string what) =>
        WaitForAsync(async () => (await node.Get<RunStore>().GetAsync(runId))!, condition, $"run {runId} {what}");

    IReadOnlyList<string> LaunchLines() => File.Exists(Launches) ? File.ReadAllLines(Launches) : [];

    [Fact]
    public async Task A_node_starting_beside_a_running_run_leaves_it_alone_and_its_viewers_see_the_epochs_of_the_run_the_other_node_runs()
    {
        Worker();
        var a = Node("a");
        Assert.True(a.Get<DispatcherLease>().CanDispatch);
        var (team, member) = await a.CreateTeamAsync("alpha");
        var run = await SubmitAsync(a, team.Id, member.Id, "on a");
        run = await WaitForRunAsync(a, run.Id, r => r.Status == RunStatus.Running && r.Pid is not null, "launched by a");
        Assert.Contains(run.Id, a.Get<ProcessRunLauncher>().RunningWorkers);

        // A second node starts while the run is running: it neither interrupts the run nor dispatches.
        var b = Node("b");
        var lease = await b.Get<DispatcherLease>().ReadAsync();
        Assert.Equal("a", lease.Holder);
        Assert.False(b.Get<DispatcherLease>().CanDispatch);
        Assert.Equal(RunStatus.Running, (await b.Get<RunStore>().GetAsync(run.Id))!.Status);
        Assert.Empty(b.Get<ProcessRunLauncher>().RunningWorkers);

        // A viewer on node B: the run page's in-process subscription, and a SignalR client of B's hub.
        var seenInProcess = new ConcurrentQueue<ITrainingEvent>();
        using var subscription = b.Get<TrainingNotifications>().SubscribeToRun(run.Id, e => { seenInProcess.Enqueue(e); return Task.CompletedTask; });
        var hubEpochs = new ConcurrentQueue<RunEpochCompleted>();
        var hubDone = new TaskCompletionSource<RunStatusChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = b.CreateHubConnection((await b.SignInAsync(member.UserName)).CookieHeader);
        hub.On<RunEpochCompleted>(nameof(ITrainingClient.EpochCompleted), e => hubEpochs.Enqueue(e));
        hub.On<RunStatusChanged>(nameof(ITrainingClient.RunStatusChanged), e => { if (e.Status == RunStatus.Succeeded) hubDone.TrySetResult(e); });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRun", run.Id);

        Go(run.Id); // the worker on node A prints its epochs
        var done = await WaitForRunAsync(b, run.Id, r => RunStateMachine.IsFinal(r.Status), "finished");
        Assert.True(done.Status == RunStatus.Succeeded, $"{done.Status}: {done.Error}");
        await hubDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await WaitForAsync(() => Task.FromResult(seenInProcess.OfType<RunStatusChanged>().Any(s => s.Status == RunStatus.Succeeded)), x => x,
            "node B's page to hear the run succeed");

        Assert.Equal([1, 2], seenInProcess.OfType<RunEpochCompleted>().Select(e => e.Epoch));
        Assert.Equal(0.25, seenInProcess.OfType<RunEpochCompleted>().Last().BestScore!.Value, 6);
        Assert.Equal([1, 2], hubEpochs.Select(e => e.Epoch));
        Assert.True(b.Get<NodeEvents>().Received > 0);
        Assert.Single(LaunchLines()); // started once, by node A
        Assert.Empty(b.Get<ProcessRunLauncher>().RunningWorkers);
    }

    [Fact]
    public async Task When_the_dispatching_node_dies_the_other_takes_the_lease_and_every_run_starts_exactly_once_none_lost()
    {
        Worker();
        var a = Node("a", releaseOnStop: false);
        var b = Node("b");
        Assert.True(a.Get<DispatcherLease>().CanDispatch);
        Assert.False(b.Get<DispatcherLease>().CanDispatch);
        var (team, member) = await a.CreateTeamAsync("alpha");

        var first = await SubmitAsync(a, team.Id, member.Id, "first");
        first = await WaitForRunAsync(a, first.Id, r => r.Status == RunStatus.Running && r.Pid is not null, "launched by a");
        await WaitForAsync(() => Task.FromResult(File.Exists(Path.Combine(shared, "artifacts", first.Id.ToString(), "checkpoint", "state.json"))), x => x,
            "the first run's checkpoint");
        // Queued on node B while A's only slot is taken: they wait; B does not start them.
        var second = await SubmitAsync(b, team.Id, member.Id, "second");
        var third = await SubmitAsync(b, team.Id, member.Id, "third");
        Go(second.Id);
        Go(third.Id);
        Assert.Equal(RunStatus.Queued, (await a.Get<RunStore>().GetAsync(second.Id))!.Status);
        Assert.Empty(b.Get<ProcessRunLauncher>().RunningWorkers);

        // Node A dies (its lease is not given up: it must expire); its worker is stopped with it.
        var takeover = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Get<DispatcherLease>().Changed += dispatching => { if (dispatching) takeover.TrySetResult(); };
        a.Dispose();
        apps.Remove(a);
        Go(first.Id); // its resumed worker may go on
        await takeover.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("b", (await b.Get<DispatcherLease>().ReadAsync()).Holder);

        foreach (var run in new[] { first, second, third })
        {
            var done = await WaitForRunAsync(b, run.Id, r => RunStateMachine.IsFinal(r.Status), "finished on node B");
            Assert.True(done.Status == RunStatus.Succeeded, $"run {run.Name}: {done.Status}: {done.Error}");
        }
        var launches = LaunchLines().Select(l => l.Split(' ')).ToList();
        // The first run: started by A, then resumed from its checkpoint by B; the queued ones started once each.
        Assert.Equal(["train --spec", "train --resume"], launches.Where(l => l[0] == first.Id.ToString()).Select(l => $"{l[1]} {l[2]}"));
        Assert.Single(launches, l => l[0] == second.Id.ToString());
        Assert.Single(launches, l => l[0] == third.Id.ToString());
        Assert.Equal(4, launches.Count);
    }

    [Fact]
    public async Task A_run_cancelled_on_the_node_that_does_not_run_it_has_its_worker_stopped_by_the_node_that_does()
    {
        Worker();
        var a = Node("a");
        var b = Node("b");
        var (team, member) = await a.CreateTeamAsync("alpha");
        var run = await SubmitAsync(b, team.Id, member.Id, "queued on b");
        run = await WaitForRunAsync(a, run.Id, r => r.Status == RunStatus.Running && r.Pid is not null, "launched by a");
        Assert.Contains(run.Id, a.Get<ProcessRunLauncher>().RunningWorkers);

        var cancelled = await b.Get<RunQueue>().CancelAsync(team.Id, run.Id, member.UserName);
        Assert.Equal(RunChangeOutcome.Done, cancelled.Outcome);
        await WaitForAsync(() => Task.FromResult(a.Get<ProcessRunLauncher>().RunningWorkers), w => !w.Contains(run.Id), "node A to stop the worker");
        var stored = (await a.Get<RunStore>().GetAsync(run.Id))!;
        Assert.Equal(RunStatus.Cancelled, stored.Status);
        Assert.Equal($"Cancelled by {member.UserName}.", stored.Error);
    }

    [Fact]
    public void A_renewal_too_slow_for_the_lease_stops_the_start_naming_the_setting()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Nodes:LeaseSeconds"] = "3", ["Nodes:RenewSeconds"] = "2" });
        var e = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("Nodes:RenewSeconds is 2; more than 0 and at most a third of Nodes:LeaseSeconds (3)", e.ToString());
    }

    [Fact]
    public void A_redis_that_does_not_answer_stops_the_start_naming_the_setting()
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Nodes:Redis"] = $"127.0.0.1:{port},connectTimeout=2000" });
        var e = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("Nodes:Redis: the Redis server of the web nodes does not answer", e.ToString());
    }
}
