using Sensorium.Data.Synthetic;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Charts;

namespace Sensorium.Web.Features.Neurons;

/// <summary>What one neuron's panel shows: its scores, pictures (data URLs), tuning curves and test responses.</summary>
public sealed record NeuronView(NeuronScore Score, RfNeuron? Rf, MeiNeuron? Mei, TuningNeuron? Tuning, NeuronGroundTruth? Truth,
    IReadOnlyDictionary<string, string> Pictures, IReadOnlyList<ChartSeries> Orientation, IReadOnlyList<ChartSeries> SpatialFrequency,
    IReadOnlyList<ChartSeries> Phase, IReadOnlyList<ChartSeries> TestResponses);

/// <summary>
/// A run's in-silico folder (<see cref="InSilicoFolder"/>) read for the Neurons page. The summaries are read once; a
/// neuron's pictures and curves when it is picked.
/// </summary>
public sealed class NeuronResults
{
    private readonly InSilicoFolder _folder;
    private float[]? _tuning, _predictions, _responses;
    private long[]? _imageIds;

    private NeuronResults(InSilicoFolder folder, ScoresFile scores, MouseGroundTruth? truth)
    {
        _folder = folder;
        Scores = scores;
        Rf = folder.ReadRf();
        Mei = folder.ReadMei();
        Tuning = folder.ReadTuning();
        Score = folder.ReadScore();
        Truth = truth;
    }

    public ScoresFile Scores { get; }
    public RfFile? Rf { get; }
    public MeiFile? Mei { get; }
    public TuningFile? Tuning { get; }
    public TruthScore? Score { get; }
    public MouseGroundTruth? Truth { get; }
    public bool HasTest => Scores.Neurons.Count > 0 && Scores.Neurons[0].TestSingleTrial is not null;
    public string ScoreName => HasTest ? "test single-trial correlation" : "validation correlation";

    /// <summary>Null when the folder holds no scores.json yet.</summary>
    public static NeuronResults? Load(string directory, string? datasetPath)
    {
        var folder = new InSilicoFolder(directory);
        var scores = folder.ReadScores();
        if (scores is null) return null;
        MouseGroundTruth? truth = datasetPath is not null && MouseGroundTruth.Exists(datasetPath, scores.DataKey)
            ? MouseGroundTruth.Read(datasetPath, scores.DataKey) : null;
        if (truth is not null && truth.Neurons.Count != scores.Neurons.Count) truth = null; // another dataset
        return new NeuronResults(folder, scores, truth);
    }

    public static double ScoreOf(NeuronScore n) => NeuronScoreTable.Rank(n);

    public string CsvDataUrl() => "data:text/csv;base64," + Convert.ToBase64String(File.ReadAllBytes(_folder.PathOf("scores.csv")));

    public NeuronView View(int neuron)
    {
        var score = Scores.Neurons[neuron];
        var pictures = new Dictionary<string, string>();
        void Picture(string key, string relative)
        {
            string path = _folder.PathOf(relative);
            if (File.Exists(path)) pictures[key] = "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(path));
        }
        string name = InSilicoFolder.Name(neuron);
        Picture("gradient", $"rf/{name}_gradient.png");
        Picture("sta", $"rf/{name}_sta.png");
        Picture("energy", $"rf/{name}_energy.png");
        Picture("mei", $"mei/{name}.png");
        Picture("natural", $"mei/{name}_natural.png");
        Picture("tuning", $"tuning/{name}.png");
        var rf = Rf?.Neurons.FirstOrDefault(n => n.Neuron == neuron);
        var mei = Mei?.Neurons.FirstOrDefault(n => n.Neuron == neuron);
        var tuning = Tuning?.Neurons.FirstOrDefault(n => n.Neuron == neuron);
        var (ori, sf, phase) = tuning is null ? ([], [], []) : Curves(tuning);
        return new NeuronView(score, rf, mei, tuning, Truth?.Neurons[neuron], pictures, ori, sf, phase, TestSeries(neuron));
    }

    private (IReadOnlyList<ChartSeries>, IReadOnlyList<ChartSeries>, IReadOnlyList<ChartSeries>) Curves(TuningNeuron t)
    {
        var tf = Tuning!;
        _tuning ??= _folder.ReadArray("tuning.npy")?.ToFloat32();
        if (_tuning is null) return ([], [], []);
        int no = tf.OrientationsDeg.Length, ns = tf.SpatialFrequencies.Length, np = tf.PhasesRad.Length, count = no * ns * np;
        int row = t.Row;
        float R(int o, int s, int p) => _tuning[row * count + (o * ns + s) * np + p];
        int bs = Array.IndexOf(tf.SpatialFrequencies, t.PreferredSpatialFrequency);
        if (bs < 0) bs = 0;
        int bo = 0;
        double best = double.MinValue;
        for (int o = 0; o < no; o++) for (int p = 0; p < np; p++) if (R(o, bs, p) > best) { best = R(o, bs, p); bo = o; }
        var orientation = new ChartSeries("peak over phase", "#3f51b5",
            Enumerable.Range(0, no).Select(o => new ChartPoint(tf.OrientationsDeg[o], Enumerable.Range(0, np).Max(p => R(o, bs, p)))).ToList()) { ShowPoints = true };
        var meanPhase = new ChartSeries("mean over phase", "#9e9e9e",
            Enumerable.Range(0, no).Select(o => new ChartPoint(tf.OrientationsDeg[o], Enumerable.Range(0, np).Average(p => R(o, bs, p)))).ToList()) { Dashed = true };
        var grey = new ChartSeries("grey", "#c62828", [new ChartPoint(0, t.GreyResponse), new ChartPoint(180, t.GreyResponse)]) { Dashed = true, StrokeWidth = 1 };
        var sf = new ChartSeries("peak over phase", "#3f51b5",
            Enumerable.Range(0, ns).Select(s => new ChartPoint(tf.SpatialFrequencies[s], Enumerable.Range(0, np).Max(p => R(bo, s, p)))).ToList()) { ShowPoints = true };
        var phase = new ChartSeries($"{tf.OrientationsDeg[bo]:F0}°, {tf.SpatialFrequencies[bs]:F3} c/px", "#3f51b5",
            Enumerable.Range(0, np).Select(p => new ChartPoint(tf.PhasesRad[p] * 180 / Math.PI, R(bo, bs, p))).ToList()) { ShowPoints = true };
        return ([orientation, meanPhase, grey], [sf], [phase]);
    }

    /// <summary>Test images ordered by the mean recorded response: every repeat (dots), their mean and the prediction.</summary>
    private IReadOnlyList<ChartSeries> TestSeries(int neuron)
    {
        _predictions ??= _folder.ReadArray("test_predictions.npy")?.ToFloat32();
        _responses ??= _folder.ReadArray("test_responses.npy")?.ToFloat32();
        _imageIds ??= _folder.ReadArray("test_image_ids.npy")?.ToInt64();
        if (_predictions is null || _imageIds is null || _imageIds.Length == 0) return [];
        int n = Scores.Neurons.Count;
        var images = Enumerable.Range(0, _imageIds.Length).GroupBy(t => _imageIds[t]).Select(g => new
        {
            Trials = g.ToArray(),
            Recorded = _responses is null ? double.NaN : g.Average(t => _responses[(long)t * n + neuron]),
            Predicted = g.Average(t => _predictions[(long)t * n + neuron]),
        }).OrderBy(x => double.IsNaN(x.Recorded) ? x.Predicted : x.Recorded).ToList();
        var series = new List<ChartSeries>();
        if (_responses is not null)
        {
            series.Add(new ChartSeries("recorded (each repeat)", "#90a4ae", images.SelectMany((x, i) => x.Trials.Select(t => new ChartPoint(i, _responses[(long)t * n + neuron]))).ToList())
                { ShowPoints = true, StrokeWidth = 0, Opacity = 0.8 });
            series.Add(new ChartSeries("recorded mean", "#37474f", images.Select((x, i) => new ChartPoint(i, x.Recorded)).ToList()));
        }
        series.Add(new ChartSeries("predicted", "#e65100", images.Select((x, i) => new ChartPoint(i, x.Predicted)).ToList()) { StrokeWidth = 2 });
        return series;
    }
}
