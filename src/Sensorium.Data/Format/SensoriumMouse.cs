using System.Globalization;
using System.Text.RegularExpressions;
using Sensorium.Data.Npy;

namespace Sensorium.Data.Format;

/// <summary>The per-trial arrays of data/ (one .npy per trial in each folder).</summary>
public enum TrialData { Images, Responses, Behavior, PupilCenter }

/// <summary>Shape of one trial's image, (C, H, W); the release stores (1, 144, 256).</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public override string ToString() => $"({Channels}, {Height}, {Width})";
}

/// <summary>The stored dtypes (numpy descr) of trial 0's arrays, e.g. "|u1" and "&lt;f4".</summary>
public sealed record TrialDTypes(string Images, string Responses, string Behavior, string PupilCenter);

/// <summary>
/// One mouse of the Sensorium 2022 release, opened from its folder or its zip (read in place, never extracted).
/// Opening reads and checks all metadata, the statistics, the trial file numbering and trial 0's arrays; every
/// other trial is read (and its shape checked) on access. Malformed input raises <see cref="DataFormatException"/>
/// naming the file or zip entry and what was expected. Not thread-safe.
/// </summary>
public sealed partial class SensoriumMouse : IDisposable
{
    /// <summary>Length of a behaviour vector: pupil dilation, its derivative, running speed.</summary>
    public const int BehaviorLength = 3;

    /// <summary>Length of a pupil-centre vector: horizontal, vertical.</summary>
    public const int PupilCenterLength = 2;

    private readonly MouseFiles _files;

    private SensoriumMouse(MouseFiles files, string dataKey)
    {
        _files = files;
        DataKey = dataKey;
        TrialCount = CheckTrialNumbering(files);
        Meta = ReadMeta(files, TrialCount);
        Statistics = ReadStatistics(files, Meta.NeuronCount);
        var image0 = files.ReadNpy(TrialPath(TrialData.Images, 0), "the image of trial 0");
        RequireNumeric(files, TrialData.Images, 0, image0);
        if (image0.Shape.Length != 3 || image0.Shape[0] != 1 || image0.Shape[1] < 1 || image0.Shape[2] < 1)
            throw new DataFormatException(files.Describe(TrialPath(TrialData.Images, 0)), $"image has shape {image0.ShapeText}, expected (1, H, W)");
        ImageShape = new ImageShape(1, image0.Shape[1], image0.Shape[2]);
        DTypes = new TrialDTypes(
            image0.DType.ToDescr(),
            ReadTrial(files, TrialData.Responses, 0).DType.ToDescr(),
            ReadTrial(files, TrialData.Behavior, 0).DType.ToDescr(),
            ReadTrial(files, TrialData.PupilCenter, 0).DType.ToDescr());
    }

    /// <summary>Opens a mouse folder or zip. The data key defaults to the one in its name (see <see cref="DataKeys"/>).</summary>
    public static SensoriumMouse Open(string path, string? dataKey = null)
    {
        var files = MouseFiles.Open(path);
        try
        {
            return new SensoriumMouse(files, dataKey ?? DataKeys.FromName(Path.GetFileName(Path.TrimEndingDirectorySeparator(files.Source))));
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>"&lt;animal&gt;-&lt;session&gt;-&lt;scan&gt;", e.g. 26872-17-20.</summary>
    public string DataKey { get; }

    /// <summary>The folder or zip path.</summary>
    public string Source => _files.Source;

    public MouseSourceKind SourceKind => _files.Kind;
    public int TrialCount { get; }
    public int NeuronCount => Meta.NeuronCount;
    public ImageShape ImageShape { get; }
    public TrialDTypes DTypes { get; }
    public MouseMeta Meta { get; }
    public MouseStatistics Statistics { get; }

    internal MouseFiles Files => _files;

    /// <summary>The raw image of a trial, shape (1, H, W), in its stored dtype.</summary>
    public NpyArray ReadImage(int trial) => ReadTrial(_files, TrialData.Images, trial);

    /// <summary>The raw (unnormalized) responses of a trial, length <see cref="NeuronCount"/>.</summary>
    public float[] ReadResponses(int trial) => ReadTrial(_files, TrialData.Responses, trial).ToFloat32();

    /// <summary>The raw behaviour of a trial: dilation, derivative of dilation, running speed.</summary>
    public float[] ReadBehavior(int trial) => ReadTrial(_files, TrialData.Behavior, trial).ToFloat32();

    /// <summary>The raw pupil centre of a trial: horizontal, vertical.</summary>
    public float[] ReadPupilCenter(int trial) => ReadTrial(_files, TrialData.PupilCenter, trial).ToFloat32();

    /// <summary>
    /// Whether every response of every trial of <paramref name="tier"/> is exactly zero — how the competition mice'
    /// withheld test responses look. Null when the tier has no trials. Reads all of the tier's response files.
    /// </summary>
    public bool? ResponsesAllZero(Tier tier)
    {
        var trials = Meta.TrialsOf(tier);
        if (trials.Length == 0) return null;
        foreach (int i in trials)
        {
            var r = ReadTrial(_files, TrialData.Responses, i);
            for (long k = 0; k < r.Count; k++)
                if (r.GetDouble(k) != 0) return false;
        }
        return true;
    }

    public void Dispose() => _files.Dispose();

    // ---- trial files -----------------------------------------------------------------------------------------

    public static string FolderName(TrialData what) => what switch
    {
        TrialData.Images => "images",
        TrialData.Responses => "responses",
        TrialData.Behavior => "behavior",
        TrialData.PupilCenter => "pupil_center",
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    internal static string TrialPath(TrialData what, int trial) =>
        "data/" + FolderName(what) + "/" + trial.ToString(CultureInfo.InvariantCulture) + ".npy";

    /// <summary>Reads one trial array through <paramref name="files"/> and checks its dtype and shape against this mouse.</summary>
    internal NpyArray ReadTrial(MouseFiles files, TrialData what, int trial)
    {
        if ((uint)trial >= (uint)TrialCount) throw new ArgumentOutOfRangeException(nameof(trial), $"trial {trial} is outside 0..{TrialCount - 1}");
        string path = TrialPath(what, trial);
        var array = files.ReadNpy(path, $"the {FolderName(what)} of trial {trial}");
        RequireNumeric(files, what, trial, array);
        int[] expected = what switch
        {
            TrialData.Images => [ImageShape.Channels, ImageShape.Height, ImageShape.Width],
            TrialData.Responses => [NeuronCount],
            TrialData.Behavior => [BehaviorLength],
            _ => [PupilCenterLength],
        };
        if (!array.Shape.AsSpan().SequenceEqual(expected))
        {
            string why = what switch
            {
                TrialData.Images => $"expected ({string.Join(", ", expected)}) like the other images",
                TrialData.Responses => $"expected ({NeuronCount},): one value per neuron of meta/neurons/unit_ids.npy",
                _ => $"expected ({expected[0]},)",
            };
            throw new DataFormatException(files.Describe(path), $"shape {array.ShapeText}, {why}");
        }
        return array;
    }

    private static void RequireNumeric(MouseFiles files, TrialData what, int trial, NpyArray array)
    {
        if (array.DType.Kind is not (NpyKind.Float or NpyKind.Int or NpyKind.UInt))
            throw new DataFormatException(files.Describe(TrialPath(what, trial)), $"dtype {array.DType.ToDescr()} is not numeric (expected an integer or float dtype such as |u1, <f4, <f8)");
    }

    [GeneratedRegex(@"^(0|[1-9][0-9]{0,8})\.npy$")]
    private static partial Regex TrialFileName();

    /// <summary>Checks that every data/ folder holds exactly 0.npy … (n−1).npy, n = number of images; returns n.</summary>
    private static int CheckTrialNumbering(MouseFiles files)
    {
        int n = -1;
        foreach (var what in Enum.GetValues<TrialData>())
        {
            string dir = "data/" + FolderName(what);
            if (!files.DirectoryExists(dir))
                throw new DataFormatException(files.Describe(dir), "folder not found (expected one .npy file per trial, named 0.npy … n-1.npy)");
            var present = new HashSet<int>();
            foreach (string name in files.ListFiles(dir))
            {
                if (!name.EndsWith(".npy", StringComparison.Ordinal)) continue;
                var m = TrialFileName().Match(name);
                if (!m.Success) throw new DataFormatException(files.Describe(dir + "/" + name), "trial files must be named <i>.npy with i = 0 … n-1");
                present.Add(int.Parse(name.AsSpan(0, name.Length - 4), CultureInfo.InvariantCulture));
            }
            if (n < 0)
            {
                n = present.Count;
                if (n == 0) throw new DataFormatException(files.Describe(dir), "holds no trial files (expected 0.npy … n-1.npy)");
            }
            else if (present.Count != n)
                throw new DataFormatException(files.Describe(dir), $"holds {present.Count} trial files, data/images holds {n} (expected one per trial)");
            int missing = Enumerable.Range(0, n).FirstOrDefault(i => !present.Contains(i), -1);
            if (missing >= 0)
                throw new DataFormatException(files.Describe(dir), $"trial files must be numbered 0 … {n - 1}: {missing}.npy is missing (found up to {present.Max()}.npy)");
        }
        return n;
    }
}
