using System.IO.Compression;
using Sensorium.Data.Npy;
using NpyFile = Sensorium.Data.Npy.Npy;

namespace Sensorium.Data.Tests.Format;

/// <summary>
/// Writes a mouse in the official on-disk layout (data/{images,responses,behavior,pupil_center}/&lt;i&gt;.npy,
/// meta/trials, meta/neurons, meta/statistics/*/all), as a folder or a zip, for tests and benchmarks. Values are
/// deterministic functions of (seed, trial), so expectations can be recomputed without keeping them. Files can be
/// replaced or removed through <see cref="Overrides"/> to build malformed variants.
/// </summary>
public sealed class TestMouseWriter
{
    public const string DefaultName = "static26872-17-20-GrayImageNet-94c6ff995dac583098847cfecd43e7b6";

    public string Name { get; init; } = DefaultName;
    public int Trials { get; init; } = 10;
    public int Neurons { get; init; } = 6;
    public int Height { get; init; } = 8;
    public int Width { get; init; } = 12;
    public int Seed { get; init; } = 1;
    public bool TiersAsBytes { get; init; }
    public bool HashTrialIdx { get; init; }

    /// <summary>"|u1" (as the release), "&lt;f4" or "&lt;f8".</summary>
    public string ImageDescr { get; init; } = "|u1";

    /// <summary>When true (full-size benchmark data), images are smooth patterns plus noise, so deflate has work to do.</summary>
    public bool NaturalImages { get; init; }

    /// <summary>Relative path → replacement content; null removes the file.</summary>
    public Dictionary<string, byte[]?> Overrides { get; } = new(StringComparer.Ordinal);

    public double ImageMean { get; init; } = 110.5;
    public double ImageStd { get; init; } = 40.25;
    public double[] BehaviorMean { get; init; } = [5, 0, 1];
    public double[] BehaviorStd { get; init; } = [2, 0.5, 4];
    public double[] PupilMean { get; init; } = [10, -3];
    public double[] PupilStd { get; init; } = [2, 4];

    /// <summary>Per-neuron std: 0.5 + 0.1·j, except neuron 1 (0.001), which falls under the 1%-of-mean floor.</summary>
    public double ResponseStd(int j) => j == 1 ? 0.001 : 0.5 + 0.1 * j;

    /// <summary>Tier of trial i: i mod 10 → 0–5 train, 6 validation, 7–8 test, 9 final_test.</summary>
    public string TierOf(int i) => (i % 10) switch { < 6 => "train", 6 => "validation", < 9 => "test", _ => "final_test" };

    public long UnitId(int j) => j < 12 ? j + 1 : j + 2; // non-contiguous like the release: 1..12, 14, …

    public string TrialIdx(int i) => HashTrialIdx ? $"{(uint)(i * 2654435761u):x8}{Seed:x8}{i:x8}cfa0860e" : (1000 + 7 * i).ToString();

    // ---- per-trial values ------------------------------------------------------------------------------------

    public byte[] ImageBytes(int trial)
    {
        var rng = new Random(Seed * 1_000_003 + trial * 4);
        var pixels = new byte[Height * Width];
        if (NaturalImages)
        {
            double fx = 0.02 + 0.1 * rng.NextDouble(), fy = 0.02 + 0.1 * rng.NextDouble(), phase = 6 * rng.NextDouble();
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                    pixels[y * Width + x] = (byte)Math.Clamp(128 + 90 * Math.Sin(fx * x + phase) * Math.Cos(fy * y) + rng.Next(-6, 7), 0, 255);
        }
        else rng.NextBytes(pixels);
        return pixels;
    }

    public float[] Responses(int trial)
    {
        var rng = new Random(Seed * 1_000_003 + trial * 4 + 1);
        var r = new float[Neurons];
        for (int j = 0; j < r.Length; j++) r[j] = rng.Next(4) == 0 ? 0f : (float)(rng.NextDouble() * 3);
        return r;
    }

    public float[] Behavior(int trial)
    {
        var rng = new Random(Seed * 1_000_003 + trial * 4 + 2);
        return [(float)(rng.NextDouble() * 10), (float)(rng.NextDouble() - 0.5), (float)(rng.NextDouble() * 8)];
    }

    public float[] PupilCenter(int trial)
    {
        var rng = new Random(Seed * 1_000_003 + trial * 4 + 3);
        return [(float)(10 + rng.NextDouble() * 4), (float)(-3 + rng.NextDouble() * 8)];
    }

    private NpyArray ImageArray(int trial)
    {
        var bytes = ImageBytes(trial);
        return ImageDescr switch
        {
            "|u1" => new NpyArray(NpyDType.UInt8, [1, Height, Width], bytes),
            "<f4" => NpyArray.FromFloat32(bytes.Select(b => (float)b).ToArray(), 1, Height, Width),
            "<f8" => NpyArray.FromFloat64(bytes.Select(b => (double)b).ToArray(), 1, Height, Width),
            _ => throw new ArgumentException(ImageDescr),
        };
    }

    // ---- files -----------------------------------------------------------------------------------------------

    /// <summary>Every file of the mouse (relative path, content), with <see cref="Overrides"/> applied; produced lazily.</summary>
    public IEnumerable<(string Path, byte[] Content)> Files()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, make) in Standard())
        {
            seen.Add(path);
            if (Overrides.TryGetValue(path, out var replaced))
            {
                if (replaced is not null) yield return (path, replaced);
            }
            else yield return (path, make());
        }
        foreach (var (path, content) in Overrides)
            if (!seen.Contains(path) && content is not null) yield return (path, content);
    }

    private IEnumerable<(string, Func<byte[]>)> Standard()
    {
        for (int i = 0; i < Trials; i++)
        {
            int t = i;
            yield return ($"data/images/{t}.npy", () => NpyFile.ToBytes(ImageArray(t)));
            yield return ($"data/responses/{t}.npy", () => NpyFile.ToBytes(NpyArray.FromFloat32(Responses(t))));
            yield return ($"data/behavior/{t}.npy", () => NpyFile.ToBytes(NpyArray.FromFloat32(Behavior(t))));
            yield return ($"data/pupil_center/{t}.npy", () => NpyFile.ToBytes(NpyArray.FromFloat32(PupilCenter(t))));
        }
        string[] tiers = Enumerable.Range(0, Trials).Select(TierOf).ToArray();
        yield return ("meta/trials/tiers.npy", () => NpyFile.ToBytes(TiersAsBytes ? NpyArray.FromByteStrings(tiers) : NpyArray.FromStrings(tiers)));
        yield return ("meta/trials/frame_image_id.npy", () => NpyFile.ToBytes(NpyArray.FromInt64(Enumerable.Range(0, Trials).Select(i => (long)(5000 + i % 7)).ToArray())));
        yield return ("meta/trials/trial_idx.npy", () => NpyFile.ToBytes(HashTrialIdx
            ? NpyArray.FromStrings(Enumerable.Range(0, Trials).Select(TrialIdx).ToArray())
            : NpyArray.FromInt64(Enumerable.Range(0, Trials).Select(i => long.Parse(TrialIdx(i))).ToArray())));
        yield return ("meta/neurons/unit_ids.npy", () => NpyFile.ToBytes(NpyArray.FromInt64(Enumerable.Range(0, Neurons).Select(UnitId).ToArray())));
        yield return ("meta/neurons/cell_motor_coordinates.npy", () => NpyFile.ToBytes(NpyArray.FromFloat64(
            Enumerable.Range(0, Neurons * 3).Select(k => (double)(k / 3 * 10 + k % 3)).ToArray(), Neurons, 3)));
        foreach (var (group, mean, std) in new (string, double[], double[])[]
        {
            ("images", [ImageMean], [ImageStd]),
            ("responses", Enumerable.Range(0, Neurons).Select(j => 0.3 + 0.01 * j).ToArray(), Enumerable.Range(0, Neurons).Select(ResponseStd).ToArray()),
            ("behavior", BehaviorMean, BehaviorStd),
            ("pupil_center", PupilMean, PupilStd),
        })
        {
            bool scalar = group == "images";
            NpyArray Make(double[] v) => scalar ? new NpyArray(NpyDType.Float64, [], BitConverter.GetBytes(v[0])) : NpyArray.FromFloat64(v);
            yield return ($"meta/statistics/{group}/all/mean.npy", () => NpyFile.ToBytes(Make(mean)));
            yield return ($"meta/statistics/{group}/all/std.npy", () => NpyFile.ToBytes(Make(std)));
            yield return ($"meta/statistics/{group}/all/min.npy", () => NpyFile.ToBytes(Make(mean.Select(m => m - 10).ToArray())));
            yield return ($"meta/statistics/{group}/all/max.npy", () => NpyFile.ToBytes(Make(mean.Select(m => m + 10).ToArray())));
            yield return ($"meta/statistics/{group}/all/median.npy", () => NpyFile.ToBytes(Make(mean)));
        }
    }

    /// <summary>Writes &lt;parent&gt;/&lt;Name&gt;/data,meta; returns the mouse folder.</summary>
    public string WriteFolder(string parent)
    {
        string root = Path.Combine(parent, Name);
        foreach (var (path, content) in Files())
        {
            string full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }
        Directory.CreateDirectory(Path.Combine(root, "data"));
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        return root;
    }

    /// <summary>Writes &lt;parent&gt;/&lt;Name&gt;.zip holding &lt;Name&gt;/data,meta (or data,meta at the root); returns the zip path.</summary>
    public string WriteZip(string parent, bool topFolder = true, CompressionLevel level = CompressionLevel.Optimal)
    {
        Directory.CreateDirectory(parent);
        string zipPath = Path.Combine(parent, Name + ".zip");
        using var stream = new FileStream(zipPath, FileMode.Create, FileAccess.Write);
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create);
        string prefix = topFolder ? Name + "/" : "";
        if (topFolder) zip.CreateEntry(prefix);
        foreach (var (path, content) in Files())
        {
            var entry = zip.CreateEntry(prefix + path, level);
            using var s = entry.Open();
            s.Write(content);
        }
        return zipPath;
    }
}
