using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;

namespace Sensorium.Data.Tests.Preprocessing;

public class NeuroNormalizerTests
{
    private static FeatureStatistics Stats(double[] mean, double[] std) => new(mean, std, mean, mean, mean);

    private static NeuroNormalizer Make(double[] responseStd) => new(new MouseStatistics(
        Stats([100], [40]),
        Stats(new double[responseStd.Length], responseStd),
        Stats([5, 0, 1], [2, 0.5, 4]),
        Stats([10, -3], [2, 4])));

    [Fact]
    public void ResponsePrecisionHasTheOnePercentFloor()
    {
        // mean(std) = (1 + 0.001 + 2 + 4 + 0.0175025) / 5 = 1.4037005 → threshold 0.014037005.
        double[] std = [1, 0.001, 2, 4, 0.0175025];
        var p = NeuroNormalizer.ComputeResponsePrecision(std);
        double threshold = 0.01 * (1 + 0.001 + 2 + 4 + 0.0175025) / 5;
        Assert.Equal(1.0, p[0], 15);
        Assert.Equal(1 / threshold, p[1], 9);
        Assert.Equal(71.240268, p[1], 5);
        Assert.Equal(0.5, p[2], 15);
        Assert.Equal(0.25, p[3], 15);
        Assert.Equal(1 / 0.0175025, p[4], 9); // above the threshold: its own std
    }

    [Fact]
    public void StdEqualToTheThresholdIsFloored()
    {
        // mean = 1, threshold = 0.01; std ≤ threshold uses the floor (the reference keeps 1/std only for std > threshold).
        double[] std = [0.01, 1.99];
        var p = NeuroNormalizer.ComputeResponsePrecision(std);
        Assert.Equal(1 / (0.01 * 1.0), p[0], 9);
        Assert.Equal(1 / 1.99, p[1], 15);
    }

    [Fact]
    public void NanStdIsIgnoredInTheMeanAndFloored()
    {
        var p = NeuroNormalizer.ComputeResponsePrecision([2, double.NaN, 4]);
        Assert.Equal(0.5, p[0]);
        Assert.Equal(1 / 0.03, p[1], 9);
        Assert.Equal(0.25, p[2]);
    }

    [Fact]
    public void ResponsesAreMultipliedWithoutMeanSubtraction()
    {
        var n = Make([1, 0.001, 2, 4]); // mean 1.75025 → floor precision 1/0.0175025
        var outp = new float[4];
        n.NormalizeResponses([2f, 0.5f, 3f, 0f], outp);
        Assert.Equal(2f, outp[0]);
        Assert.Equal((float)(0.5 / 0.0175025), outp[1]);
        Assert.Equal(1.5f, outp[2]);
        Assert.Equal(0f, outp[3]);
        var back = new float[4];
        n.DenormalizeResponses(outp, back);
        Assert.Equal([2f, 0.5f, 3f, 0f], back, (x, y) => Math.Abs(x - y) <= 1e-6f);
    }

    [Fact]
    public void ImageBehaviorAndPupil()
    {
        var n = Make([1, 1]);
        Assert.Equal(0.5, n.NormalizeImage(120));
        Assert.Equal(-2.5, n.NormalizeImage(0));
        var beh = new float[3];
        n.NormalizeBehavior([3f, -0.25f, 2f], beh); // ÷ std [2, 0.5, 4], no mean subtraction
        Assert.Equal([1.5f, -0.5f, 0.5f], beh);
        var pupil = new float[2];
        n.NormalizePupilCenter([12f, 1f], pupil); // (x − [10, −3]) / [2, 4]
        Assert.Equal([1f, 1f], pupil);
    }
}
