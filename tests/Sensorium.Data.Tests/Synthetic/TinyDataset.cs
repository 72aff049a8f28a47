using Sensorium.Data.Npy;
using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

/// <summary>
/// One tiny synthetic dataset (both competition mice and one pre-training mouse, with zips), generated once for a test
/// class. Helpers read its files.
/// </summary>
public sealed class TinyDataset : IDisposable
{
    public const ulong Seed = 7;
    public const string Sensorium = SynthPresets.SensoriumMouse, SensoriumPlus = SynthPresets.SensoriumPlusMouse, PreTraining = "21067-10-18";
    public static readonly string[] Keys = [Sensorium, SensoriumPlus, PreTraining];

    private readonly TempDir _dir = new();
    public SynthResult Result { get; }
    public string Root => _dir.Path;

    public TinyDataset()
    {
        Result = SyntheticDataset.Generate(new SynthOptions { OutputDirectory = _dir.Path, Preset = SynthPreset.Tiny, Seed = Seed, Mice = Keys, WriteHostZips = true });
    }

    public static string FolderName(string key) => $"static{key}-GrayImageNet-94c6ff995dac583098847cfecd43e7b6";

    public string Participant(string key) => Path.Combine(Root, FolderName(key));
    public string Host(string key) => Path.Combine(Root, "host", FolderName(key));

    public static NpyArray Read(string folder, string relative) => global::Sensorium.Data.Npy.Npy.Read(Path.Combine(folder, relative));

    public static string[] Tiers(string folder) => Read(folder, "meta/trials/tiers.npy").ToStrings();
    public static long[] ImageIds(string folder) => Read(folder, "meta/trials/frame_image_id.npy").ToInt64();

    /// <summary>data/&lt;kind&gt;/&lt;i&gt;.npy of every trial, as float32 rows.</summary>
    public static float[][] Rows(string folder, string kind) =>
        Enumerable.Range(0, Tiers(folder).Length).Select(i => Read(folder, $"data/{kind}/{i}.npy").ToFloat32()).ToArray();

    public void Dispose() => _dir.Dispose();
}

/// <summary>The test classes that read the tiny dataset share one instance of it.</summary>
[CollectionDefinition(Name)]
public sealed class TinyDatasetCollection : ICollectionFixture<TinyDataset>
{
    public const string Name = "tiny synthetic dataset";
}
