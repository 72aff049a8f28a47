using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticDeterminismTests(TinyDataset data)
{
    private static Dictionary<string, byte[]> Files(string root, string key) =>
        new[] { "", "host" }
            .SelectMany(copy => Directory.GetFiles(Path.Combine(root, copy), $"static{key}*", SearchOption.TopDirectoryOnly)
                .Concat(Directory.GetFiles(Path.Combine(root, copy, TinyDataset.FolderName(key)), "*", SearchOption.AllDirectories)))
            .ToDictionary(p => Path.GetRelativePath(root, p), File.ReadAllBytes);

    /// <summary>
    /// The same seed gives byte-identical files, zips included, whatever the thread count and whichever other mice are
    /// generated alongside.
    /// </summary>
    [Fact]
    public void SameSeedGivesIdenticalBytesAloneAndSingleThreaded()
    {
        using var dir = new TempDir();
        SyntheticDataset.Generate(new SynthOptions
        {
            OutputDirectory = dir.Path, Preset = SynthPreset.Tiny, Seed = TinyDataset.Seed, Mice = [TinyDataset.SensoriumPlus], MaxDegreeOfParallelism = 1, WriteHostZips = true,
        });
        var again = Files(dir.Path, TinyDataset.SensoriumPlus);
        var first = Files(data.Root, TinyDataset.SensoriumPlus);
        Assert.Equal(first.Keys.Order(), again.Keys.Order());
        Assert.Contains(first.Keys, k => k.EndsWith(".zip"));
        foreach (var (name, bytes) in first) Assert.True(bytes.AsSpan().SequenceEqual(again[name]), $"{name} differs");
    }

    [Fact]
    public void AnotherSeedGivesOtherImagesAndResponses()
    {
        using var dir = new TempDir();
        SyntheticDataset.Generate(new SynthOptions
        {
            OutputDirectory = dir.Path, Preset = SynthPreset.Tiny, Seed = TinyDataset.Seed + 1, Mice = [TinyDataset.PreTraining], WriteZips = false,
        });
        string other = Path.Combine(dir.Path, TinyDataset.FolderName(TinyDataset.PreTraining));
        string mine = data.Participant(TinyDataset.PreTraining);
        foreach (string file in new[] { "data/images/0.npy", "data/responses/0.npy", "meta/trials/frame_image_id.npy", "meta/neurons/cell_motor_coordinates.npy" })
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(mine, file)), File.ReadAllBytes(Path.Combine(other, file)));
    }

    [Fact]
    public void UnknownMouseIsRejected()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => SyntheticDataset.Generate(new SynthOptions { OutputDirectory = dir.Path, Preset = SynthPreset.Tiny, Mice = ["12345-1-1"] }));
    }
}
