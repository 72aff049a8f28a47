using System.Text.Json;
using Sensorium.Cli;

namespace Sensorium.Cli.Tests;

public class SynthCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] argv) => Cli.Run(argv);

    [Fact]
    public void WritesTheDatasetAndPrintsAJsonSummary()
    {
        string dir = Directory.CreateTempSubdirectory("sensorium-synth-").FullName;
        try
        {
            var (code, stdout, stderr) = Run("synth", "--preset", "tiny", "--out", dir, "--mice", "21067-10-18", "--seed", "3", "--no-zip");
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            var mouse = json.RootElement.GetProperty("mice")[0];
            Assert.Equal("21067-10-18", mouse.GetProperty("data_key").GetString());
            Assert.Equal(3, json.RootElement.GetProperty("seed").GetInt32());
            Assert.True(mouse.GetProperty("trials_per_tier").GetProperty("train").GetInt32() > 0);
            Assert.True(Directory.Exists(Path.Combine(dir, "static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6", "data", "images")));
            Assert.True(Directory.Exists(Path.Combine(dir, "host", "static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6", "meta", "oracle")));
            Assert.False(File.Exists(Path.Combine(dir, "static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6.zip")));
            Assert.True(File.Exists(Path.Combine(dir, "README.txt")));
            Assert.Contains("21067-10-18 trials", stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("synth", "--preset", "tiny")]
    [InlineData("synth", "--out", "x", "--preset", "huge")]
    [InlineData("synth", "--out", "x", "--mice", "12345-1-1")]
    [InlineData("synth", "--out", "x", "--seed", "-1")]
    [InlineData("synth", "--out", "x", "--bogus", "1")]
    public void BadArgumentsAreUsageErrors(params string[] argv)
    {
        var (code, _, stderr) = Run(argv);
        Assert.Equal(CommandLine.UsageError, code);
        Assert.Contains("usage: sensorium synth", stderr);
    }
}
