using System.Text;
using Sensorium.Data.Format;
using Sensorium.Data.Npy;
using NpyFile = Sensorium.Data.Npy.Npy;

namespace Sensorium.Data.Tests.Format;

public class SensoriumMouseTests
{
    [Theory]
    [InlineData("folder")]
    [InlineData("zip")]
    [InlineData("zip-root")]
    public void ReadsTinyMouse(string layout)
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter();
        string path = Write(w, dir.Path, layout);
        using var mouse = SensoriumMouse.Open(path);

        Assert.Equal("26872-17-20", mouse.DataKey);
        Assert.Equal(layout == "folder" ? MouseSourceKind.Folder : MouseSourceKind.Zip, mouse.SourceKind);
        Assert.Equal(10, mouse.TrialCount);
        Assert.Equal(6, mouse.NeuronCount);
        Assert.Equal(new ImageShape(1, 8, 12), mouse.ImageShape);
        Assert.Equal(new TrialDTypes("|u1", "<f4", "<f4", "<f4"), mouse.DTypes);
        Assert.Equal(Enumerable.Range(0, 10).Select(w.TierOf), mouse.Meta.Tiers.Select(t => t.ToOfficialString()));
        Assert.Equal("<U10", mouse.Meta.TiersDType);
        Assert.Equal([0, 1, 2, 3, 4, 5], mouse.Meta.TrialsOf(Tier.Train));
        Assert.Equal([6], mouse.Meta.TrialsOf(Tier.Validation));
        Assert.Equal([7, 8], mouse.Meta.TrialsOf(Tier.Test));
        Assert.Equal([9], mouse.Meta.TrialsOf(Tier.FinalTest));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 5000L + i % 7), mouse.Meta.FrameImageId);
        Assert.Equal(TrialIdxKind.Integer, mouse.Meta.TrialIdxKind);
        Assert.Equal("1007", mouse.Meta.TrialIdx[1]);
        Assert.Equal(Enumerable.Range(0, 6).Select(w.UnitId), mouse.Meta.UnitIds);
        Assert.Equal((50.0, 51.0, 52.0), mouse.Meta.Coordinate(5));
        Assert.Equal([110.5], mouse.Statistics.Images.Mean);
        Assert.Equal([40.25], mouse.Statistics.Images.Std);
        Assert.Equal(Enumerable.Range(0, 6).Select(w.ResponseStd), mouse.Statistics.Responses.Std);
        Assert.Equal([2.0, 0.5, 4.0], mouse.Statistics.Behavior.Std);
        Assert.Equal([10.0, -3.0], mouse.Statistics.PupilCenter.Mean);
        Assert.Equal([100.5], mouse.Statistics.Images.Min);
        Assert.Equal([120.5], mouse.Statistics.Images.Max);
        Assert.Equal([110.5], mouse.Statistics.Images.Median);

        for (int i = 0; i < 10; i++)
        {
            var image = mouse.ReadImage(i);
            Assert.Equal([1, 8, 12], image.Shape);
            Assert.Equal(w.ImageBytes(i), image.Data);
            Assert.Equal(w.Responses(i), mouse.ReadResponses(i));
            Assert.Equal(w.Behavior(i), mouse.ReadBehavior(i));
            Assert.Equal(w.PupilCenter(i), mouse.ReadPupilCenter(i));
        }
    }

    [Fact]
    public void TiersAsBytesAndHashTrialIdx()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter { TiersAsBytes = true, HashTrialIdx = true };
        using var mouse = SensoriumMouse.Open(w.WriteZip(dir.Path));
        Assert.Equal("|S10", mouse.Meta.TiersDType);
        Assert.Equal(Tier.FinalTest, mouse.Meta.Tiers[9]);
        Assert.Equal(TrialIdxKind.Hash, mouse.Meta.TrialIdxKind);
        Assert.Equal(w.TrialIdx(3), mouse.Meta.TrialIdx[3]);
        Assert.Equal(32, mouse.Meta.TrialIdx[3].Length);
    }

    [Fact]
    public void FloatImagesAreRead()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter { ImageDescr = "<f8" };
        using var mouse = SensoriumMouse.Open(w.WriteFolder(dir.Path));
        Assert.Equal("<f8", mouse.DTypes.Images);
        Assert.Equal(w.ImageBytes(4).Select(b => (float)b), mouse.ReadImage(4).ToFloat32());
    }

    [Fact]
    public void RenamedFolderUsesItsNameAsDataKey()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter { Name = "mouse-a" };
        using var mouse = SensoriumMouse.Open(w.WriteFolder(dir.Path));
        Assert.Equal("mouse-a", mouse.DataKey);
        using var again = SensoriumMouse.Open(Path.Combine(dir.Path, "mouse-a"), "21067-10-18");
        Assert.Equal("21067-10-18", again.DataKey);
    }

    // ---- malformed input -------------------------------------------------------------------------------------

    /// <summary>An .npy file with an arbitrary descr and shape text, for dtypes this library does not write.</summary>
    internal static byte[] RawNpy(string descr, string shape, byte[] data)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + dict.Length + 1;
        string header = dict + new string(' ', (total + 63) / 64 * 64 - total) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8) };
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private static byte[] F32(params float[] v) => NpyFile.ToBytes(NpyArray.FromFloat32(v));

    public static TheoryData<string, bool> MalformedCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string c in Malformed.Keys) { data.Add(c, false); data.Add(c, true); }
        return data;
    }

    /// <summary>case → (mutation, file or entry the message must name, text the message must contain, trial to read or -1).</summary>
    private static readonly Dictionary<string, (Action<TestMouseWriter> Mutate, string File, string Expected, int ReadTrial)> Malformed = new()
    {
        ["missing file"] = (w => w.Overrides["meta/trials/tiers.npy"] = null, "meta/trials/tiers.npy", "file not found (expected the tier of every trial)", -1),
        ["missing statistics"] = (w => w.Overrides["meta/statistics/responses/all/std.npy"] = null, "meta/statistics/responses/all/std.npy", "file not found", -1),
        ["missing folder"] = (w => { for (int i = 0; i < 10; i++) w.Overrides[$"data/pupil_center/{i}.npy"] = null; }, "data/pupil_center", "folder not found", -1),
        ["response length"] = (w => w.Overrides["data/responses/3.npy"] = F32(1, 2, 3, 4, 5), "data/responses/3.npy", "shape (5,), expected (6,): one value per neuron of meta/neurons/unit_ids.npy", 3),
        ["image shape"] = (w => w.Overrides["data/images/2.npy"] = NpyFile.ToBytes(new NpyArray(NpyDType.UInt8, [1, 8, 13], new byte[104])), "data/images/2.npy", "shape (1, 8, 13), expected (1, 8, 12) like the other images", 2),
        ["image not (1,H,W)"] = (w => w.Overrides["data/images/0.npy"] = NpyFile.ToBytes(new NpyArray(NpyDType.UInt8, [8, 12], new byte[96])), "data/images/0.npy", "shape (8, 12), expected (1, H, W)", -1),
        ["behavior shape"] = (w => w.Overrides["data/behavior/5.npy"] = NpyFile.ToBytes(NpyArray.FromFloat32([1, 2, 3], 1, 3)), "data/behavior/5.npy", "shape (1, 3), expected (3,)", 5),
        ["truncated npy"] = (w => w.Overrides["data/responses/4.npy"] = F32(1, 2, 3, 4, 5, 6)[..^7], "data/responses/4.npy", "truncated", 4),
        ["unknown dtype"] = (w => w.Overrides["data/responses/6.npy"] = RawNpy("<c8", "(6,)", new byte[48]), "data/responses/6.npy", "dtype '<c8' is not supported", 6),
        ["non-numeric image"] = (w => w.Overrides["data/images/1.npy"] = NpyFile.ToBytes(NpyArray.FromStrings(["a"], 1, 1, 1)), "data/images/1.npy", "is not numeric", 1),
        ["tiers count"] = (w => w.Overrides["meta/trials/tiers.npy"] = NpyFile.ToBytes(NpyArray.FromStrings(["train", "test"])), "meta/trials/tiers.npy", "shape (2,), expected (10,): one tier per trial", -1),
        ["unknown tier"] = (w => w.Overrides["meta/trials/tiers.npy"] = NpyFile.ToBytes(NpyArray.FromStrings(Enumerable.Range(0, 10).Select(i => i == 4 ? "live_test" : "train").ToArray())), "meta/trials/tiers.npy", "trial 4 has unknown tier 'live_test'", -1),
        ["tiers not strings"] = (w => w.Overrides["meta/trials/tiers.npy"] = NpyFile.ToBytes(NpyArray.FromInt64(new long[10])), "meta/trials/tiers.npy", "expected strings", -1),
        ["trial numbering"] = (w =>
        {
            foreach (var f in new[] { "images", "responses", "behavior", "pupil_center" })
            {
                w.Overrides[$"data/{f}/10.npy"] = w.Files().First(x => x.Path == $"data/{f}/9.npy").Content;
                w.Overrides[$"data/{f}/9.npy"] = null;
            }
        }, "data/images", "trial files must be numbered 0 … 9: 9.npy is missing", -1),
        ["trial count differs"] = (w => w.Overrides["data/behavior/9.npy"] = null, "data/behavior", "holds 9 trial files, data/images holds 10", -1),
        ["odd trial file name"] = (w => w.Overrides["data/images/07.npy"] = new byte[1], "data/images/07.npy", "must be named <i>.npy", -1),
        ["coordinates shape"] = (w => w.Overrides["meta/neurons/cell_motor_coordinates.npy"] = NpyFile.ToBytes(NpyArray.FromFloat64(new double[12], 6, 2)), "meta/neurons/cell_motor_coordinates.npy", "shape (6, 2), expected (6, 3)", -1),
        ["statistics shape"] = (w => w.Overrides["meta/statistics/responses/all/std.npy"] = NpyFile.ToBytes(NpyArray.FromFloat64(new double[5])), "meta/statistics/responses/all/std.npy", "shape (5,), expected (6,): one per neuron", -1),
        ["bad trial_idx"] = (w => w.Overrides["meta/trials/trial_idx.npy"] = NpyFile.ToBytes(NpyArray.FromStrings(Enumerable.Range(0, 10).Select(i => i == 2 ? "xyz" : "1").ToArray())), "meta/trials/trial_idx.npy", "trial 2 has trial_idx 'xyz'", -1),
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void MalformedInputNamesFileAndExpectation(string name, bool zip)
    {
        var (mutate, file, expected, trial) = Malformed[name];
        using var dir = new TempDir();
        var w = new TestMouseWriter();
        mutate(w);
        string path = zip ? w.WriteZip(dir.Path) : w.WriteFolder(dir.Path);
        var e = Assert.ThrowsAny<DataFormatException>(() =>
        {
            using var mouse = SensoriumMouse.Open(path);
            if (trial >= 0)
            {
                mouse.ReadImage(trial);
                mouse.ReadResponses(trial);
                mouse.ReadBehavior(trial);
                mouse.ReadPupilCenter(trial);
            }
        });
        string named = zip ? $"{path}!/{w.Name}/{file}" : Path.Combine(path, file);
        Assert.StartsWith(named + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingPathAndNonZip()
    {
        using var dir = new TempDir();
        var e1 = Assert.Throws<DataFormatException>(() => SensoriumMouse.Open(dir["nope"]));
        Assert.Contains("not found", e1.Message);
        File.WriteAllText(dir["x.zip"], "not a zip");
        var e2 = Assert.Throws<DataFormatException>(() => SensoriumMouse.Open(dir["x.zip"]));
        Assert.StartsWith(dir["x.zip"] + ": not a readable zip", e2.Message);
    }

    [Fact]
    public void ZipWithoutLayoutIsRejected()
    {
        using var dir = new TempDir();
        string zip = dir["static1-2-3-GrayImageNet-ab.zip"];
        using (var a = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
            a.CreateEntry("something/else.txt");
        var e = Assert.Throws<DataFormatException>(() => SensoriumMouse.Open(zip));
        Assert.Contains("expected data/ and meta/ inside a top folder 'static1-2-3-GrayImageNet-ab/'", e.Message);
    }

    internal static string Write(TestMouseWriter w, string parent, string layout) => layout switch
    {
        "folder" => w.WriteFolder(parent),
        "zip" => w.WriteZip(parent),
        "zip-root" => w.WriteZip(parent, topFolder: false),
        _ => throw new ArgumentException(layout),
    };
}

public class WithheldResponsesTests
{
    [Fact]
    public void ZeroedTestTiersAreDetected()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter();
        foreach (int i in new[] { 7, 8, 9 }) w.Overrides[$"data/responses/{i}.npy"] = Sensorium.Data.Npy.Npy.ToBytes(Sensorium.Data.Npy.NpyArray.FromFloat32(new float[6]));
        using var mouse = SensoriumMouse.Open(w.WriteFolder(dir.Path));
        Assert.True(mouse.ResponsesAllZero(Tier.Test));
        Assert.True(mouse.ResponsesAllZero(Tier.FinalTest));
        Assert.False(mouse.ResponsesAllZero(Tier.Train));
        using var small = SensoriumMouse.Open(new TestMouseWriter { Name = "other", Trials = 6 }.WriteFolder(dir.Path));
        Assert.Null(small.ResponsesAllZero(Tier.Test));
    }
}

public class LayoutVariantTests
{
    [Fact]
    public void ZipWhoseTopFolderHasAnotherNameIsAccepted()
    {
        using var dir = new TempDir();
        string zip = new TestMouseWriter { Name = "renamed" }.WriteZip(dir.Path);
        string other = dir["static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6.zip"];
        File.Move(zip, other);
        using var mouse = SensoriumMouse.Open(other);
        Assert.Equal("21067-10-18", mouse.DataKey);
        Assert.Equal(10, mouse.TrialCount);
    }

    [Fact]
    public void ScalarStatisticsMayBeOneElementVectorsAndTrialIdxBytes()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter { HashTrialIdx = true };
        w.Overrides["meta/statistics/images/all/std.npy"] = Sensorium.Data.Npy.Npy.ToBytes(Sensorium.Data.Npy.NpyArray.FromFloat32([12.5f]));
        w.Overrides["meta/trials/trial_idx.npy"] = Sensorium.Data.Npy.Npy.ToBytes(Sensorium.Data.Npy.NpyArray.FromByteStrings(Enumerable.Range(0, 10).Select(w.TrialIdx).ToArray()));
        using var mouse = SensoriumMouse.Open(w.WriteFolder(dir.Path));
        Assert.Equal([12.5], mouse.Statistics.Images.Std);
        Assert.Equal(TrialIdxKind.Hash, mouse.Meta.TrialIdxKind);
        Assert.Equal(w.TrialIdx(9), mouse.Meta.TrialIdx[9]);
    }

    [Fact]
    public void IntegerTrialIdxStoredAsStringsIsInteger()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter();
        w.Overrides["meta/trials/trial_idx.npy"] = Sensorium.Data.Npy.Npy.ToBytes(Sensorium.Data.Npy.NpyArray.FromStrings(Enumerable.Range(0, 10).Select(i => (i * 3).ToString()).ToArray()));
        using var mouse = SensoriumMouse.Open(w.WriteFolder(dir.Path));
        Assert.Equal(TrialIdxKind.Integer, mouse.Meta.TrialIdxKind);
        Assert.Equal("27", mouse.Meta.TrialIdx[9]);
    }

    [Fact]
    public void MissingDatasetRoot()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataFormatException>(() => SensoriumDataset.Discover(dir["absent"]));
        Assert.StartsWith(dir["absent"] + ": not found", e.Message);
    }
}
