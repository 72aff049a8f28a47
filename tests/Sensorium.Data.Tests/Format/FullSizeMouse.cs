using System.IO.Compression;

namespace Sensorium.Data.Tests.Format;

/// <summary>
/// Writes a full-size mouse (7000 trials, 8000 neurons, 144×256 uint8 images; folder and zip) for `sensorium bench
/// load` when SENSORIUM_FULL_MOUSE_OUT names a directory:
/// <c>SENSORIUM_FULL_MOUSE_OUT=/tmp/full dotnet test tests/Sensorium.Data.Tests --filter FullSizeMouse</c>.
/// Without the variable it only checks that the full-size writer is configured as documented.
/// </summary>
public class FullSizeMouse
{
    public static TestMouseWriter Writer() => new()
    {
        Trials = 7000, Neurons = 8000, Height = 144, Width = 256, NaturalImages = true, HashTrialIdx = true,
        Name = "static26872-17-20-GrayImageNet-94c6ff995dac583098847cfecd43e7b6",
    };

    [Fact]
    public void WriteWhenAsked()
    {
        var w = Writer();
        Assert.Equal((7000, 8000, 144, 256), (w.Trials, w.Neurons, w.Height, w.Width));
        string? output = Environment.GetEnvironmentVariable("SENSORIUM_FULL_MOUSE_OUT");
        if (string.IsNullOrEmpty(output)) return;
        w.WriteFolder(output);
        w.WriteZip(output, level: CompressionLevel.Optimal);
    }
}
