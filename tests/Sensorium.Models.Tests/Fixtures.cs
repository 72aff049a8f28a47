using Sensorium.Data.Npy;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

/// <summary>The official golden fixtures (tests/fixtures/official, see its MANIFEST.md) as tensors.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "official");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures/official not found above " + AppContext.BaseDirectory);
    });

    public static string PathOf(string name) => Path.Combine(Root.Value, name);

    /// <summary>A float32 fixture as a CPU tensor of its shape.</summary>
    public static Tensor Float32(string name)
    {
        var array = Npy.Read(PathOf(name));
        return tensor(array.ToFloat32(), array.Shape.Select(d => (long)d).ToArray());
    }

    public static double[] Float64(string name) => Npy.Read(PathOf(name)).ToFloat64();

    /// <summary>max |a − b|, asserting equal shapes.</summary>
    public static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        return (actual.cpu().to(float64) - expected.cpu().to(float64)).abs().max().item<double>();
    }

    /// <summary>Asserts |a − b| ≤ atol + rtol·|b| everywhere; returns max |a − b|.</summary>
    public static double AssertClose(Tensor actual, Tensor expected, double atol, double rtol = 0, string what = "")
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var a = actual.cpu().to(float64);
        var b = expected.cpu().to(float64);
        var excess = ((a - b).abs() - (atol + rtol * b.abs())).max().item<double>();
        var maxDiff = (a - b).abs().max().item<double>();
        Assert.True(excess <= 0, $"{what}: max |diff| {maxDiff:E3} exceeds atol {atol:E1} + rtol {rtol:E1}·|expected|");
        return maxDiff;
    }
}
