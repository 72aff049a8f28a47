using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests;

/// <summary>
/// The queue end to end inside the app: dispatcher, launcher seam, progress recorder, notifications. The launcher
/// here only records what it was asked to start (a test double for the worker process, which the trainer provides).
/// </summary>
public sealed class RunQueueTests : IDisposable
{
    readonly RecordingLauncher launcher = new();
    readonly WorkbenchApp app;

    public RunQueueTests() => app = new WorkbenchApp(
        services => services.Replace(ServiceDescriptor.Singleton<IRunLauncher>(launcher)),
        new Dictionary<string, string> { ["Workbench:Devices:0:Name"] = "cpu", ["Workbench:Devices:0:Slots"] = "2" });

    public void Dispose() => app.Dispose();

    async Task<Run> SubmitAsync(long teamId, long userId, string name)
    {
        var result = await app.Get<RunQueue>().SubmitAsync(teamId, userId,
            new RunRequest(name, System.Text.Json.JsonDocument.Parse(WorkbenchApp.SpecJson()).RootElement, null));
        return result.Run ?? throw new InvalidOperationException(string.Join("; ", result.Errors.SelectMany(e => e.Value)));
    }

    async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not come true in time.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Teams_take_turns_and_a_finished_run_frees_its_slot()
    {
        var (teamA, a) = await app.CreateTeamAsync("alpha");
        var (teamB, b) = await app.CreateTeamAsync("beta");
        // Queued straight into the store, then one wake-up: the dispatcher sees all five at once.
        var store = app.Get<RunStore>();
        var runsOfA = new List<Run>();
        for (var i = 0; i < 4; i++) runsOfA.Add(await store.CreateAsync(new NewRun(teamA.Id, a.Id, $"a{i}", WorkbenchApp.SpecJson(), null)));
        var runOfB = await store.CreateAsync(new NewRun(teamB.Id, b.Id, "b", WorkbenchApp.SpecJson(), null));
        app.Get<QueueSignal>().Wake();

        // Two slots: A's oldest and B's only run, although A queued three more first.
        await WaitUntilAsync(() => Task.FromResult(launcher.Launched.Count == 2));
        Assert.Equal([runsOfA[0].Id, runOfB.Id], launcher.Launched.OrderBy(id => id));
        var running = (await store.GetAsync(runOfB.Id))!;
        Assert.Equal((RunStatus.Running, "cpu", RecordingLauncher.Pid), (running.Status, running.Device, running.Pid));

        // The worker of A's first run reports, then ends: the slot goes to A's next run.
        var recorder = app.Get<RunProgressRecorder>();
        await recorder.BatchAsync(runsOfA[0].Id, epoch: 1, batch: 0, batchesPerEpoch: 2, loss: 0.9, progress: 0.25);
        await recorder.BatchAsync(runsOfA[0].Id, epoch: 1, batch: 1, batchesPerEpoch: 2, loss: 0.8, progress: 0.5);
        await recorder.EpochAsync(runsOfA[0].Id, new EpochCompleted(1, 0.85,
            new Dictionary<string, double> { ["26872-17-20"] = 0.30, ["27204-5-13"] = 0.32 }, 0.31, 0.009, 3.5, 0, false, 0, 0, 0, double.NaN), 0.5);
        await recorder.CheckpointAsync(runsOfA[0].Id, "/tmp/ckpt.pt");
        var finished = await recorder.FinishAsync(runsOfA[0].Id, RunStatus.Succeeded);

        Assert.Equal(RunStatus.Succeeded, finished!.Status);
        Assert.Equal(0.31, finished.BestScore);
        Assert.Equal("/tmp/ckpt.pt", finished.CheckpointPath);
        var metrics = app.Get<RunMetricStore>();
        Assert.Equal(2, (await metrics.ListBatchesAsync(runsOfA[0].Id)).Count);
        Assert.Contains("26872-17-20", Assert.Single(await metrics.ListEpochsAsync(runsOfA[0].Id)).PerMouseCorrelationJson);

        await WaitUntilAsync(() => Task.FromResult(launcher.Launched.Count == 3));
        Assert.Equal(runsOfA[1].Id, launcher.Launched.Last());
    }

    [Fact]
    public async Task Cancelling_a_running_run_stops_its_worker_and_a_late_finish_is_ignored()
    {
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await SubmitAsync(team.Id, member.Id, "r");
        await WaitUntilAsync(() => Task.FromResult(launcher.Launched.Contains(run.Id)));

        var result = await app.Get<RunQueue>().CancelAsync(team.Id, run.Id, "alpha-member");
        Assert.Equal(RunChangeOutcome.Done, result.Outcome);
        Assert.Equal(RunStatus.Cancelled, result.Run!.Status);
        Assert.Contains(run.Id, launcher.Stopped);
        Assert.Null(await app.Get<RunProgressRecorder>().FinishAsync(run.Id, RunStatus.Failed, "killed"));
        Assert.Equal(RunStatus.Cancelled, (await app.Get<RunStore>().GetAsync(run.Id))!.Status);
    }

    [Fact]
    public async Task A_launch_failure_fails_the_run_with_the_reason()
    {
        launcher.FailNext = true;
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await SubmitAsync(team.Id, member.Id, "r");
        var store = app.Get<RunStore>();
        await WaitUntilAsync(async () => (await store.GetAsync(run.Id))!.Status == RunStatus.Failed);
        Assert.Contains("no such executable", (await store.GetAsync(run.Id))!.Error);
    }

    [Fact]
    public async Task Batch_progress_reaching_subscribers_is_throttled()
    {
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await SubmitAsync(team.Id, member.Id, "r");
        await WaitUntilAsync(() => Task.FromResult(launcher.Launched.Contains(run.Id)));

        var published = new ConcurrentQueue<RunBatchProgress>();
        using var _ = app.Get<TrainingNotifications>().SubscribeToRun(run.Id, e =>
        {
            if (e is RunBatchProgress p) published.Enqueue(p);
            return Task.CompletedTask;
        });
        var recorder = app.Get<RunProgressRecorder>();
        for (var batch = 0; batch < 50; batch++)
            await recorder.BatchAsync(run.Id, 1, batch, batchesPerEpoch: 50, loss: 1.0 / (batch + 1), progress: batch / 100.0);

        Assert.InRange(published.Count, 2, 10); // the first, the epoch's last, and a few in between at most
        Assert.Equal(49, published.Last().Batch);
        Assert.Equal(50, (await app.Get<RunMetricStore>().ListBatchesAsync(run.Id)).Count); // every batch is stored
    }

    sealed class RecordingLauncher : IRunLauncher
    {
        public const int Pid = 4242;
        public ConcurrentQueue<long> LaunchedQueue { get; } = new();
        public IReadOnlyList<long> Launched => [.. LaunchedQueue];
        public ConcurrentBag<long> Stopped { get; } = [];
        public bool FailNext { get; set; }
        public bool IsAvailable => true;

        public Task<int> LaunchAsync(Run run, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("no such executable: sensorium");
            }
            LaunchedQueue.Enqueue(run.Id);
            return Task.FromResult(Pid);
        }

        public Task StopAsync(long runId, CancellationToken cancellationToken)
        {
            Stopped.Add(runId);
            return Task.CompletedTask;
        }
    }
}
