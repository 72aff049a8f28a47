using Sensorium.Storage.Accounts;
using Sensorium.Storage.Runs;

namespace Sensorium.Storage.Tests;

public abstract class RunStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    RunStore runs => field ??= new RunStore(temp.Database, temp.Time);
    public void Dispose() => temp.Dispose();

    async Task<NewRun> NewRunAsync(string team = "A")
    {
        var t = await new TeamStore(temp.Database, temp.Time).CreateAsync(team);
        var u = await new UserStore(temp.Database, temp.Time).CreateAsync(team + "-user", "h", t.Id, false);
        return new NewRun(t.Id, u.Id, "baseline", """{"seed":42}""", RequestedDevice: null);
    }

    [Fact]
    public async Task A_new_run_is_queued_with_its_spec()
    {
        var run = await runs.CreateAsync(await NewRunAsync());
        Assert.Equal(RunStatus.Queued, run.Status);
        Assert.Equal("""{"seed":42}""", run.SpecJson);
        Assert.Equal(0, run.Progress);
        var stored = await runs.GetAsync(run.Id);
        Assert.Equal(run, stored);
        Assert.Single(await runs.ListForTeamAsync(run.TeamId));
        Assert.Equal(1, await runs.CountQueuedForTeamAsync(run.TeamId));
    }

    [Fact]
    public async Task The_host_queue_lists_every_teams_runs_with_names_and_priorities_apply_to_queued_runs_only()
    {
        var a = await NewRunAsync("A");
        var b = await NewRunAsync("B");
        var older = await runs.CreateAsync(a);
        var newer = await runs.CreateAsync(b with { Name = "urgent" });
        var running = await runs.CreateAsync(a with { Name = "busy" });
        await runs.TransitionAsync(running.Id, RunStatus.Running, device: "cpu");
        await runs.SetPidAsync(running.Id, 4321);

        Assert.True(await runs.SetPriorityAsync(newer.Id, 5));
        Assert.False(await runs.SetPriorityAsync(running.Id, 9)); // only a queued run waits in an order

        var queue = await runs.ListQueueAsync();
        Assert.Equal([running.Id, newer.Id, older.Id], queue.Select(e => e.Id)); // running first, then by priority
        Assert.Equal(("A", "A-user", 4321), (queue[0].TeamName, queue[0].OwnerName, queue[0].Pid!.Value));
        Assert.Equal(("B", "urgent", 5), (queue[1].TeamName, queue[1].Name, queue[1].Priority));
        Assert.Equal(5, (await runs.ListActiveAsync()).Single(r => r.Id == newer.Id).Priority);
        Assert.Equal(0, (await runs.GetAsync(older.Id))!.Priority);
    }

    [Fact]
    public async Task Transitions_stamp_times_and_device_and_refuse_invalid_changes()
    {
        var run = await runs.CreateAsync(await NewRunAsync());

        await Assert.ThrowsAsync<InvalidRunTransitionException>(() => runs.TransitionAsync(run.Id, RunStatus.Succeeded));

        var running = await runs.TransitionAsync(run.Id, RunStatus.Running, device: "cuda:0");
        Assert.Equal(RunStatus.Running, running.Status);
        Assert.Equal("cuda:0", running.Device);
        Assert.NotNull(running.StartedAt);
        Assert.True(await runs.SetPidAsync(run.Id, 1234));
        Assert.True(await runs.SetProgressAsync(run.Id, 0.5, bestScore: 0.31));
        Assert.True(await runs.SetProgressAsync(run.Id, 0.6));
        Assert.Equal(0.31, (await runs.GetAsync(run.Id))!.BestScore);
        Assert.Single(await runs.ListActiveAsync());

        var done = await runs.TransitionAsync(run.Id, RunStatus.Succeeded);
        Assert.Equal(1, done.Progress);
        Assert.NotNull(done.FinishedAt);
        Assert.Null(done.Pid);
        Assert.Empty(await runs.ListActiveAsync());
        Assert.False(await runs.SetProgressAsync(run.Id, 0.1)); // only running runs move

        await Assert.ThrowsAsync<InvalidRunTransitionException>(() => runs.TransitionAsync(run.Id, RunStatus.Cancelled));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => runs.TransitionAsync(999, RunStatus.Cancelled));
    }

    [Fact]
    public async Task Running_runs_become_interrupted_at_start_and_can_be_resumed()
    {
        var spec = await NewRunAsync();
        var a = await runs.CreateAsync(spec);
        var b = await runs.CreateAsync(spec);
        await runs.TransitionAsync(a.Id, RunStatus.Running, "cpu");
        await runs.SetPidAsync(a.Id, 777);

        var interrupted = Assert.Single(await runs.InterruptAllRunningAsync("server restarted"));
        Assert.Equal(a.Id, interrupted.Id);
        Assert.Equal(777, interrupted.Pid); // kept, so an orphaned worker can be found
        Assert.Equal(RunStatus.Interrupted, interrupted.Status);
        Assert.Equal("server restarted", interrupted.Error);
        Assert.Equal(RunStatus.Queued, (await runs.GetAsync(b.Id))!.Status);

        var resumed = await runs.TransitionAsync(a.Id, RunStatus.Queued);
        Assert.Equal(RunStatus.Queued, resumed.Status);
        Assert.Null(resumed.Device);
        Assert.Null(resumed.Error);
        Assert.Null(resumed.Pid);
    }

    [Fact]
    public async Task Cancel_records_the_reason()
    {
        var run = await runs.CreateAsync(await NewRunAsync());
        var cancelled = await runs.TransitionAsync(run.Id, RunStatus.Cancelled, error: "cancelled by ada");
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Equal("cancelled by ada", cancelled.Error);
    }

    [Fact]
    public async Task Epoch_and_batch_metrics_round_trip_and_batches_thin_out()
    {
        var run = await runs.CreateAsync(await NewRunAsync());
        var metrics = new RunMetricStore(temp.Database, temp.Time);

        await metrics.AddEpochAsync(new RunEpoch
        {
            RunId = run.Id, Epoch = 1, TrainLoss = 0.9, ValidationCorrelation = 0.21,
            PerMouseCorrelationJson = """{"26872-17-20":0.2}""", LearningRate = 0.009, EpochSeconds = 12.5,
        });
        await metrics.AddEpochAsync(new RunEpoch { RunId = run.Id, Epoch = 1, TrainLoss = 0.8, LearningRate = 0.009, EpochSeconds = 1 });
        var epoch = Assert.Single(await metrics.ListEpochsAsync(run.Id));
        Assert.Equal(0.8, epoch.TrainLoss); // replaced

        await metrics.AddBatchesAsync(run.Id, Enumerable.Range(0, 100).Select(i => new RunBatch { Epoch = 1 + i / 50, Batch = i % 50, Loss = 1.0 / (i + 1) }));
        Assert.Equal(100, (await metrics.ListBatchesAsync(run.Id)).Count);
        var thinned = await metrics.ListBatchesAsync(run.Id, maxPoints: 10);
        Assert.Equal(10, thinned.Count);
        Assert.Equal((1, 0, 1.0), (thinned[0].Epoch, thinned[0].Batch, thinned[0].Loss));
    }
}

public sealed class RunStoreOnSqliteTests() : RunStoreTests(DatabaseEngine.Sqlite);

public sealed class RunStoreOnPostgresTests() : RunStoreTests(DatabaseEngine.Postgres);
