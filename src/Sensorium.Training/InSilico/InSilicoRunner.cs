using Sensorium.Data.Preprocessing;
using Sensorium.Data.Synthetic;

namespace Sensorium.Training.InSilico;

/// <summary>What to run: experiments of <see cref="InSilicoRunner.Experiments"/>, on which neurons, with which options.</summary>
/// <param name="Truth">A synthetic dataset directory (or its host/ copy): the true test responses and the ground-truth
/// neurons. Null: the run's dataset when it has a host/ copy beside it, else none (validation scores only, no score).</param>
public sealed record InSilicoRequest(string RunDirectory, string OutDirectory, IReadOnlyList<string> Experiments,
    string Neurons = "all", string MeiNeurons = "top:8", string? DataPath = null, string? Truth = null, string? DataKey = null,
    string Device = "auto", double Threshold = 0.3, RfOptions? Rf = null, MeiOptions? Mei = null, TuningOptions? Tuning = null,
    bool ScoreOnlyWithTruth = false);

/// <summary>One progress report: experiment, stage, done of total.</summary>
public sealed record InSilicoProgress(string Experiment, string Stage, int Done, int Total);

/// <summary>
/// Runs a run's (or an ensemble folder's: <see cref="DigitalTwin"/>) in-silico experiments in order (scores → rf → mei → tuning → score) and writes an
/// <see cref="InSilicoFolder"/>. Each experiment reads what an earlier one (of this or a previous call) wrote:
/// <c>top:N</c> needs scores, <c>score</c> needs scores and rf and/or tuning.
/// </summary>
public static class InSilicoRunner
{
    public static readonly string[] Experiments = ["scores", "rf", "mei", "tuning", "score"];

    public static TruthScore? Run(InSilicoRequest request, Action<string>? log = null, Action<InSilicoProgress>? progress = null,
        CancellationToken cancel = default)
    {
        var unknown = request.Experiments.Where(e => !Experiments.Contains(e)).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"unknown experiment(s) {string.Join(", ", unknown)}; expected {string.Join(", ", Experiments)}");
        var folder = new InSilicoFolder(request.OutDirectory);
        string? truthDir = ResolveTruth(request);
        if (truthDir is not null) log?.Invoke($"truth: {truthDir}");
        bool needsModel = request.Experiments.Any(e => e != "score");
        TruthScore? result = null;
        DigitalTwin? twin = null;
        try
        {
            if (needsModel) twin = DigitalTwin.Load(request.RunDirectory, request.DataPath, request.DataKey, request.Device, log, cancel);
            foreach (string experiment in Experiments.Where(request.Experiments.Contains))
            {
                cancel.ThrowIfCancellationRequested();
                void Report(string stage, int done, int total) => progress?.Invoke(new InSilicoProgress(experiment, stage, done, total));
                var clock = System.Diagnostics.Stopwatch.StartNew();
                switch (experiment)
                {
                    case "scores":
                    {
                        Report("predicting", 0, 1);
                        PreprocessedMouse? truthMouse = null;
                        if (truthDir is not null)
                        {
                            var spec = ModelFolder.Open(request.RunDirectory).Spec.Dataset with { Path = HostOf(truthDir), Mice = [twin!.DataKey] };
                            truthMouse = DatasetLoader.Load(spec, log, cancel)[0];
                        }
                        folder.WriteScores(NeuronScoreTable.Compute(twin!, truthMouse));
                        Report("predicting", 1, 1);
                        break;
                    }
                    case "rf":
                        folder.WriteRf(twin!.DataKey, ReceptiveFields.Compute(twin, Select(request.Neurons, twin, folder), request.Rf, Report, cancel));
                        break;
                    case "mei":
                        folder.WriteMei(twin!.DataKey, Meis.Compute(twin, Select(request.MeiNeurons, twin, folder), request.Mei, NaturalImageSet.TestImages(twin.Mouse), Report, cancel), twin.PixelMin, twin.PixelMax);
                        break;
                    case "tuning":
                        folder.WriteTuning(twin!.DataKey, Tuning.Compute(twin, Select(request.Neurons, twin, folder), request.Tuning, Report, cancel));
                        break;
                    case "score" when request.ScoreOnlyWithTruth && (truthDir is null || !MouseGroundTruth.Exists(truthDir, (twin?.DataKey ?? folder.ReadScores()?.DataKey)!)):
                        log?.Invoke("score skipped: no ground_truth/<key>.json beside the data (only synthetic datasets written by `sensorium synth` have one)");
                        continue;
                    case "score":
                        result = Score(folder, truthDir ?? throw new ArgumentException(
                            "score needs the ground truth: pass --truth with a synthetic dataset written by `sensorium synth` (it has ground_truth/)"), request.Threshold);
                        folder.WriteScore(result);
                        break;
                }
                log?.Invoke($"{experiment} done in {clock.Elapsed.TotalSeconds:F1} s -> {folder.Directory}");
            }
        }
        finally { twin?.Dispose(); }
        return result;
    }

    private static int[] Select(string text, DigitalTwin twin, InSilicoFolder folder) =>
        NeuronSelection.Parse(text, twin.Neurons, folder.ReadScores()?.Neurons);

    public static TruthScore Score(InSilicoFolder folder, string truthDir, double threshold)
    {
        var scores = folder.ReadScores() ?? throw new ArgumentException($"score needs {folder.PathOf("scores.json")}: run the scores experiment first");
        var rf = folder.ReadRf();
        var tuning = folder.ReadTuning();
        if (rf is null && tuning is null) throw new ArgumentException($"score needs rf.json or tuning.json in {folder.Directory}: run rf and/or tuning first");
        var truth = MouseGroundTruth.Read(truthDir, scores.DataKey);
        return TruthScorer.Score(truth, scores.Neurons,
            rf?.Neurons.ToDictionary(n => n.Neuron, n => new RfCentre(n.CentreX, n.CentreY)),
            rf?.Neurons.ToDictionary(n => n.Neuron, n => new RfCentre(n.GreyCentreX, n.GreyCentreY)),
            tuning?.Neurons.ToDictionary(n => n.Neuron, n => new NeuronTuning(n.Neuron, n.PreferredOrientationDeg, n.Osi,
                n.PreferredSpatialFrequency, n.ModulationRatio, n.Simple, n.GreyResponse, n.PeakResponse)),
            threshold);
    }

    /// <summary>The truth directory: the request's, else the run's dataset when a host/ copy sits in it.</summary>
    public static string? ResolveTruth(InSilicoRequest request)
    {
        if (request.Truth is not null) return Path.GetFullPath(request.Truth);
        string data = request.DataPath ?? ModelFolder.Open(request.RunDirectory).Spec.Dataset.Path;
        return Directory.Exists(Path.Combine(data, SyntheticDataset.HostFolder)) ? Path.GetFullPath(data) : null;
    }

    /// <summary>DIR/host when it exists (a synthetic dataset's root), else DIR itself (already a host copy).</summary>
    public static string HostOf(string truthDir)
    {
        string host = Path.Combine(truthDir, SyntheticDataset.HostFolder);
        return Directory.Exists(host) ? host : truthDir;
    }
}
