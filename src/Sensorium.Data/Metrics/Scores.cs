namespace Sensorium.Data.Metrics;

/// <summary>
/// Training-time scores (sensorium utility/scores.py <c>get_correlations</c>): per-neuron single-trial correlation
/// of each mouse, NaN set to 0, neurons of several mice concatenated (in the order given) before averaging.
/// Unlike <see cref="SensoriumMetrics"/> (the evaluator), NaN never survives here.
/// </summary>
public static class Scores
{
    /// <summary>Per-neuron correlations per data key, NaN → 0.</summary>
    public static Dictionary<string, double[]> GetCorrelationsByMouse(IEnumerable<KeyValuePair<string, (double[,] Targets, double[,] Outputs)>> mice)
    {
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (key, (targets, outputs)) in mice)
        {
            result.Add(key, WithoutNaN(Correlation.PerNeuron(targets, outputs)));
        }
        return result;
    }

    /// <summary>The neurons of all mice concatenated (per_neuron=True).</summary>
    public static double[] GetCorrelationsPerNeuron(IEnumerable<KeyValuePair<string, (double[,] Targets, double[,] Outputs)>> mice) =>
        mice.SelectMany(mouse => WithoutNaN(Correlation.PerNeuron(mouse.Value.Targets, mouse.Value.Outputs))).ToArray();

    /// <summary>The mean over the concatenated neurons of all mice (per_neuron=False).</summary>
    public static double GetCorrelations(IEnumerable<KeyValuePair<string, (double[,] Targets, double[,] Outputs)>> mice) =>
        Statistics.Mean(GetCorrelationsPerNeuron(mice));

    private static double[] WithoutNaN(double[] c)
    {
        for (int j = 0; j < c.Length; j++) if (double.IsNaN(c[j])) c[j] = 0;
        return c;
    }
}
