using Sensorium.Data.Synthetic;

namespace Sensorium.Training.InSilico;

/// <summary>
/// Summary of absolute errors: median, mean, 90th percentile and the fractions within two tolerances, over the
/// finite errors; <see cref="NonFinite"/> counts the neurons whose estimate was not a number (left out of the figures,
/// never silently mixed into them).
/// </summary>
public sealed record ErrorSummary(int Neurons, double Median, double Mean, double P90, double Tolerance1, double WithinTolerance1,
    double Tolerance2, double WithinTolerance2, int NonFinite = 0)
{
    public static ErrorSummary Of(IReadOnlyCollection<double> errors, double tol1, double tol2)
    {
        var sorted = errors.Where(double.IsFinite).Order().ToArray();
        int nonFinite = errors.Count - sorted.Length;
        if (sorted.Length == 0) return new ErrorSummary(0, double.NaN, double.NaN, double.NaN, tol1, double.NaN, tol2, double.NaN, nonFinite);
        return new ErrorSummary(sorted.Length, Quantile(sorted, 0.5), sorted.Average(), Quantile(sorted, 0.9),
            tol1, sorted.Count(e => e <= tol1) / (double)sorted.Length, tol2, sorted.Count(e => e <= tol2) / (double)sorted.Length, nonFinite);
    }

    private static double Quantile(double[] sorted, double q)
    {
        double at = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(at), hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <param name="Accuracy">Fraction of neurons whose F1/F0 class (simple if &gt; 1) matches the truth.</param>
/// <param name="MajorityBaseline">Accuracy of always answering the more common true class in this set.</param>
public sealed record ClassificationSummary(int Neurons, int TrueSimple, int TrueComplex, double Accuracy,
    double SimpleRecall, double ComplexRecall, double MajorityBaseline);

/// <summary>In-silico results of one group of neurons against the ground truth.</summary>
/// <param name="RfCentreErrorPx">Gradient-energy centre vs the true centre at the mean train eye position (px).</param>
/// <param name="RfGreyGradientErrorPx">The same for the centre of the squared gradient at grey.</param>
/// <param name="OrientationErrorDeg">Circular (mod 180°) error of the preferred orientation.</param>
/// <param name="SpatialFrequencyErrorOctaves">|log2(preferred SF / true SF)|.</param>
public sealed record TruthGroupScore(string Group, double? Threshold, ErrorSummary RfCentreErrorPx, ErrorSummary RfGreyGradientErrorPx,
    ErrorSummary OrientationErrorDeg, ErrorSummary SpatialFrequencyErrorOctaves, ClassificationSummary SimpleComplex);

public sealed record TruthScore(string DataKey, double Threshold, string ScoreUsed, IReadOnlyList<TruthGroupScore> Groups);

/// <summary>
/// Scores a run's in-silico results against the synthetic dataset's known neurons, for the neurons whose test
/// correlation (single trial; validation where the test responses are unknown) is at least a threshold, and for
/// every neuron and the strongly driven ones alone, for context.
/// </summary>
public static class TruthScorer
{
    public static TruthScore Score(MouseGroundTruth truth, IReadOnlyList<NeuronScore> scores,
        IReadOnlyDictionary<int, RfCentre>? centres, IReadOnlyDictionary<int, RfCentre>? greyCentres,
        IReadOnlyDictionary<int, NeuronTuning>? tuning, double threshold)
    {
        if (truth.Neurons.Count != scores.Count)
            throw new ArgumentException($"the ground truth of {truth.DataKey} has {truth.Neurons.Count} neurons, the run's scores {scores.Count}: not the same dataset");
        bool test = scores.All(s => s.TestSingleTrial is not null);
        var groups = new List<TruthGroupScore>
        {
            Group($"test correlation ≥ {threshold}", threshold, truth, scores.Where(s => NeuronScoreTable.Rank(s) >= threshold).Select(s => s.Index), centres, greyCentres, tuning),
            Group("all neurons", null, truth, scores.Select(s => s.Index), centres, greyCentres, tuning),
            Group("strongly driven (truth)", null, truth, truth.Neurons.Where(n => !n.WeaklyDriven).Select(n => n.Index), centres, greyCentres, tuning),
        };
        return new TruthScore(truth.DataKey, threshold, test ? "test single-trial correlation" : "validation single-trial correlation", groups);
    }

    private static TruthGroupScore Group(string name, double? threshold, MouseGroundTruth truth, IEnumerable<int> members,
        IReadOnlyDictionary<int, RfCentre>? centres, IReadOnlyDictionary<int, RfCentre>? greyCentres, IReadOnlyDictionary<int, NeuronTuning>? tuning)
    {
        var ids = members.ToArray();
        var rf = new List<double>();
        var grey = new List<double>();
        var ori = new List<double>();
        var sf = new List<double>();
        int n = 0, correct = 0, trueSimple = 0, trueComplex = 0, simpleHit = 0, complexHit = 0;
        foreach (int j in ids)
        {
            var t = truth.Neurons[j];
            if (centres is not null && centres.TryGetValue(j, out var c)) rf.Add(Distance(c, t));
            if (greyCentres is not null && greyCentres.TryGetValue(j, out var g)) grey.Add(Distance(g, t));
            if (tuning is not null && tuning.TryGetValue(j, out var tu))
            {
                ori.Add(OrientationError(tu.PreferredOrientationDeg, t.OrientationDeg));
                sf.Add(Math.Abs(Math.Log2(tu.PreferredSpatialFrequency / t.SpatialFrequency)));
                n++;
                bool simple = !t.Complex;
                if (simple) trueSimple++; else trueComplex++;
                if (tu.Simple == simple) { correct++; if (simple) simpleHit++; else complexHit++; }
            }
        }
        var cls = new ClassificationSummary(n, trueSimple, trueComplex, n == 0 ? double.NaN : correct / (double)n,
            trueSimple == 0 ? double.NaN : simpleHit / (double)trueSimple, trueComplex == 0 ? double.NaN : complexHit / (double)trueComplex,
            n == 0 ? double.NaN : Math.Max(trueSimple, trueComplex) / (double)n);
        return new TruthGroupScore(name, threshold, ErrorSummary.Of(rf, 1, 2), ErrorSummary.Of(grey, 1, 2),
            ErrorSummary.Of(ori, 15, 30), ErrorSummary.Of(sf, 0.5, 1), cls);
    }

    private static double Distance(RfCentre c, NeuronGroundTruth t) => Math.Sqrt(Math.Pow(c.X - t.RfXTrain, 2) + Math.Pow(c.Y - t.RfYTrain, 2));

    /// <summary>Distance between two orientations on the 180° circle, in [0, 90].</summary>
    public static double OrientationError(double a, double b)
    {
        double d = Math.Abs(a - b) % 180;
        return Math.Min(d, 180 - d);
    }
}
