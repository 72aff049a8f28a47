using System.IO.Compression;
using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticLayoutTests(TinyDataset data)
{
    public static TheoryData<string, bool> Copies()
    {
        var d = new TheoryData<string, bool>();
        foreach (string k in TinyDataset.Keys) { d.Add(k, false); d.Add(k, true); }
        return d;
    }

    private string Folder(string key, bool host) => host ? data.Host(key) : data.Participant(key);

    [Theory, MemberData(nameof(Copies))]
    public void EveryTrialHasItsFourFilesWithTheReleaseShapesAndDtypes(string key, bool host)
    {
        string f = Folder(key, host);
        int trials = TinyDataset.Tiers(f).Length;
        int neurons = TinyDataset.Read(f, "meta/neurons/unit_ids.npy").Shape[0];
        foreach (var (kind, descr, shape) in new[] { ("images", "|u1", new[] { 1, 144, 256 }), ("responses", "<f4", new[] { neurons }), ("behavior", "<f4", new[] { 3 }), ("pupil_center", "<f4", new[] { 2 }) })
        {
            Assert.Equal(trials, Directory.GetFiles(Path.Combine(f, "data", kind)).Length);
            foreach (int i in new[] { 0, trials / 2, trials - 1 })
            {
                var a = TinyDataset.Read(f, $"data/{kind}/{i}.npy");
                Assert.Equal(descr, a.DType.ToDescr());
                Assert.Equal(shape, a.Shape);
            }
        }
    }

    [Theory, MemberData(nameof(Copies))]
    public void MetaFilesHaveOneEntryPerNeuronAndPerTrial(string key, bool host)
    {
        string f = Folder(key, host);
        int trials = TinyDataset.Tiers(f).Length;
        var units = TinyDataset.Read(f, "meta/neurons/unit_ids.npy");
        int n = units.Shape[0];
        Assert.Equal("<i8", units.DType.ToDescr());
        var ids = units.ToInt64();
        Assert.True(ids.Zip(ids.Skip(1)).All(p => p.Second > p.First), "unit ids ascending and unique");
        Assert.True(ids[^1] - ids[0] + 1 > n, "unit ids have gaps");
        Assert.Equal([n, 3], TinyDataset.Read(f, "meta/neurons/cell_motor_coordinates.npy").Shape);
        foreach (string name in new[] { "area", "layer", "animal_ids", "sessions", "scan_idx" })
            Assert.Equal([n], TinyDataset.Read(f, $"meta/neurons/{name}.npy").Shape);
        Assert.All(TinyDataset.Read(f, "meta/neurons/animal_ids.npy").ToInt64(), a => Assert.Equal(long.Parse(key.Split('-')[0]), a));
        foreach (string name in new[] { "tiers", "frame_image_id", "trial_idx", "frame_image_class", "frame_trial_ts" })
            Assert.Equal([trials], TinyDataset.Read(f, $"meta/trials/{name}.npy").Shape);
        Assert.StartsWith("<U", TinyDataset.Read(f, "meta/trials/tiers.npy").DType.ToDescr());
        Assert.Matches(@"^Timestamp\('\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'\)$", TinyDataset.Read(f, "meta/trials/frame_trial_ts.npy").ToStrings()[0]);
        foreach (var (kind, shape) in new[] { ("images", Array.Empty<int>()), ("responses", new[] { n }), ("behavior", new[] { 3 }), ("pupil_center", new[] { 2 }) })
            foreach (string stat in DatasetStatistics.Names)
                Assert.Equal(shape, TinyDataset.Read(f, $"meta/statistics/{kind}/all/{stat}.npy").Shape);
    }

    [Theory, MemberData(nameof(Copies))]
    public void ZipHoldsOneTopFolderWithExactlyTheFolderFiles(string key, bool host)
    {
        string f = Folder(key, host);
        string root = Path.GetFileName(f);
        using var zip = ZipFile.OpenRead(f + ".zip");
        var files = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName);
        Assert.All(zip.Entries, e => Assert.StartsWith(root + "/", e.FullName));
        var onDisk = Directory.GetFiles(f, "*", SearchOption.AllDirectories);
        Assert.Equal(onDisk.Length, files.Count);
        foreach (string path in onDisk.Where((_, i) => i % 7 == 0))
        {
            string name = root + "/" + Path.GetRelativePath(f, path).Replace('\\', '/');
            using var s = files[name].Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            Assert.Equal(File.ReadAllBytes(path), ms.ToArray());
        }
    }

    [Fact]
    public void ReadmeAndSummaryDescribeTheDataset()
    {
        string readme = File.ReadAllText(Path.Combine(data.Root, SyntheticDataset.ReadmeFile));
        Assert.Contains("seed 7", readme);
        Assert.Contains("expected_responses.npy", readme);
        var summary = SyntheticDataset.ReadSummary(data.Root);
        Assert.NotNull(summary);
        Assert.Equal(TinyDataset.Keys, summary.Mice.Select(m => m.DataKey));
        Assert.Equal("tiny", summary.Preset);
        Assert.Equal(Path.GetFullPath(data.Participant(TinyDataset.Sensorium)), summary.Mice[0].Folder);
        Assert.Equal(Path.GetFullPath(data.Host(TinyDataset.Sensorium)), summary.Mice[0].HostFolder);
        string stored = File.ReadAllText(Path.Combine(data.Root, SyntheticDataset.SummaryFile));
        Assert.DoesNotContain(data.Root, stored); // relative paths: the file does not depend on where the dataset lives
    }
}
