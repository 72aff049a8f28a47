namespace Sensorium.Data.Metrics;

/// <summary>Per-neuron values of the official metrics, in the neuron order of the inputs.</summary>
/// <param name="SingleTrialCorrelation">corr over all trials.</param>
/// <param name="CorrelationToAverage">corr over images of the repeat-averaged responses and predictions.</param>
/// <param name="Fev">Fraction of explainable variance, (total − noise) / total.</param>
/// <param name="Feve">Fraction of explainable variance explained, before the FEV threshold.</param>
public sealed record NeuronMetrics(double[] SingleTrialCorrelation, double[] CorrelationToAverage, double[] Fev, double[] Feve)
{
    public int Neurons => SingleTrialCorrelation.Length;

    /// <summary>Indices of the neurons FEVE is averaged over: FEV ≥ threshold (NaN FEV fails).</summary>
    public int[] PassingFev(double threshold = SensoriumMetrics.FevThreshold) =>
        Enumerable.Range(0, Fev.Length).Where(j => Fev[j] >= threshold).ToArray();

    /// <summary>FEVE of the neurons with FEV ≥ threshold, in neuron order (official <c>Metrics.feve(per_neuron=True)</c>).</summary>
    public double[] FeveThresholded(double threshold = SensoriumMetrics.FevThreshold) =>
        PassingFev(threshold).Select(j => Feve[j]).ToArray();
}

/// <summary>The three leaderboard numbers for one mouse and tier, with the per-neuron values behind them.</summary>
/// <param name="SingleTrialCorrelation">Mean over all neurons (SENSORIUM+ ranking).</param>
/// <param name="CorrelationToAverage">Mean over all neurons (SENSORIUM ranking).</param>
/// <param name="Feve">Mean over neurons with FEV ≥ <see cref="SensoriumMetrics.FevThreshold"/>; those below are dropped.</param>
/// <param name="FeveNeurons">How many neurons the FEVE mean covers.</param>
public sealed record MetricsResult(
    double SingleTrialCorrelation,
    double CorrelationToAverage,
    double Feve,
    int FeveNeurons,
    NeuronMetrics PerNeuron);
