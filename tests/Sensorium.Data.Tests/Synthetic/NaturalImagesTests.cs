using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

public class NaturalImagesTests
{
    private static double NeighbourCorrelation(float[] img, int width, int height, int step)
    {
        var a = new List<double>();
        var b = new List<double>();
        for (int y = 0; y < height; y++)
            for (int x = 0; x + step < width; x++) { a.Add(img[y * width + x]); b.Add(img[y * width + x + step]); }
        return OracleScoring.Correlation(a.ToArray(), b.ToArray());
    }

    /// <summary>
    /// Structure at every scale: on average over images, correlation falls off with distance (≈1/f spectrum), neither
    /// white noise nor flat; the 36×64 view keeps detail. Single images vary (one big object makes an image smooth).
    /// </summary>
    [Fact]
    public void ImagesHaveSpatialStructureAtTheModelsScale()
    {
        double c1 = 0, c16 = 0, view1 = 0;
        const int images = 8;
        for (ulong seed = 1; seed <= images; seed++)
        {
            var pixels = NaturalImages.Generate(seed);
            Assert.Equal(144 * 256, pixels.Length);
            var full = pixels.Select(p => (float)p).ToArray();
            c1 += NeighbourCorrelation(full, 256, 144, 1) / images;
            c16 += NeighbourCorrelation(full, 256, 144, 16) / images;
            var view = new float[36 * 64];
            NaturalImages.Downsample(pixels, view);
            view1 += NeighbourCorrelation(view, 64, 36, 1) / images;
            double mean = view.Average(), sd = Math.Sqrt(view.Average(v => (v - mean) * (v - mean)));
            Assert.True(sd > 0.15, $"the 36×64 view has contrast: {sd:F2}");
            Assert.True(pixels.Count(p => p is 0 or 255) < pixels.Length / 10, "few clipped pixels");
        }
        Assert.True(c1 > 0.9, $"adjacent pixels correlate: {c1:F2}");
        Assert.True(c16 < c1 - 0.2, $"structure decorrelates with distance: {c1:F2} vs {c16:F2}");
        Assert.True(view1 < 0.95, $"the 36×64 view has detail: {view1:F2}");
    }

    [Fact]
    public void SameSeedSameImage() => Assert.Equal(NaturalImages.Generate(9), NaturalImages.Generate(9));
}
