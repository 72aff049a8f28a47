using System.Text.Json;
using Sensorium.Data.Npy;
using Sensorium.Data.Tests;
using Sensorium.Data.Tests.Format;

namespace Sensorium.Cli.Tests;

public class InspectCommandTests
{
    private const string Hash = "-GrayImageNet-94c6ff995dac583098847cfecd43e7b6";

    private static (int Code, string Out, string Err) Run(params string[] argv) => Cli.Run(argv);

    [Fact]
    public void DescribesEveryMouseOfADatasetRoot()
    {
        using var dir = new TempDir();
        // A competition-style mouse: bytes tiers, hashed trial_idx, zeroed test and final_test responses; folder and zip.
        var competition = new TestMouseWriter { Name = "static26872-17-20" + Hash, TiersAsBytes = true, HashTrialIdx = true };
        foreach (int i in new[] { 7, 8, 9 }) competition.Overrides[$"data/responses/{i}.npy"] = Npy.ToBytes(NpyArray.FromFloat32(new float[6]));
        string folder = competition.WriteFolder(dir.Path);
        string zip = competition.WriteZip(dir.Path);
        // A pre-training-style mouse: integer trial_idx, real test responses, no final_test; zip only.
        new TestMouseWriter { Name = "static21067-10-18" + Hash, Trials = 9, Neurons = 4, Height = 6, Width = 10 }.WriteZip(dir.Path);

        var (code, stdout, stderr) = Run("inspect", dir.Path);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var mice = doc.RootElement.GetProperty("mice");
        Assert.Equal(2, mice.GetArrayLength());

        var pre = mice[0];
        Assert.Equal("21067-10-18", pre.GetProperty("dataKey").GetString());
        Assert.Equal("zip", pre.GetProperty("sourceKind").GetString());
        Assert.Equal(9, pre.GetProperty("trials").GetInt32());
        Assert.Equal(6, pre.GetProperty("trialsPerTier").GetProperty("train").GetInt32());
        Assert.Equal(2, pre.GetProperty("trialsPerTier").GetProperty("test").GetInt32());
        Assert.Equal(0, pre.GetProperty("trialsPerTier").GetProperty("final_test").GetInt32());
        Assert.Equal(4, pre.GetProperty("neurons").GetInt32());
        Assert.Equal([1, 6, 10], pre.GetProperty("imageShape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.False(pre.GetProperty("testResponsesWithheld").GetProperty("test").GetBoolean());
        Assert.False(pre.GetProperty("testResponsesWithheld").TryGetProperty("final_test", out _));
        Assert.Equal("integer", pre.GetProperty("trialIdxKind").GetString());
        Assert.Equal("<U10", pre.GetProperty("dtypes").GetProperty("tiers").GetString());
        Assert.Contains("\"<U10\"", stdout); // written for people: not "\u003CU10"

        var comp = mice[1];
        Assert.Equal("26872-17-20", comp.GetProperty("dataKey").GetString());
        Assert.Equal("folder", comp.GetProperty("sourceKind").GetString());
        Assert.Equal(folder, comp.GetProperty("source").GetString());
        Assert.Equal(zip, comp.GetProperty("alsoAvailable").GetString());
        Assert.Equal(1, comp.GetProperty("trialsPerTier").GetProperty("final_test").GetInt32());
        Assert.True(comp.GetProperty("testResponsesWithheld").GetProperty("test").GetBoolean());
        Assert.True(comp.GetProperty("testResponsesWithheld").GetProperty("final_test").GetBoolean());
        Assert.Equal("hash", comp.GetProperty("trialIdxKind").GetString());
        var dtypes = comp.GetProperty("dtypes");
        Assert.Equal("|u1", dtypes.GetProperty("images").GetString());
        Assert.Equal("<f4", dtypes.GetProperty("responses").GetString());
        Assert.Equal("<f4", dtypes.GetProperty("behavior").GetString());
        Assert.Equal("<f4", dtypes.GetProperty("pupil_center").GetString());
        Assert.Equal("|S10", dtypes.GetProperty("tiers").GetString());
    }

    [Fact]
    public void AcceptsASingleZip()
    {
        using var dir = new TempDir();
        string zip = new TestMouseWriter().WriteZip(dir.Path, topFolder: false);
        var (code, stdout, stderr) = Run("inspect", zip);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var mouse = Assert.Single(doc.RootElement.GetProperty("mice").EnumerateArray());
        Assert.Equal(zip, mouse.GetProperty("source").GetString());
        Assert.Equal(10, mouse.GetProperty("trials").GetInt32());
    }

    [Fact]
    public void MalformedMouseIsAnInputError()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter();
        w.Overrides["meta/neurons/unit_ids.npy"] = null;
        string folder = w.WriteFolder(dir.Path);
        var (code, stdout, stderr) = Run("inspect", folder);
        Assert.Equal(CommandLine.InvalidInput, code);
        Assert.Equal("", stdout);
        Assert.Contains(Path.Combine(folder, "meta/neurons/unit_ids.npy") + ": file not found", stderr);
    }

    [Fact]
    public void UsageErrors()
    {
        Assert.Equal(CommandLine.UsageError, Run("inspect").Code);
        Assert.Equal(CommandLine.UsageError, Run("inspect", "a", "b").Code);
        Assert.Equal(CommandLine.UsageError, Run("inspect", "a", "--bogus").Code);
        using var dir = new TempDir();
        Assert.Equal(CommandLine.InvalidInput, Run("inspect", dir.Path).Code); // no mice
    }
}
