using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Metrics;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Training;

/// <summary>One mouse's scores on one tier.</summary>
/// <param name="Feve">Null when the tier has no repeated images (FEV needs repeats).</param>
public sealed record MouseEvaluation(string DataKey, string Tier, int Trials, int Neurons, int Images,
    double SingleTrialCorrelation, double CorrelationToAverage, double? Feve, int FeveNeurons, NeuronMetrics PerNeuron);

/// <summary>Scores a trained run (or an ensemble folder: the mean of its members) on a tier of its mice with the official metrics (Sensorium.Data.Metrics).</summary>
public static class RunEvaluation
{
    /// <param name="dataPath">Where the run's mice are read (defaults to the run's own dataset).</param>
    /// <param name="truthPath">Where the true responses are read, e.g. a synthetic dataset's host/ copy, when
    /// <paramref name="dataPath"/> is a participant copy whose test responses are withheld; defaults to dataPath.</param>
    public static IReadOnlyList<MouseEvaluation> Evaluate(string runDir, Tier tier, string? dataPath = null,
        string? truthPath = null, string device = "auto", Action<string>? log = null, CancellationToken cancel = default)
    {
        var folder = ModelFolder.Open(runDir);
        var dataSpec = folder.DataSpec(dataPath);
        var mice = DatasetLoader.Load(dataSpec, log, cancel);
        var truth = truthPath is null ? mice : DatasetLoader.Load(dataSpec with { Path = truthPath }, log, cancel);
        var scored = Enumerable.Range(0, mice.Count).Select(i => (Index: i, Trials: mice[i].TrialsOf(tier).ToArray()))
            .Where(x => x.Trials.Length > 0).ToList();
        var predictions = folder.Predict(mice, scored.Select(x => (mice[x.Index].DataKey, x.Trials)).ToList(), dataPath, device, log, cancel);
        var results = new List<MouseEvaluation>();
        for (int k = 0; k < scored.Count; k++)
            results.Add(Score(mice[scored[k].Index].DataKey, tier, scored[k].Trials, predictions[k], truth[scored[k].Index]));
        return results;
    }

    /// <summary>Scores predictions (trials × neurons, normalized units) of the given trials against a mouse's responses.</summary>
    public static MouseEvaluation Score(string dataKey, Tier tier, int[] trials, float[] predictions, PreprocessedMouse truth)
    {
        int n = truth.NeuronCount;
        if (predictions.Length != trials.Length * n)
            throw new ArgumentException($"{dataKey}: {predictions.Length} predictions for {trials.Length} trials × {n} neurons");
        var responses = new double[trials.Length * n];
        bool anyNonZero = false;
        for (int t = 0; t < trials.Length; t++)
        {
            var row = truth.ResponsesOf(trials[t]);
            for (int j = 0; j < n; j++)
            {
                responses[t * n + j] = row[j];
                anyNonZero |= row[j] != 0;
            }
        }
        if (!anyNonZero)
            throw new DataFormatException(truth.Source,
                $"the {tier.ToOfficialString()} responses of {dataKey} are all zero: withheld in this copy (pass the host copy with the true responses, e.g. DIR/host)");
        var imageIds = trials.Select(t => truth.Meta.FrameImageId[t]).ToArray();
        var groups = ImageGroups.FromImageIds(imageIds);
        var p = Array.ConvertAll(predictions, x => (double)x);
        var metrics = SensoriumMetrics.Compute(responses, p, n, groups);
        bool repeats = groups.Images < trials.Length;
        return new MouseEvaluation(dataKey, tier.ToOfficialString(), trials.Length, n, groups.Images,
            metrics.SingleTrialCorrelation, metrics.CorrelationToAverage, repeats ? metrics.Feve : null,
            repeats ? metrics.FeveNeurons : 0, metrics.PerNeuron);
    }
}
