using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// The generative parameters of one synthetic neuron (<see cref="GroundTruthV1"/>), in the coordinates of the model
/// input: the 36×64 view, which is what the loader's ×0.25 downscale of the 144×256 image gives (both put view pixel
/// u at image pixels 4u..4u+3). x grows to the right, y downwards; pixel centres are integers.
/// </summary>
/// <param name="Index">Position in the mouse's neuron order (responses column).</param>
/// <param name="UnitId">meta/neurons/unit_ids.</param>
/// <param name="RfX">RF centre x with the eye at its resting centre.</param>
/// <param name="RfY">RF centre y with the eye at its resting centre.</param>
/// <param name="RfXTrain">RF centre x at the mean eye position of the train trials (where an image-only model sees it).</param>
/// <param name="RfYTrain">RF centre y at the mean eye position of the train trials.</param>
/// <param name="OrientationDeg">Direction of the carrier's wave vector (cos θ, sin θ), degrees in [0, 180): a grating
/// cos(2π·f·(x cos θ + y sin θ) + φ) with this θ drives the neuron best.</param>
/// <param name="SpatialFrequency">Cycles per view pixel (1 / wavelength).</param>
/// <param name="Phase">Carrier phase at the RF centre (radians); matters for simple cells only.</param>
public sealed record NeuronGroundTruth(
    int Index,
    long UnitId,
    double RfX,
    double RfY,
    double RfXTrain,
    double RfYTrain,
    double EnvelopeSigma,
    double EnvelopeAspect,
    double Wavelength,
    double SpatialFrequency,
    double OrientationDeg,
    double Phase,
    bool Complex,
    bool WeaklyDriven);

/// <summary>One mouse's ground-truth neurons, as written to <c>DIR/ground_truth/&lt;data key&gt;.json</c>.</summary>
public sealed record MouseGroundTruth(
    string DataKey,
    int ViewHeight,
    int ViewWidth,
    double MeanEyeShiftX,
    double MeanEyeShiftY,
    string Convention,
    IReadOnlyList<NeuronGroundTruth> Neurons)
{
    public const string Folder = "ground_truth";

    public const string ConventionText =
        "Coordinates in pixels of the 36x64 model input (x right, y down, pixel centres at integers). " +
        "orientation_deg: direction of the grating's wave vector (cos t, sin t), mod 180. spatial_frequency: cycles/pixel. " +
        "rf_x_train/rf_y_train: RF centre at the mean eye position of the train trials = rf + mean_eye_shift.";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string PathFor(string datasetDirectory, string dataKey) =>
        System.IO.Path.Combine(datasetDirectory, Folder, dataKey + ".json");

    public void Write(string datasetDirectory)
    {
        string path = PathFor(datasetDirectory, DataKey);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>Whether <see cref="Read"/> would find a file for <paramref name="dataKey"/>.</summary>
    public static bool Exists(string path, string dataKey) => Candidates(path, dataKey).Any(File.Exists);

    private static List<string> Candidates(string path, string dataKey)
    {
        var candidates = new List<string>();
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full)) candidates.Add(full);
        candidates.Add(System.IO.Path.Combine(full, dataKey + ".json"));
        candidates.Add(PathFor(full, dataKey));
        var parent = Directory.GetParent(full);
        if (parent is not null) candidates.Add(PathFor(parent.FullName, dataKey));
        return candidates;
    }

    /// <summary>
    /// Finds the ground truth of <paramref name="dataKey"/> from a synthetic dataset directory, its host/ copy or the
    /// ground_truth folder itself; a clear error names the places looked at.
    /// </summary>
    public static MouseGroundTruth Read(string path, string dataKey)
    {
        string full = System.IO.Path.GetFullPath(path);
        var candidates = Candidates(path, dataKey);
        string? found = candidates.FirstOrDefault(File.Exists);
        if (found is null)
            throw new DataFormatException(full, $"no ground truth for {dataKey}: looked for {string.Join(", ", candidates.Distinct())} " +
                "(synthetic datasets written by `sensorium synth` carry DIR/ground_truth/<key>.json)");
        MouseGroundTruth? truth;
        try { truth = JsonSerializer.Deserialize<MouseGroundTruth>(File.ReadAllText(found), Json); }
        catch (JsonException e) { throw new DataFormatException(found, $"not a ground-truth file: {e.Message}"); }
        if (truth is null || truth.Neurons is null || truth.Neurons.Count == 0)
            throw new DataFormatException(found, "ground-truth file without neurons");
        if (truth.DataKey != dataKey) throw new DataFormatException(found, $"holds {truth.DataKey}, not {dataKey}");
        return truth;
    }
}
