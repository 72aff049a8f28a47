using System.Globalization;
using System.Text;
using Sensorium.Data;
using Sensorium.Data.Format;
using Sensorium.Data.Metrics;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Training.InSilico;

/// <summary>One neuron's place and scores. Test scores are null without the true (host) responses.</summary>
public sealed record NeuronScore(int Index, long UnitId, double CorticalX, double CorticalY, double CorticalZ,
    double Validation, double? TestSingleTrial, double? TestToAverage);

/// <summary>
/// Every neuron's validation correlation (single trial) and, given the true responses, its test single-trial
/// correlation and correlation to the average over repeats; plus the test predictions and recordings themselves
/// (for a per-neuron predicted-vs-recorded plot).
/// </summary>
public sealed record NeuronScoreTable(string DataKey, IReadOnlyList<NeuronScore> Neurons,
    int[] TestTrials, long[] TestImageIds, float[] TestPredictions, float[]? TestResponses)
{
    public static NeuronScoreTable Compute(DigitalTwin twin, PreprocessedMouse? truth)
    {
        var mouse = twin.Mouse;
        var (valTrials, valPred) = twin.PredictTier(Tier.Validation);
        var validation = RunEvaluation.Score(mouse.DataKey, Tier.Validation, valTrials, valPred, mouse).PerNeuron;
        var (testTrials, testPred) = twin.PredictTier(Tier.Test);
        NeuronMetrics? test = null;
        float[]? recorded = null;
        if (truth is not null && testTrials.Length > 0)
        {
            if (truth.NeuronCount != mouse.NeuronCount || truth.TrialCount != mouse.TrialCount)
                throw new DataFormatException(truth.Source, $"the truth copy has {truth.NeuronCount} neurons × {truth.TrialCount} trials, the data {mouse.NeuronCount} × {mouse.TrialCount}");
            test = RunEvaluation.Score(mouse.DataKey, Tier.Test, testTrials, testPred, truth).PerNeuron;
            recorded = new float[testPred.Length];
            for (int t = 0; t < testTrials.Length; t++) truth.ResponsesOf(testTrials[t]).CopyTo(recorded.AsSpan(t * mouse.NeuronCount));
        }
        var c = mouse.Meta.CellMotorCoordinates;
        var neurons = Enumerable.Range(0, mouse.NeuronCount).Select(j => new NeuronScore(j, mouse.Meta.UnitIds[j],
            c[3 * j], c[3 * j + 1], c[3 * j + 2], Finite(validation.SingleTrialCorrelation[j]),
            test is null ? null : Finite(test.SingleTrialCorrelation[j]),
            test is null ? null : Finite(test.CorrelationToAverage[j]))).ToList();
        return new NeuronScoreTable(mouse.DataKey, neurons, testTrials,
            testTrials.Select(t => mouse.Meta.FrameImageId[t]).ToArray(), testPred, recorded);
    }

    /// <summary>A neuron whose prediction or response is constant has an undefined correlation: scored 0 (as the
    /// official metric's epsilon does), never NaN.</summary>
    private static double Finite(double x) => double.IsFinite(x) ? x : 0;

    /// <summary>The ranking score: test single-trial correlation where known, else validation.</summary>
    public static double Rank(NeuronScore n) => n.TestSingleTrial ?? n.Validation;

    public string ToCsv()
    {
        var w = new StringBuilder("index,unit_id,cortical_x,cortical_y,cortical_z,validation_correlation,test_single_trial_correlation,test_correlation_to_average\n");
        foreach (var n in Neurons)
            w.Append(CultureInfo.InvariantCulture, $"{n.Index},{n.UnitId},{n.CorticalX:R},{n.CorticalY:R},{n.CorticalZ:R},{n.Validation:R},{Opt(n.TestSingleTrial)},{Opt(n.TestToAverage)}\n");
        return w.ToString();
    }

    private static string Opt(double? x) => x is null ? "" : x.Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Which neurons an experiment runs on: <c>all</c>, <c>top:N</c> (best by score) or indices <c>3,17,42</c>.</summary>
public static class NeuronSelection
{
    public static int[] Parse(string text, int neuronCount, IReadOnlyList<NeuronScore>? scores)
    {
        text = text.Trim();
        if (text == "all") return Enumerable.Range(0, neuronCount).ToArray();
        if (text.StartsWith("top:", StringComparison.Ordinal))
        {
            if (!int.TryParse(text[4..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) || k < 1)
                throw new ArgumentException($"neurons: 'top:N' needs a positive N (got '{text}')");
            if (scores is null) throw new ArgumentException("neurons: 'top:N' needs per-neuron scores (run `insilico scores` first or give indices)");
            return scores.OrderByDescending(NeuronScoreTable.Rank).ThenBy(s => s.Index).Take(k).Select(s => s.Index).Order().ToArray();
        }
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) || i < 0 || i >= neuronCount)
                throw new ArgumentException($"neurons: '{part}' is not a neuron index in 0..{neuronCount - 1} (use all, top:N or a list of indices)");
            result.Add(i);
        }
        if (result.Count == 0) throw new ArgumentException("neurons: none given (use all, top:N or a list of indices)");
        return result.Distinct().Order().ToArray();
    }
}
