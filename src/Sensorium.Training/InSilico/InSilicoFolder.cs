using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Data;
using Sensorium.Data.Npy;

namespace Sensorium.Training.InSilico;

public sealed record ScoresFile(string DataKey, IReadOnlyList<NeuronScore> Neurons);

public sealed record RfNeuron(int Neuron, int Row, double CentreX, double CentreY, double GreyCentreX, double GreyCentreY);
public sealed record RfFile(string DataKey, int Height, int Width, RfOptions Options, IReadOnlyList<RfNeuron> Neurons);

public sealed record MeiNeuron(int Neuron, int Row, double Activation, double[] StartActivations, double BestNaturalActivation,
    long BestNaturalImageId, int BestNaturalTrial, double Norm);
public sealed record MeiFile(string DataKey, int Height, int Width, float PixelMin, float PixelMax, MeiOptions Options, IReadOnlyList<MeiNeuron> Neurons);

public sealed record TuningNeuron(int Neuron, int Row, double PreferredOrientationDeg, double Osi, double PreferredSpatialFrequency,
    double ModulationRatio, bool Simple, double GreyResponse, double PeakResponse);
public sealed record TuningFile(string DataKey, double[] OrientationsDeg, double[] SpatialFrequencies, double[] PhasesRad,
    TuningOptions Options, IReadOnlyList<TuningNeuron> Neurons);

/// <summary>
/// The files of a run's in-silico experiments (default <c>RUN/insilico/</c>): JSON summaries, NPY arrays (rows in the
/// order of the JSON's <c>row</c>), PNG pictures per neuron (named by its index), and the score against the truth.
/// <code>
/// scores.json, scores.csv, test_predictions.npy (T,N), test_responses.npy (T,N), test_image_ids.npy, test_trials.npy
/// rf.json, rf_gradient.npy, rf_sta.npy, rf_energy.npy (K,H,W), rf/&lt;i&gt;_{gradient,sta,energy}.png
/// mei.json, mei.npy, mei_best_natural.npy (K,H,W), mei/&lt;i&gt;.png, mei/&lt;i&gt;_natural.png
/// tuning.json, tuning.npy (K,O,S,P), tuning/&lt;i&gt;.png (orientation × SF, peak over phase)
/// score.json (against the synthetic ground truth)
/// </code>
/// Each experiment rewrites its own files whole (a later run for other neurons replaces them).
/// </summary>
public sealed class InSilicoFolder(string directory)
{
    public const string DefaultName = "insilico";

    public string Directory { get; } = Path.GetFullPath(directory);

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string PathOf(string name) => Path.Combine(Directory, name);

    public void WriteScores(NeuronScoreTable table)
    {
        System.IO.Directory.CreateDirectory(Directory);
        WriteJson("scores.json", new ScoresFile(table.DataKey, table.Neurons));
        File.WriteAllText(PathOf("scores.csv"), table.ToCsv());
        int t = table.TestTrials.Length, n = table.Neurons.Count;
        Npy.Write(PathOf("test_predictions.npy"), NpyArray.FromFloat32(table.TestPredictions, t, n));
        if (table.TestResponses is not null) Npy.Write(PathOf("test_responses.npy"), NpyArray.FromFloat32(table.TestResponses, t, n));
        else if (File.Exists(PathOf("test_responses.npy"))) File.Delete(PathOf("test_responses.npy"));
        Npy.Write(PathOf("test_image_ids.npy"), NpyArray.FromInt64(table.TestImageIds));
        Npy.Write(PathOf("test_trials.npy"), NpyArray.FromInt32(table.TestTrials));
    }

    public void WriteRf(string dataKey, RfResult r)
    {
        int k = r.Neurons.Length, h = r.Height, w = r.Width, plane = h * w;
        string pictures = PathOf("rf");
        System.IO.Directory.CreateDirectory(pictures);
        Npy.Write(PathOf("rf_gradient.npy"), NpyArray.FromFloat32(r.Gradient, k, h, w));
        Npy.Write(PathOf("rf_sta.npy"), NpyArray.FromFloat32(r.Sta, k, h, w));
        Npy.Write(PathOf("rf_energy.npy"), NpyArray.FromFloat32(r.Energy, k, h, w));
        for (int i = 0; i < k; i++)
        {
            string stem = Path.Combine(pictures, Name(r.Neurons[i]));
            File.WriteAllBytes(stem + "_gradient.png", MapPng.Signed(r.Gradient.AsSpan(i * plane, plane), h, w));
            File.WriteAllBytes(stem + "_sta.png", MapPng.Signed(r.Sta.AsSpan(i * plane, plane), h, w));
            File.WriteAllBytes(stem + "_energy.png", MapPng.Magnitude(r.Energy.AsSpan(i * plane, plane), h, w));
        }
        WriteJson("rf.json", new RfFile(dataKey, h, w, r.Options, r.Neurons.Select((j, i) =>
            new RfNeuron(j, i, r.Centres[i].X, r.Centres[i].Y, r.GradientCentres[i].X, r.GradientCentres[i].Y)).ToList()));
    }

    public void WriteMei(string dataKey, MeiResult r, float pixelMin, float pixelMax)
    {
        int k = r.Neurons.Length, h = r.Height, w = r.Width, plane = h * w;
        string pictures = PathOf("mei");
        System.IO.Directory.CreateDirectory(pictures);
        Npy.Write(PathOf("mei.npy"), NpyArray.FromFloat32(r.Images, k, h, w));
        Npy.Write(PathOf("mei_best_natural.npy"), NpyArray.FromFloat32(r.BestNatural, k, h, w));
        for (int i = 0; i < k; i++)
        {
            string stem = Path.Combine(pictures, Name(r.Neurons[i]));
            File.WriteAllBytes(stem + ".png", MapPng.Image(r.Images.AsSpan(i * plane, plane), h, w, pixelMin, pixelMax));
            File.WriteAllBytes(stem + "_natural.png", MapPng.Image(r.BestNatural.AsSpan(i * plane, plane), h, w, pixelMin, pixelMax));
        }
        WriteJson("mei.json", new MeiFile(dataKey, h, w, pixelMin, pixelMax, r.Options, r.Meis.Select((m, i) => new MeiNeuron(m.Neuron, i,
            m.Activation, m.StartActivations, m.BestNaturalActivation, m.BestNaturalImageId, m.BestNaturalTrial, m.Norm)).ToList()));
    }

    public void WriteTuning(string dataKey, TuningResult r)
    {
        int k = r.Neurons.Length, no = r.OrientationsDeg.Length, ns = r.SpatialFrequencies.Length, np = r.PhasesRad.Length;
        string pictures = PathOf("tuning");
        System.IO.Directory.CreateDirectory(pictures);
        Npy.Write(PathOf("tuning.npy"), NpyArray.FromFloat32(r.Responses, k, no, ns, np));
        int count = no * ns * np;
        for (int i = 0; i < k; i++)
        {
            var table = new float[no * ns];
            for (int o = 0; o < no; o++)
                for (int s = 0; s < ns; s++)
                {
                    float m = float.MinValue;
                    for (int p = 0; p < np; p++) m = Math.Max(m, r.Responses[i * count + (o * ns + s) * np + p]);
                    table[o * ns + s] = m;
                }
            File.WriteAllBytes(Path.Combine(pictures, Name(r.Neurons[i]) + ".png"), MapPng.Magnitude(table, no, ns, 12));
        }
        WriteJson("tuning.json", new TuningFile(dataKey, r.OrientationsDeg, r.SpatialFrequencies, r.PhasesRad, r.Options,
            r.Tuning.Select((t, i) => new TuningNeuron(t.Neuron, i, t.PreferredOrientationDeg, t.Osi, t.PreferredSpatialFrequency,
                t.ModulationRatio, t.Simple, t.GreyResponse, t.PeakResponse)).ToList()));
    }

    public void WriteScore(TruthScore score) => WriteJson("score.json", score);

    public ScoresFile? ReadScores() => ReadJson<ScoresFile>("scores.json");
    public RfFile? ReadRf() => ReadJson<RfFile>("rf.json");
    public MeiFile? ReadMei() => ReadJson<MeiFile>("mei.json");
    public TuningFile? ReadTuning() => ReadJson<TuningFile>("tuning.json");
    public TruthScore? ReadScore() => ReadJson<TruthScore>("score.json");

    /// <summary>A float32 array file of this folder, or null when it does not exist.</summary>
    public NpyArray? ReadArray(string name) => File.Exists(PathOf(name)) ? Npy.Read(PathOf(name)) : null;

    public static string Name(int neuron) => neuron.ToString(CultureInfo.InvariantCulture);

    private void WriteJson<T>(string name, T value)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = PathOf(name), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(value, Json));
        File.Move(temp, path, overwrite: true);
    }

    private T? ReadJson<T>(string name) where T : class
    {
        string path = PathOf(name);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new DataFormatException(path, $"not a readable {name}: {e.Message}"); }
    }
}
