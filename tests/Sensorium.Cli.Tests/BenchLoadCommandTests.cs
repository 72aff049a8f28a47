using System.Text.Json;
using Sensorium.Data.Tests;
using Sensorium.Data.Tests.Format;

namespace Sensorium.Cli.Tests;

public class BenchLoadCommandTests
{
    [Fact]
    public void ReportsTimesSizesAndPeakMemory()
    {
        using var dir = new TempDir();
        var w = new TestMouseWriter { Trials = 12, Height = 16, Width = 24 };
        w.WriteFolder(dir.Path);
        string zip = w.WriteZip(dir.Path);
        var (code, stdout, stderr) = Cli.Run("bench", "load", "--data", dir.Path, "--mouse", "26872-17-20", "--repeat", "2");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(zip, r.GetProperty("source").GetString()); // the zip is preferred for the benchmark
        Assert.Equal(12, r.GetProperty("trials").GetInt32());
        Assert.Equal([4, 6], r.GetProperty("imageShape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, r.GetProperty("seconds").GetArrayLength());
        Assert.Equal(2, r.GetProperty("cpuSeconds").GetArrayLength());
        double arrays = r.GetProperty("arraysMB").GetDouble();
        Assert.Equal(Math.Round(4.0 * 12 * (24 + 6 + 3 + 2) / (1024 * 1024), 1), arrays);
        Assert.True(r.GetProperty("peakMB").GetDouble() > 0);
        Assert.True(r.GetProperty("peakOverArrays").GetDouble() > 0);
    }

    [Fact]
    public void UnknownMouseAndMissingDataAreUsageErrors()
    {
        using var dir = new TempDir();
        new TestMouseWriter().WriteFolder(dir.Path);
        Assert.Equal(CommandLine.UsageError, Cli.Run("bench", "load", "--data", dir.Path, "--mouse", "1-2-3").Code);
        Assert.Equal(CommandLine.UsageError, Cli.Run("bench", "load").Code);
        Assert.Equal(CommandLine.UsageError, Cli.Run("bench", "load", "--data", dir.Path, "--scale", "0").Code);
    }
}
