using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticGroundTruthTests(TinyDataset data)
{
    [Fact]
    public void EveryMouseHasItsNeuronsGenerativeParametersBesideTheHostCopy()
    {
        foreach (string key in TinyDataset.Keys)
        {
            var truth = MouseGroundTruth.Read(data.Root, key);
            var unitIds = TinyDataset.Read(data.Host(key), "meta/neurons/unit_ids.npy").ToInt64();
            Assert.Equal(unitIds, truth.Neurons.Select(n => n.UnitId));
            Assert.Equal(Enumerable.Range(0, unitIds.Length), truth.Neurons.Select(n => n.Index));
            Assert.Equal((36, 64), (truth.ViewHeight, truth.ViewWidth));
            Assert.All(truth.Neurons, n =>
            {
                Assert.InRange(n.RfX, 0, 63);
                Assert.InRange(n.RfY, 0, 35);
                Assert.InRange(n.Wavelength, 5, 18);
                Assert.Equal(1 / n.Wavelength, n.SpatialFrequency, 12);
                Assert.InRange(n.OrientationDeg, 0, 180);
                Assert.InRange(n.EnvelopeSigma, 1.2, 4);
                Assert.Equal(n.RfX + truth.MeanEyeShiftX, n.RfXTrain, 9);
            });
            Assert.Contains(truth.Neurons, n => n.Complex);
            Assert.Contains(truth.Neurons, n => !n.Complex);
            // from the host folder too
            Assert.Equal(truth.Neurons.Count, MouseGroundTruth.Read(Path.Combine(data.Root, "host"), key).Neurons.Count);
        }
    }

    [Fact]
    public void TheWrittenFiltersExplainTheResponsesAndARotatedOneDoesNot()
    {
        string host = data.Host(TinyDataset.SensoriumPlus);
        var truth = MouseGroundTruth.Read(data.Root, TinyDataset.SensoriumPlus);
        var tiers = TinyDataset.Tiers(host);
        var trials = Enumerable.Range(0, tiers.Length).Where(i => tiers[i] == "train").ToArray();
        var views = trials.Select(i => View(TinyDataset.Read(host, $"data/images/{i}.npy").Data)).ToArray();
        var responses = trials.Select(i => TinyDataset.Read(host, $"data/responses/{i}.npy").ToFloat32()).ToArray();
        var right = new List<double>();
        var rotated = new List<double>();
        foreach (var n in truth.Neurons.Where(n => !n.WeaklyDriven))
        {
            var r = responses.Select(row => (double)row[n.Index]).ToArray();
            right.Add(Correlation(views.Select(v => Energy(v, n, 0)).ToArray(), r));
            rotated.Add(Correlation(views.Select(v => Energy(v, n, 90)).ToArray(), r));
        }
        double medianRight = right.Order().ElementAt(right.Count / 2), medianRotated = rotated.Order().ElementAt(rotated.Count / 2);
        Assert.True(medianRight > 0.25, $"median correlation with the true filter's energy {medianRight:F2}");
        Assert.True(medianRight > medianRotated + 0.1, $"true {medianRight:F2} vs rotated by 90° {medianRotated:F2}");
    }

    [Fact]
    public void MissingGroundTruthNamesWhereItLooked()
    {
        using var empty = new TempDir();
        var e = Assert.Throws<DataFormatException>(() => MouseGroundTruth.Read(empty.Path, "26872-17-20"));
        Assert.Contains("ground_truth", e.Message);
        Assert.Contains("26872-17-20.json", e.Message);
    }

    private static double[] View(byte[] pixels)
    {
        var v = new double[36 * 64];
        for (int y = 0; y < 144; y++)
            for (int x = 0; x < 256; x++) v[y / 4 * 64 + x / 4] += pixels[y * 256 + x] / 16.0;
        double mean = v.Average();
        for (int i = 0; i < v.Length; i++) v[i] -= mean;
        return v;
    }

    /// <summary>Quadrature energy of the neuron's Gabor (orientation turned by <paramref name="turnDeg"/>) at its centre.</summary>
    private static double Energy(double[] view, NeuronGroundTruth n, double turnDeg)
    {
        double t = (n.OrientationDeg + turnDeg) * Math.PI / 180, c = Math.Cos(t), s = Math.Sin(t), e = 0, o = 0;
        for (int y = 0; y < 36; y++)
            for (int x = 0; x < 64; x++)
            {
                double dx = x - n.RfXTrain, dy = y - n.RfYTrain, along = c * dx + s * dy, across = -s * dx + c * dy;
                double env = Math.Exp(-(along * along + n.EnvelopeAspect * n.EnvelopeAspect * across * across) / (2 * n.EnvelopeSigma * n.EnvelopeSigma));
                if (env < 1e-4) continue;
                double arg = 2 * Math.PI * along / n.Wavelength + n.Phase;
                e += env * Math.Cos(arg) * view[y * 64 + x];
                o += env * Math.Sin(arg) * view[y * 64 + x];
            }
        return Math.Sqrt(e * e + o * o);
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return sab / Math.Sqrt(saa * sbb + 1e-30);
    }
}
