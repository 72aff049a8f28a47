using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Synthetic;

namespace Sensorium.Training.Tests;

/// <summary>A clock that moves only when told (the trainer's time limit then depends on epochs, not on the machine's speed).</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Records the events and, at every epoch's end, runs <paramref name="onEpoch"/> (moves a clock, asks to stop).</summary>
public sealed class OnEpoch(Action<EpochCompleted> onEpoch) : IProgress<TrainingEvent>
{
    public EventLog Log { get; } = new();

    public void Report(TrainingEvent value)
    {
        Log.Report(value);
        if (value is EpochCompleted c) onEpoch(c);
    }
}

/// <summary>Runs <paramref name="onEvent"/> for every event, in the trainer's thread.</summary>
public sealed class OnEvent(Action<TrainingEvent> onEvent) : IProgress<TrainingEvent>
{
    public void Report(TrainingEvent value) => onEvent(value);
}

/// <summary>
/// A time limit (<see cref="TrainerSpec.MaxMinutes"/>) and a <see cref="StopRequest"/> end training at an epoch
/// boundary as early stopping does: best weights restored, model.pth written, a run that evaluates as usual.
/// </summary>
public sealed class StopKeepingBestTests : IDisposable
{
    private readonly Sensorium.Data.Tests.TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>One tiny synthetic mouse on disk (so that the run is evaluated the way `sensorium evaluate` does it).</summary>
    private (RunSpec Spec, List<MouseTrainingData> Mice) OnDisk(double? maxMinutes)
    {
        string data = Path.Combine(_dir.Path, "data");
        if (!Directory.Exists(data))
            SyntheticDataset.Generate(new SynthOptions { OutputDirectory = data, Preset = SynthPreset.Tiny, Seed = 3, Mice = ["26872-17-20"], WriteZips = false });
        var spec = TinyData.Spec(maxEpochs: 20) with
        {
            Dataset = new DatasetSpec { Path = data, Track = "sensorium" },
            Trainer = TinyData.Spec().Trainer with { MaxEpochs = 20, MaxMinutes = maxMinutes },
        };
        return (spec, DatasetLoader.Load(spec.Dataset).Select(DatasetLoader.ForTraining).ToList());
    }

    [Fact]
    public void A_time_limit_ends_training_at_an_epoch_boundary_with_the_best_model_written_and_evaluated()
    {
        var (spec, mice) = OnDisk(maxMinutes: 10);
        string run = Path.Combine(_dir.Path, "run-time");
        var clock = new ManualClock();
        var progress = new OnEpoch(_ => clock.Advance(TimeSpan.FromMinutes(4))); // each epoch "takes" 4 minutes

        var result = Trainer.Train(spec, mice, run, progress, time: clock);

        // 4, 8, 12 minutes: the limit is reached at the end of epoch 3, long before max epochs (20).
        Assert.Equal(3, result.Epochs);
        Assert.Equal([1, 2, 3], progress.Log.Of<EpochCompleted>().Select(e => e.Epoch));
        Assert.Equal($"time limit 10 min reached after epoch 3; best epoch {result.BestEpoch}", result.Reason);
        Assert.False(result.Diverged);
        Assert.Equal(12 * 60, result.Seconds, 6);
        var finished = Assert.Single(progress.Log.Of<TrainingFinished>());
        Assert.Equal(result.Reason, finished.Reason);
        Assert.Contains(result.Reason, File.ReadAllText(Path.Combine(run, Checkpoint.SummaryFile)));
        // The best epoch's weights, not the last one's: its validation is what the model scores.
        var best = progress.Log.Of<EpochCompleted>().Single(e => e.Epoch == result.BestEpoch);
        Assert.Equal(best.Objective, result.BestObjective, 9);

        Assert.True(File.Exists(Path.Combine(run, Checkpoint.ModelFile)));
        var scores = Assert.Single(RunEvaluation.Evaluate(run, Tier.Validation, device: "cpu"));
        Assert.Equal(result.BestObjective, scores.SingleTrialCorrelation, 4);
    }

    [Fact]
    public void Under_a_time_limit_each_epochs_ETA_counts_only_the_epochs_the_limit_still_lets_start()
    {
        var spec = TinyData.Spec(maxEpochs: 20) with { Trainer = TinyData.Spec().Trainer with { MaxEpochs = 20, MaxMinutes = 10 } };
        var clock = new ManualClock();
        var log = new EventLog();
        int batchesPerEpoch = 0;
        var progress = new OnEvent(e =>
        {
            log.Report(e);
            if (e is BatchProgress b) { clock.Advance(TimeSpan.FromMinutes(1)); batchesPerEpoch = b.BatchesPerEpoch; } // each step "takes" a minute
        });

        var result = Trainer.Train(spec, [TinyData.Mouse()], Path.Combine(_dir.Path, "run-eta"), progress, time: clock);

        // Epochs of B minutes under a 10-minute limit: training ends after epoch ceil(10 / B), and after epoch k the
        // ETA is exactly the epochs still to start, not the 20 - k that max epochs and patience alone would allow.
        Assert.InRange(batchesPerEpoch, 1, 9); // so that the limit, not max epochs, ends the run
        int last = (int)Math.Ceiling(10.0 / batchesPerEpoch);
        Assert.Equal(last, result.Epochs);
        Assert.StartsWith("time limit 10 min reached", result.Reason);
        foreach (var c in log.Of<EpochCompleted>())
            Assert.Equal(last - c.Epoch, c.EtaSeconds / c.EpochSeconds, 6);
    }

    [Theory]
    [InlineData(0, 60, 0)]
    [InlineData(-5, 60, 0)]
    [InlineData(60, 60, 1)]
    [InlineData(61, 60, 2)]
    [InlineData(600, 0, int.MaxValue)]
    public void The_epochs_a_time_limit_still_lets_start(double secondsLeft, double epochSeconds, int expected) =>
        Assert.Equal(expected, Trainer.EpochsWithinTimeLimit(secondsLeft, epochSeconds));

    [Fact]
    public void A_stop_request_ends_training_after_the_current_epoch_with_the_best_model_written_and_evaluated()
    {
        var (spec, mice) = OnDisk(maxMinutes: null);
        string run = Path.Combine(_dir.Path, "run-stop");
        var progress = new OnEpoch(c =>
        {
            if (c.Epoch == 2) StopRequest.Write(run, "alice", DateTimeOffset.UnixEpoch); // as the workbench or `sensorium stop` does mid-epoch
        });

        var result = Trainer.Train(spec, mice, run, progress);

        Assert.Equal(2, result.Epochs);
        Assert.Equal($"stopped by alice after epoch 2; best epoch {result.BestEpoch}", result.Reason);
        Assert.Equal(result.Reason, Assert.Single(progress.Log.Of<TrainingFinished>()).Reason);
        Assert.True(File.Exists(Path.Combine(run, Checkpoint.ModelFile)));
        var scores = Assert.Single(RunEvaluation.Evaluate(run, Tier.Validation, device: "cpu"));
        Assert.Equal(result.BestObjective, scores.SingleTrialCorrelation, 4);
    }

    [Fact]
    public void The_time_limit_counts_the_time_trained_before_a_resume()
    {
        var spec = TinyData.Spec(maxEpochs: 8) with { Trainer = TinyData.Spec().Trainer with { MaxEpochs = 8, MaxMinutes = 10 } };
        var mouse = TinyData.Mouse();
        string run = Path.Combine(_dir.Path, "run-resume");
        using var cts = new CancellationTokenSource();
        var first = new ManualClock();
        var beforeCancel = new OnEpoch(c =>
        {
            first.Advance(TimeSpan.FromMinutes(4));
            if (c.Epoch == 2) cts.Cancel(); // 8 minutes trained, then cancelled (checkpoint kept)
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(spec, [mouse], run, beforeCancel, cancel: cts.Token, time: first));

        var second = new ManualClock(); // a new process: its own clock starts at 0
        var resumed = new OnEpoch(_ => second.Advance(TimeSpan.FromMinutes(4)));
        var result = Trainer.Train(spec, [mouse], run, resumed, resume: true, time: second);

        // 8 minutes before the resume + 4 after it: the limit ends the run after epoch 3, not after epoch 5.
        Assert.Equal([3], resumed.Log.Of<EpochCompleted>().Select(e => e.Epoch));
        Assert.StartsWith("time limit 10 min reached after epoch 3;", result.Reason);
        Assert.Equal(12 * 60, result.Seconds, 6);
    }

    [Fact]
    public void A_stop_requested_while_no_worker_ran_is_honoured_before_the_resumed_runs_first_epoch()
    {
        var spec = TinyData.Spec(maxEpochs: 6);
        var mouse = TinyData.Mouse();
        string run = Path.Combine(_dir.Path, "run-stop-resume");
        using var cts = new CancellationTokenSource();
        var beforeCancel = new OnEpoch(c => { if (c.Epoch == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(spec, [mouse], run, beforeCancel, cancel: cts.Token));

        StopRequest.Write(run, "bob", DateTimeOffset.UnixEpoch); // e.g. asked while the server restarted
        var resumed = new EventLog();
        var result = Trainer.Train(spec, [mouse], run, resumed, resume: true);

        Assert.Empty(resumed.Of<EpochCompleted>());
        Assert.Equal(2, result.Epochs);
        Assert.StartsWith("stopped by bob after epoch 2;", result.Reason);
        Assert.True(File.Exists(Path.Combine(run, Checkpoint.ModelFile)));
    }

    [Fact]
    public void A_stop_request_is_kept_once_and_can_be_withdrawn_and_an_unreadable_one_still_stops()
    {
        string run = Path.Combine(_dir.Path, "requests");
        var first = StopRequest.Write(run, "alice", DateTimeOffset.UnixEpoch);
        var again = StopRequest.Write(run, "bob", DateTimeOffset.UnixEpoch.AddHours(1));
        Assert.Equal(first, again); // asking twice changes nothing
        Assert.Equal("alice", StopRequest.Read(run)!.By);
        Assert.True(StopRequest.Withdraw(run));
        Assert.Null(StopRequest.Read(run));
        Assert.False(StopRequest.Withdraw(run));

        File.WriteAllText(StopRequest.PathOf(run), "not json");
        Assert.Contains("unreadable", StopRequest.Read(run)!.By);
        Assert.Equal("x", StopRequest.Write(Path.Combine(_dir.Path, "r2"), "x\n\u0007", DateTimeOffset.UnixEpoch).By);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    [InlineData(double.NaN)]
    [InlineData(20_000.0)]
    public void A_time_limit_outside_a_week_is_refused_naming_the_field(double minutes)
    {
        var problems = (TinyData.Spec().Trainer with { MaxMinutes = minutes }).Validate();
        Assert.Contains(problems, p => p.StartsWith("maxMinutes must be in (0, 10080]", StringComparison.Ordinal));
    }

    [Fact]
    public void A_spec_without_a_time_limit_reads_and_writes_as_before_and_one_with_it_round_trips()
    {
        var plain = TinyData.Spec();
        Assert.Empty(plain.Trainer.Validate());
        Assert.DoesNotContain("maxMinutes", plain.ToJson());
        var limited = plain with { Trainer = plain.Trainer with { MaxMinutes = 7.5 } };
        Assert.Contains("\"maxMinutes\": 7.5", limited.ToJson());
        Assert.Equal(limited, RunSpec.FromJson(limited.ToJson()));
    }
}
