using Sensorium.Data.Format;
using Sensorium.Data.Npy;
using Sensorium.Data.Preprocessing;
using Sensorium.Data.Tests.Format;
using NpyFile = Sensorium.Data.Npy.Npy;

namespace Sensorium.Data.Tests.Preprocessing;

public class ScaleInputsTests
{
    private static double[] FixtureNormalized(out double mean, out double std)
    {
        var input = NpyFile.Read(TestPaths.Official("transform_input_uint8.npy"));
        var ms = NpyFile.Read(TestPaths.Official("transform_mean_std.npy")).ToFloat64();
        (mean, std) = (ms[0], ms[1]);
        Assert.Equal([1, 144, 256], input.Shape);
        double m = mean, s = std;
        return input.Data.Select(b => (b - m) / s).ToArray();
    }

    [Fact]
    public void MatchesOfficialTransformInDouble()
    {
        var normalized = FixtureNormalized(out _, out _);
        var expected = NpyFile.Read(TestPaths.Official("transform_output_float64.npy"));
        Assert.Equal([1, 36, 64], expected.Shape);
        var scaler = new ScaleInputs(144, 256, 0.25);
        Assert.Equal((36, 64), (scaler.OutHeight, scaler.OutWidth));
        var actual = scaler.Rescale(normalized);
        var e = expected.ToFloat64();
        for (int k = 0; k < e.Length; k++) Assert.True(Math.Abs(actual[k] - e[k]) <= 1e-12, $"pixel {k}: {actual[k]} vs {e[k]}");
    }

    [Fact]
    public void LoaderMatchesOfficialTransformInFloat32()
    {
        // The fixture image as trial 0 of a full-size mouse whose image statistics are the fixture's mean and std.
        var input = NpyFile.Read(TestPaths.Official("transform_input_uint8.npy"));
        var ms = NpyFile.Read(TestPaths.Official("transform_mean_std.npy")).ToFloat64();
        using var dir = new TempDir();
        var w = new TestMouseWriter { Trials = 2, Height = 144, Width = 256, ImageMean = ms[0], ImageStd = ms[1] };
        w.Overrides["data/images/0.npy"] = NpyFile.ToBytes(input);
        var mouse = MouseLoader.Load(w.WriteZip(dir.Path));
        Assert.Equal((36, 64), (mouse.Height, mouse.Width));
        var expected = NpyFile.Read(TestPaths.Official("transform_output.npy")).ToFloat32();
        var actual = mouse.Image(0);
        for (int k = 0; k < expected.Length; k++) Assert.True(Math.Abs(actual[k] - expected[k]) <= 1e-6, $"pixel {k}: {actual[k]} vs {expected[k]}");
    }

    [Fact]
    public void QuarterScaleIsTheMeanOfTheInner2x2Block()
    {
        var rng = new Random(7);
        var plane = Enumerable.Range(0, 16 * 24).Select(_ => rng.NextDouble() * 10 - 5).ToArray();
        var outp = new ScaleInputs(16, 24, 0.25).Rescale(plane);
        Assert.Equal(4 * 6, outp.Length);
        for (int o = 0; o < 4; o++)
            for (int p = 0; p < 6; p++)
            {
                double mean = (plane[(4 * o + 1) * 24 + 4 * p + 1] + plane[(4 * o + 1) * 24 + 4 * p + 2]
                             + plane[(4 * o + 2) * 24 + 4 * p + 1] + plane[(4 * o + 2) * 24 + 4 * p + 2]) / 4;
                Assert.Equal(mean, outp[o * 6 + p], 1e-14);
            }
    }

    [Fact]
    public void UnitScaleIsIdentity()
    {
        var plane = Enumerable.Range(0, 5 * 7).Select(i => Math.Sin(i)).ToArray();
        var scaler = new ScaleInputs(5, 7, 1.0);
        Assert.Equal((5, 7), (scaler.OutHeight, scaler.OutWidth));
        Assert.Equal(plane, scaler.Rescale(plane));
    }

    [Fact]
    public void UpscalingMirrorsAtTheEdges()
    {
        // A 1×3 plane doubled to 2×6. Columns: (o + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25, 1.75, 2.25, where −0.25
        // mirrors to 0.25 and 2.25 to 1.75; the single row is mirrored onto itself.
        double[] row = [0, 4, 8];
        var outp = new ScaleInputs(1, 3, 2.0).Rescale(row);
        Assert.Equal([1, 1, 3, 5, 7, 7, 1, 1, 3, 5, 7, 7], outp.Select(v => Math.Round(v, 12)));
    }

    [Theory]
    [InlineData(144, 0.25, 36)]
    [InlineData(256, 0.25, 64)]
    [InlineData(10, 0.25, 2)]  // 2.5 rounds half to even, like numpy
    [InlineData(14, 0.25, 4)]  // 3.5 → 4
    [InlineData(3, 0.1, 1)]    // at least 1
    public void OutputSizeRoundsLikeNumpy(int n, double scale, int expected) => Assert.Equal(expected, ScaleInputs.OutputSize(n, scale));

    [Fact]
    public void ConstantPlaneStaysConstant()
    {
        var plane = Enumerable.Repeat(0.7315, 144 * 256).ToArray();
        Assert.All(new ScaleInputs(144, 256, 0.25).Rescale(plane), v => Assert.Equal(0.7315, v));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.3)]
    [InlineData(1.7)]
    public void Uint8PathEqualsNormalizeThenRescaleBitForBit(double scale)
    {
        var rng = new Random(11);
        var bytes = new byte[20 * 36];
        rng.NextBytes(bytes);
        var table = Enumerable.Range(0, 256).Select(v => (v - 81.25) / 52.5).ToArray();
        var scaler = new ScaleInputs(20, 36, scale);
        var expected = scaler.Rescale(bytes.Select(b => table[b]).ToArray());
        var actual = new float[scaler.OutHeight * scaler.OutWidth];
        scaler.Rescale(bytes, table, new double[20 * scaler.OutWidth], actual);
        Assert.Equal(expected.Select(v => (float)v), actual);
    }

    [Fact]
    public void ByteRangeFindsExtremesAnywhere()
    {
        var bytes = Enumerable.Repeat((byte)100, 77).ToArray();
        bytes[70] = 3;   // in the scalar tail
        bytes[5] = 250;  // in the vector part
        Assert.Equal(((byte)3, (byte)250), ScaleInputs.ByteRange(bytes));
        Assert.Equal(((byte)7, (byte)7), ScaleInputs.ByteRange([7]));
    }
}
