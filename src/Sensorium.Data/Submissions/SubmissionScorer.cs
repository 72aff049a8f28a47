using Sensorium.Data.Metrics;

namespace Sensorium.Data.Submissions;

/// <summary>A scored submission: the validation report, and the metrics when the file was valid.</summary>
/// <param name="NeuronIds">The neuron order of <see cref="MetricsResult.PerNeuron"/> (the ground truth's).</param>
public sealed record SubmissionScore(ValidationReport Report, MetricsResult? Metrics, long[] NeuronIds);

/// <summary>
/// Scores a submission file against the ground truth as the official <c>evaluate</c> does: predictions are matched to
/// ground-truth rows by trial id and to columns by neuron id (the evaluator sorts both sides; matching by id gives the
/// same pairs), trials are grouped into images by the GROUND-TRUTH image ids (submitted ones are ignored), and
/// <see cref="SensoriumMetrics"/> gives single-trial correlation, correlation to average and FEVE.
/// The file is validated in the same streaming pass; an invalid file gets no scores.
/// </summary>
public static class SubmissionScorer
{
    public static SubmissionScore Score(string path, GroundTruth truth, ValidationOptions? options = null)
    {
        using var stream = SubmissionValidator.OpenRead(path);
        return Score(stream, Path.GetFileName(path), truth, options);
    }

    public static SubmissionScore Score(Stream stream, string fileName, GroundTruth truth, ValidationOptions? options = null)
    {
        truth.CheckConsistent();
        var target = truth.Target;
        // (trials, neurons) in ground-truth order
        var (report, predictions) = SubmissionValidator.ValidateAndRead(stream, fileName, target, options);
        if (predictions is null) return new SubmissionScore(report, null, target.NeuronIds);
        var metrics = SensoriumMetrics.Compute(truth.Responses, predictions, target.ImageIds);
        return new SubmissionScore(report, metrics, target.NeuronIds);
    }
}
