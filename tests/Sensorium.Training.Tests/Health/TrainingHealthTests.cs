using Sensorium.Models.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training.Tests.Health;

/// <summary>The training-health guard: a non-finite loss, gradient, weight or validation objective never goes unnoticed.</summary>
public class TrainingHealthTests
{
    /// <summary>The tiny mouse with one training trial's responses replaced by <paramref name="value"/> (after loading:
    /// the loader refuses NaN in files, so this is how non-finite numbers reach a training in memory).</summary>
    private static MouseTrainingData Poisoned(float value, int trial = 7)
    {
        var mouse = TinyData.Mouse();
        for (int n = 0; n < mouse.NeuronCount; n++) mouse.Responses[trial * mouse.NeuronCount + n] = value;
        return mouse;
    }

    [Fact]
    public void A_NaN_response_stops_the_run_as_diverged_after_the_recoveries_with_the_best_weights_before_it()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var log = new EventLog();
        var result = Trainer.Train(TinyData.Spec(maxEpochs: 6), [Poisoned(float.NaN)], dir.Path, log);

        var diverged = log.Of<Diverged>().ToList();
        Assert.Equal(3, diverged.Count); // recovered twice (the default MaxRecoveries), then stopped
        Assert.Equal([true, true, false], diverged.Select(d => d.Recovered));
        Assert.All(diverged, d => Assert.Equal("loss NaN", d.What));
        Assert.All(diverged, d => Assert.NotNull(d.Batch));
        Assert.Equal([0.0027, 0.00081], diverged.Take(2).Select(d => Math.Round(d.LearningRate, 12)));

        Assert.True(result.Diverged);
        Assert.Equal(2, result.Recoveries);
        Assert.StartsWith($"diverged at epoch {diverged[^1].Epoch}, batch {diverged[^1].Batch} (loss NaN)", result.Reason);
        var finished = Assert.Single(log.Of<TrainingFinished>());
        Assert.True(finished.Diverged);
        Assert.Equal(result.Reason, finished.Reason);
        // Nothing non-finite was reported as progress, and no validation was reported as 0 instead of "not available".
        Assert.All(log.Of<BatchProgress>(), b => Assert.True(double.IsFinite(b.Loss)));
        Assert.All(log.Of<EpochCompleted>(), e => Assert.True(double.IsFinite(e.TrainLoss) && double.IsFinite(e.Objective)));
        // The model kept is finite: the bad steps were never applied.
        var weights = Sensorium.Models.CheckpointImport.ReadStateDict(result.ModelPath);
        try { Assert.All(weights, kv => Assert.True(kv.Value.isfinite().all().item<bool>(), kv.Key)); }
        finally { foreach (var t in weights.Values) t.Dispose(); }
    }

    [Fact]
    public void With_OnDivergence_stop_the_first_non_finite_loss_stops_the_run()
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var log = new EventLog();
        var spec = TinyData.Spec(maxEpochs: 6) with { Trainer = TinyData.Spec().Trainer with { OnDivergence = TrainerSpec.Stop } };
        var result = Trainer.Train(spec, [Poisoned(float.PositiveInfinity)], dir.Path, log);

        var d = Assert.Single(log.Of<Diverged>());
        Assert.False(d.Recovered);
        Assert.Equal(1, d.Epoch);
        Assert.Matches(@"^loss (NaN|[+-]inf)$", d.What);
        Assert.True(result.Diverged);
        Assert.Equal(0, result.Recoveries);
        Assert.Empty(log.Of<EpochCompleted>());
        Assert.Equal(0, result.BestEpoch); // the pre-training weights are the best there were
    }

    [Fact]
    public void The_step_check_names_the_first_non_finite_gradient_by_its_state_dict_key()
    {
        using var model = Sensorium.Models.ModelBuilder.Build(TinyData.Spec().Model,
            [Sensorium.Models.MouseNeurons.FromCortex("11111-1-1", [0, 1, 2], [0, 1, 2])], CPU, 1);
        using var loss = tensor(new[] { 1.0 });
        var ok = Record.Exception(() => Sensorium.Training.Health.TrainingHealth.RequireFiniteStep(model, loss, 1, 1));
        Assert.Null(ok); // no gradients yet, finite loss

        var (name, p) = model.named_parameters().First(np => np.name.Contains("readout"));
        p.grad = full_like(p, float.NaN);
        var e = Assert.Throws<Sensorium.Training.Health.TrainingDivergedException>(
            () => Sensorium.Training.Health.TrainingHealth.RequireFiniteStep(model, loss, 2, 5));
        Assert.Equal($"diverged at epoch 2, batch 5 (gradient of {name}: {p.numel():N0} of {p.numel():N0} values non-finite (NaN {p.numel():N0}, ±inf 0))", e.Message);
    }
}
