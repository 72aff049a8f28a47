using Sensorium.Data.Format;

namespace Sensorium.Data.Tests.Format;

public class SensoriumDatasetTests
{
    private const string Hash = "-GrayImageNet-94c6ff995dac583098847cfecd43e7b6";

    [Fact]
    public void ListsEachMouseOnceAndPrefersTheFolder()
    {
        using var dir = new TempDir();
        var a = new TestMouseWriter { Name = "static27204-5-13" + Hash };
        a.WriteFolder(dir.Path);
        a.WriteZip(dir.Path);
        new TestMouseWriter { Name = "static21067-10-18" + Hash, Trials = 4 }.WriteZip(dir.Path);
        new TestMouseWriter { Name = "static23343-5-17" + Hash, Trials = 3 }.WriteFolder(dir.Path);
        File.WriteAllText(dir["README.txt"], "ignored");
        Directory.CreateDirectory(dir["host"]);

        var mice = SensoriumDataset.Discover(dir.Path);
        Assert.Equal(["21067-10-18", "23343-5-17", "27204-5-13"], mice.Select(m => m.DataKey));
        Assert.Equal(MouseSourceKind.Zip, mice[0].SourceKind);
        Assert.Equal(MouseSourceKind.Folder, mice[1].SourceKind);
        Assert.Equal(MouseSourceKind.Folder, mice[2].SourceKind);
        Assert.NotNull(mice[2].ZipPath);

        using var fromFolder = mice[2].Open();
        using var fromZip = mice[2].Open(preferZip: true);
        Assert.Equal(MouseSourceKind.Zip, fromZip.SourceKind);
        Assert.Equal(fromFolder.Meta.UnitIds, fromZip.Meta.UnitIds);
        Assert.Equal(fromFolder.ReadResponses(7), fromZip.ReadResponses(7));
        using var small = mice[0].Open();
        Assert.Equal(4, small.TrialCount);
    }

    [Fact]
    public void IncompleteFolderFallsBackToTheZip()
    {
        using var dir = new TempDir();
        var a = new TestMouseWriter();
        a.WriteZip(dir.Path);
        Directory.CreateDirectory(Path.Combine(dir.Path, a.Name)); // an interrupted extraction
        var m = Assert.Single(SensoriumDataset.Discover(dir.Path));
        Assert.Equal(MouseSourceKind.Zip, m.SourceKind);
    }

    [Fact]
    public void SingleMouseFolderOrZip()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter();
        string folder = w.WriteFolder(dir.Path);
        string zip = w.WriteZip(dir.Path);
        Assert.Equal("26872-17-20", Assert.Single(SensoriumDataset.Discover(folder)).DataKey);
        var z = Assert.Single(SensoriumDataset.Discover(zip));
        Assert.Equal(zip, z.ZipPath);
        Assert.Equal(w.Name, z.Name);
    }

    [Fact]
    public void DuplicateDataKeysAreAnError()
    {
        using var dir = new TempDir();
        new TestMouseWriter { Name = "static1-2-3-GrayImageNet-aa" }.WriteZip(dir.Path);
        new TestMouseWriter { Name = "static1-2-3-GrayImageNet-bb" }.WriteZip(dir.Path);
        var e = Assert.Throws<DataFormatException>(() => SensoriumDataset.Discover(dir.Path));
        Assert.Contains("data key 1-2-3 appears under several names", e.Message);
    }

    [Fact]
    public void DataKeyFromReleaseName()
    {
        Assert.Equal("26872-17-20", DataKeys.TryFromReleaseName("static26872-17-20" + Hash + ".zip"));
        Assert.Null(DataKeys.TryFromReleaseName("26872-17-20"));
        Assert.Equal("mouse", DataKeys.FromName("mouse.zip"));
    }
}
