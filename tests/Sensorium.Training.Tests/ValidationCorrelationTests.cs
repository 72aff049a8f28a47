using Sensorium.Data.Metrics;
using Sensorium.Models;
using static TorchSharp.torch;

namespace Sensorium.Training.Tests;

/// <summary>The trainer's validation measure is the evaluator's correlation (issue 10.7: one implementation).</summary>
public class ValidationCorrelationTests
{
    [Fact]
    public void The_trainers_validation_is_the_evaluators_single_trial_correlation()
    {
        var mouse = TinyData.Mouse();
        using var data = new DeviceData(mouse, CPU, behaviorChannels: false, pupilCenter: false);
        using var model = ModelBuilder.Build(TinyData.Spec().Model,
            [MouseNeurons.FromCortex(mouse.DataKey, mouse.CorticalX, mouse.CorticalY)], seed: 3);
        var trials = mouse.Validation;

        var trainer = Inference.PerNeuronCorrelation(model, data, trials, batchSize: 7);

        // The evaluator, from the same predictions and the recorded responses, on the host.
        using var predictions = Inference.Predict(model, data, trials, batchSize: 7); // (T,N)
        var p = new double[trials.Length, mouse.NeuronCount];
        var r = new double[trials.Length, mouse.NeuronCount];
        var flat = predictions.data<float>().ToArray();
        for (int i = 0; i < trials.Length; i++)
            for (int n = 0; n < mouse.NeuronCount; n++)
            {
                p[i, n] = flat[i * mouse.NeuronCount + n];
                r[i, n] = mouse.Responses[trials[i] * mouse.NeuronCount + n];
            }
        Assert.Equal(Correlation.PerNeuron(r, p), trainer);
        var evaluator = SensoriumMetrics.Compute(r, p, trials.Select(t => (long)t).ToArray()).PerNeuron.SingleTrialCorrelation;
        for (int n = 0; n < evaluator.Length; n++) Assert.Equal(evaluator[n], trainer[n], 1e-12);

        var (perMouse, objective) = Inference.Validate(model, [data], batchSize: 7);
        Assert.Equal(trainer.Average(), perMouse[mouse.DataKey], 1e-15);
        Assert.Equal(trainer.Average(), objective, 1e-15);
        Assert.All(trainer, c => Assert.True(double.IsFinite(c) && c != 0));
    }
}
