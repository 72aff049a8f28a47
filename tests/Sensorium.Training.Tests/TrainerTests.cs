using System.Collections.Concurrent;

namespace Sensorium.Training.Tests;

/// <summary>Collects events synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
public sealed class EventLog : IProgress<TrainingEvent>
{
    public ConcurrentQueue<TrainingEvent> Events { get; } = new();
    public void Report(TrainingEvent value) => Events.Enqueue(value);
    public IEnumerable<T> Of<T>() => Events.OfType<T>();
}

public class TrainerTests
{
    [Fact]
    public void TinyRunImprovesValidationCorrelationAndWritesTheRun()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var log = new EventLog();
        var result = Trainer.Train(TinyData.Spec(maxEpochs: 6), [TinyData.Mouse()], dir.Path, log);

        var started = Assert.Single(log.Of<TrainingStarted>());
        double before = started.ValidationBefore["11111-1-1"];
        var epochs = log.Of<EpochCompleted>().ToList();
        Assert.Equal(6, epochs.Count);
        Assert.True(result.BestObjective > before + 0.1, $"validation correlation {before:F3} -> {result.BestObjective:F3}");
        Assert.True(epochs.All(e => double.IsFinite(e.TrainLoss) && e.TrainLoss > 0));
        Assert.NotEmpty(log.Of<BatchProgress>());
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.pth")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "summary.json")));
        Assert.True(Checkpoint.CanResume(dir.Path));
        Assert.Equal(TinyData.Spec(maxEpochs: 6), Checkpoint.ReadSpec(dir.Path));
    }

    [Fact]
    public void EveryBatchAndEpochReportTheLossPerTrial()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var log = new EventLog();
        var mouse = TinyData.Mouse();
        Trainer.Train(TinyData.Spec(maxEpochs: 1), [mouse], dir.Path, log);

        // The objective is √(T/B) × the Poisson sum over B trials: per trial it is ÷ (B × √(T/B)) = ÷ √(T·B).
        double full = Math.Sqrt(mouse.TrialCount * 16.0);
        var batches = log.Of<BatchProgress>().ToList();
        Assert.All(batches, b => Assert.True(b.LossPerTrial is > 0 && double.IsFinite(b.LossPerTrial.Value)));
        foreach (var b in batches.SkipLast(1)) // the last batch may hold fewer trials
            Assert.Equal(full, b.Loss / b.LossPerTrial!.Value, 6);
        var epoch = Assert.Single(log.Of<EpochCompleted>());
        Assert.InRange(epoch.TrainLoss / epoch.TrainLossPerTrial!.Value, full * 0.8, full * 1.2);
    }

    [Fact]
    public void SameSeedGivesTheSameRun()
    {
        using var a = new Sensorium.Data.Tests.TempDir();
        using var b = new Sensorium.Data.Tests.TempDir();
        var ra = Trainer.Train(TinyData.Spec(maxEpochs: 2), [TinyData.Mouse()], a.Path);
        var rb = Trainer.Train(TinyData.Spec(maxEpochs: 2), [TinyData.Mouse()], b.Path);
        Assert.Equal(ra.BestObjective, rb.BestObjective);
    }

    [Fact]
    public void ResumeContinuesWhereTheRunStopped()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var mouse = TinyData.Mouse();
        // Cancel after the third epoch's checkpoint.
        using var cts = new CancellationTokenSource();
        var log = new EventLog();
        var stopper = new CancelAfter(3, cts, log);
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(TinyData.Spec(maxEpochs: 6), [mouse], dir.Path, stopper, cancel: cts.Token));
        Assert.True(Checkpoint.CanResume(dir.Path));

        var resumedLog = new EventLog();
        var resumed = Trainer.Train(TinyData.Spec(maxEpochs: 6), [mouse], dir.Path, resumedLog, resume: true);
        var epochs = resumedLog.Of<EpochCompleted>().Select(e => e.Epoch).ToList();
        Assert.Equal([4, 5, 6], epochs);
        Assert.Equal(3, Assert.Single(resumedLog.Of<TrainingStarted>()).StartEpoch);
        Assert.Equal(6, resumed.Epochs);

        // An uninterrupted run ends exactly where the resumed one did: shuffling and the readouts' position noise are
        // seeded per epoch, and weights, optimizer and schedule come back from the checkpoint.
        using var straight = new Sensorium.Data.Tests.TempDir();
        var fullLog = new EventLog();
        var full = Trainer.Train(TinyData.Spec(maxEpochs: 6), [mouse], straight.Path, fullLog);
        Assert.Equal(full.Epochs, resumed.Epochs);
        Assert.Equal(
            fullLog.Of<EpochCompleted>().Where(e => e.Epoch > 3).Select(e => (e.Epoch, e.TrainLoss, e.Objective)),
            resumedLog.Of<EpochCompleted>().Select(e => (e.Epoch, e.TrainLoss, e.Objective)));
        Assert.Equal(full.BestObjective, resumed.BestObjective);
    }

    [Fact]
    public void BehaviourChannelsAndShifterTrain()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var result = Trainer.Train(TinyData.Spec(maxEpochs: 2, plus: true), [TinyData.Mouse()], dir.Path);
        Assert.True(double.IsFinite(result.BestObjective));
    }

    [Fact]
    public void InvalidSpecIsRefusedWithEveryProblem()
    {
        var spec = TinyData.Spec() with { Trainer = new TrainerSpec { BatchSize = 0, LrInit = -1 } };
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(spec, [TinyData.Mouse()], "/tmp/never"));
        Assert.Contains("batchSize", e.Message);
        Assert.Contains("lrInit", e.Message);
    }

    private sealed class CancelAfter(int epochs, CancellationTokenSource cts, EventLog inner) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            inner.Report(value);
            if (value is CheckpointSaved c && c.Epoch >= epochs) cts.Cancel();
        }
    }
}
