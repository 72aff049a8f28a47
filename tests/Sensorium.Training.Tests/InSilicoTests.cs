using Sensorium.Data.Synthetic;
using Sensorium.Training.InSilico;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training.Tests;

/// <summary>
/// A population of known Gabor neurons computed with TorchSharp, built exactly as the synthetic ground truth builds
/// its filters (<see cref="GroundTruthV1"/>: carrier along (cos θ, sin θ), phase at the centre): simple cells
/// softplus(3·even), complex cells √(even² + odd²). The experiments must recover what was put in.
/// </summary>
internal sealed class GaborPopulation : IModelPopulation, IDisposable
{
    public sealed record Cell(double X, double Y, double ThetaDeg, double Wavelength, double Sigma, double Phase, bool Complex);

    private readonly Tensor _even, _odd; // (HW, N)
    public Cell[] Cells { get; }
    public int Height => 36;
    public int Width => 64;
    public int Neurons => Cells.Length;
    public Device Device => CPU;
    public float PixelMin => -2.5f;
    public float PixelMax => 2.5f;

    public GaborPopulation(Cell[] cells)
    {
        Cells = cells;
        int plane = Height * Width;
        var even = new float[plane * cells.Length];
        var odd = new float[plane * cells.Length];
        for (int n = 0; n < cells.Length; n++)
        {
            var c = cells[n];
            double t = c.ThetaDeg * Math.PI / 180, ct = Math.Cos(t), st = Math.Sin(t);
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                {
                    double dx = x - c.X, dy = y - c.Y, along = ct * dx + st * dy;
                    double env = Math.Exp(-(dx * dx + dy * dy) / (2 * c.Sigma * c.Sigma));
                    double arg = 2 * Math.PI * along / c.Wavelength + c.Phase;
                    even[(y * Width + x) * cells.Length + n] = (float)(env * Math.Cos(arg) / 4);
                    odd[(y * Width + x) * cells.Length + n] = (float)(env * Math.Sin(arg) / 4);
                }
        }
        _even = tensor(even, [plane, cells.Length]);
        _odd = tensor(odd, [plane, cells.Length]);
    }

    public Tensor Respond(Tensor images)
    {
        using var scope = NewDisposeScope();
        var flat = images.view(images.shape[0], -1);
        var e = flat.matmul(_even);
        var o = flat.matmul(_odd);
        var simple = torch.nn.functional.softplus(e * 3);
        var complex = (e.square() + o.square() + 1e-4).sqrt();
        var mask = tensor(Cells.Select(c => c.Complex).ToArray()).view(1, -1);
        return where(mask, complex, simple).MoveToOuterDisposeScope();
    }

    public MouseGroundTruth Truth() => new("11111-1-1", Height, Width, 0, 0, MouseGroundTruth.ConventionText,
        Cells.Select((c, i) => new NeuronGroundTruth(i, i + 1, c.X, c.Y, c.X, c.Y, c.Sigma, 1, c.Wavelength, 1 / c.Wavelength,
            c.ThetaDeg % 180, c.Phase, c.Complex, false)).ToList());

    public void Dispose()
    {
        _even.Dispose();
        _odd.Dispose();
    }
}

public class InSilicoTests
{
    private static readonly GaborPopulation.Cell[] Cells =
    [
        new(20.3, 12.6, 0, 8, 2.5, 0.3, false),
        new(40.0, 20.0, 30, 10, 3.0, 1.2, false),
        new(31.7, 17.2, 75, 6.3, 2.0, 2.0, false),
        new(48.5, 14.4, 120, 12, 3.5, 4.0, false),
        new(15.2, 22.8, 160, 9, 2.5, 0.0, true),
        new(36.6, 9.9, 45, 7, 2.2, 1.0, true),
        new(25.0, 26.3, 100, 11, 3.0, 3.0, true),
        new(52.4, 24.1, 150, 5.5, 1.8, 5.0, true),
    ];

    [Fact]
    public void ReceptiveFieldTuningAndScorerRecoverKnownGaborNeurons()
    {
        torch.manual_seed(3);
        using var population = new GaborPopulation(Cells);
        int[] all = Enumerable.Range(0, Cells.Length).ToArray();
        var rf = ReceptiveFields.Compute(population, all, new RfOptions(NoiseImages: 512, GradientSamples: 8, BatchSize: 64));
        var tuning = Tuning.Compute(population, all);
        for (int i = 0; i < Cells.Length; i++)
        {
            var c = Cells[i];
            double err = Math.Sqrt(Math.Pow(rf.Centres[i].X - c.X, 2) + Math.Pow(rf.Centres[i].Y - c.Y, 2));
            Assert.True(err < 0.75, $"neuron {i}: energy centre ({rf.Centres[i].X:F2}, {rf.Centres[i].Y:F2}) vs ({c.X}, {c.Y})");
            if (!c.Complex)
            {
                double g = Math.Sqrt(Math.Pow(rf.GradientCentres[i].X - c.X, 2) + Math.Pow(rf.GradientCentres[i].Y - c.Y, 2));
                Assert.True(g < 0.75, $"neuron {i}: grey-gradient centre off by {g:F2} px");
                // the gradient at grey of a simple cell is its filter: positive correlation with the even kernel
                Assert.True(Correlation(rf.Gradient.AsSpan(i * 36 * 64, 36 * 64), Kernel(c, cos: true)) > 0.95);
            }
            var t = tuning.Tuning[i];
            Assert.True(TruthScorer.OrientationError(t.PreferredOrientationDeg, c.ThetaDeg) < 6, $"neuron {i}: preferred {t.PreferredOrientationDeg:F1}° vs {c.ThetaDeg}°");
            Assert.True(Math.Abs(Math.Log2(t.PreferredSpatialFrequency * c.Wavelength)) <= 0.5, $"neuron {i}: SF {t.PreferredSpatialFrequency:F3} vs {1 / c.Wavelength:F3}");
            Assert.Equal(!c.Complex, t.Simple);
            Assert.True(t.Osi > 0.3, $"neuron {i}: OSI {t.Osi:F2}");
        }

        var scores = all.Select(i => new NeuronScore(i, i + 1, 0, 0, 0, 0.5, i < 4 ? 0.6 : 0.1, 0.8)).ToList();
        var score = TruthScorer.Score(population.Truth(), scores,
            all.ToDictionary(i => i, i => rf.Centres[i]), all.ToDictionary(i => i, i => rf.GradientCentres[i]),
            all.ToDictionary(i => i, i => tuning.Tuning[i]), threshold: 0.3);
        var above = score.Groups[0];
        Assert.Equal(4, above.RfCentreErrorPx.Neurons); // only the four above the threshold
        Assert.Equal(1.0, above.RfCentreErrorPx.WithinTolerance1);
        Assert.Equal(1.0, above.OrientationErrorDeg.WithinTolerance1);
        var everyone = score.Groups[1];
        Assert.Equal(8, everyone.SimpleComplex.Neurons);
        Assert.Equal(1.0, everyone.SimpleComplex.Accuracy);
        Assert.Equal(0.5, everyone.SimpleComplex.MajorityBaseline);
    }

    [Fact]
    public void ScorerFiguresAreExactOnHandMadeNeuronsAndLeaveNonFiniteEstimatesOut()
    {
        // Five neurons; true RF centres (10 + j, 20), orientation 30·j°, SF 0.125 c/px; 0, 1 and 4 complex.
        var truth = new MouseGroundTruth("26872-17-20", 36, 64, 0, 0, MouseGroundTruth.ConventionText,
            Enumerable.Range(0, 5).Select(j => new NeuronGroundTruth(j, j, 10 + j, 20, 10 + j, 20, 2, 1, 8, 0.125, 30 * j, 0,
                Complex: j is 0 or 1 or 4, WeaklyDriven: j == 4)).ToList());
        // Test correlations 0.1, 0.35, 0.4, 0.5, 0.6: four at or above 0.3.
        double[] test = [0.1, 0.35, 0.4, 0.5, 0.6];
        var scores = Enumerable.Range(0, 5).Select(j => new NeuronScore(j, j, 0, 0, 0, 0.2, test[j], 0.5)).ToList();
        var centres = new Dictionary<int, RfCentre>
        {
            [0] = new(10, 20), [1] = new(14, 20), [2] = new(12, 23), [3] = new(13.5, 20), [4] = new(double.NaN, 20), // errors 0, 3, 3, 0.5, NaN
        };
        var tuning = new Dictionary<int, NeuronTuning>
        {
            // orientation errors 2° (178° vs 0°, on the 180° circle), 10°, 40°, 0°, 5°; neuron 2's SF an octave off
            [0] = new(0, 178, 0.5, 0.125, 0.2, Simple: false, 1, 2),
            [1] = new(1, 40, 0.5, 0.125, 0.2, Simple: false, 1, 2),
            [2] = new(2, 100, 0.5, 0.25, 1.5, Simple: true, 1, 2),
            [3] = new(3, 90, 0.5, 0.125, 0.3, Simple: false, 1, 2), // truth simple: misclassified
            [4] = new(4, 125, 0.5, 0.125, 0.2, Simple: false, 1, 2),
        };
        var score = TruthScorer.Score(truth, scores, centres, null, tuning, threshold: 0.3);

        Assert.Equal("test single-trial correlation", score.ScoreUsed);
        var above = score.Groups[0]; // neurons 1–4
        Assert.Equal((3, 1), (above.RfCentreErrorPx.Neurons, above.RfCentreErrorPx.NonFinite)); // neuron 4's NaN centre is counted apart
        Assert.Equal(3, above.RfCentreErrorPx.Median, 12);
        Assert.Equal(1 / 3.0, above.RfCentreErrorPx.WithinTolerance1, 12);
        Assert.Equal(1 / 3.0, above.RfCentreErrorPx.WithinTolerance2, 12);
        Assert.Equal(4, above.OrientationErrorDeg.Neurons);
        Assert.Equal((10 + 5) / 2.0, above.OrientationErrorDeg.Median, 12); // errors 10, 40, 0, 5
        Assert.Equal(0.75, above.OrientationErrorDeg.WithinTolerance1, 12);
        Assert.Equal(0.25, above.SpatialFrequencyErrorOctaves.Mean, 12); // one neuron an octave off
        Assert.Equal((4, 2, 2), (above.SimpleComplex.Neurons, above.SimpleComplex.TrueSimple, above.SimpleComplex.TrueComplex));
        Assert.Equal(0.75, above.SimpleComplex.Accuracy, 12);
        Assert.Equal(0.5, above.SimpleComplex.MajorityBaseline, 12);
        Assert.Equal(0.5, above.SimpleComplex.SimpleRecall, 12);

        var everyone = score.Groups[1];
        Assert.Equal(2, TruthScorer.OrientationError(178, 0), 12); // on the 180° circle
        Assert.Equal(3 / 5.0, everyone.SimpleComplex.MajorityBaseline, 12); // 3 complex of 5
        Assert.Equal(4, score.Groups[2].SimpleComplex.Neurons); // strongly driven: neuron 4 is not

        var other = new MouseGroundTruth("x", 36, 64, 0, 0, MouseGroundTruth.ConventionText, truth.Neurons.Take(4).ToList());
        var e = Assert.Throws<ArgumentException>(() => TruthScorer.Score(other, scores, centres, null, tuning, 0.3));
        Assert.Contains("not the same dataset", e.Message);
    }

    [Fact]
    public void MeiBeatsNoiseAndNaturalImagesWithinItsNormAndLooksLikeTheFilter()
    {
        torch.manual_seed(3);
        using var population = new GaborPopulation(Cells);
        int plane = 36 * 64;
        // "natural" images: smoothed noise at unit RMS (4× the MEI's energy budget).
        var gen = new Random(5);
        using var noise = ReceptiveFields.Noise(20, 36, 64, 1.0, gen, CPU);
        var natural = new NaturalImageSet(noise.data<float>().ToArray(), Enumerable.Range(100, 20).Select(i => (long)i).ToArray(), Enumerable.Range(0, 20).ToArray());
        var options = new MeiOptions(Starts: 3, Steps: 150, Rms: 0.25);
        var result = Meis.Compute(population, [0, 4], options, natural);
        double budget = 0.25 * Math.Sqrt(plane);
        for (int i = 0; i < 2; i++)
        {
            var m = result.Meis[i];
            Assert.True(m.Norm <= budget * 1.0001, $"norm {m.Norm} over budget {budget}");
            Assert.Equal(3, m.StartActivations.Length);
            Assert.True(m.Activation > m.BestNaturalActivation, $"MEI {m.Activation} vs best natural {m.BestNaturalActivation}");
            Assert.InRange(m.BestNaturalImageId, 100, 119);
        }
        // The simple cell's MEI is its filter (the best image of norm b for softplus(w·x) is b·w/|w|).
        Assert.True(Correlation(result.Images.AsSpan(0, plane), Kernel(Cells[0], cos: true)) > 0.8);
        // The complex cell's MEI lies in the span of its quadrature pair: most of its energy is explained by them.
        var img = result.Images.AsSpan(plane, plane).ToArray();
        double ce = Correlation(img, Kernel(Cells[4], cos: true)), co = Correlation(img, Kernel(Cells[4], cos: false));
        Assert.True(ce * ce + co * co > 0.6, $"complex-cell MEI: r² with the pair {ce * ce + co * co:F2}");
    }

    [Fact]
    public void NeuronSelectionParsesAllTopAndIndicesAndRejectsNonsense()
    {
        var scores = Enumerable.Range(0, 5).Select(i => new NeuronScore(i, i, 0, 0, 0, 0.1 * i, i == 1 ? 0.9 : 0.1 * i, null)).ToList();
        Assert.Equal([0, 1, 2, 3, 4], NeuronSelection.Parse("all", 5, null));
        Assert.Equal([1, 4], NeuronSelection.Parse("top:2", 5, scores));
        Assert.Equal([0, 3], NeuronSelection.Parse("3, 0,3", 5, null));
        Assert.Contains("0..4", Assert.Throws<ArgumentException>(() => NeuronSelection.Parse("7", 5, null)).Message);
        Assert.Contains("scores", Assert.Throws<ArgumentException>(() => NeuronSelection.Parse("top:3", 5, null)).Message);
        Assert.Throws<ArgumentException>(() => NeuronSelection.Parse("top:x", 5, scores));
    }

    [Fact]
    public void PngHasTheSignatureAndTheEnlargedSize()
    {
        var map = Enumerable.Range(0, 6).Select(i => (float)i - 3).ToArray();
        var png = MapPng.Signed(map, 2, 3, zoom: 4);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(12, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))); // width 3×4
        Assert.Equal(8, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));  // height 2×4
        Assert.Equal(2, png[25]); // RGB
    }

    private static float[] Kernel(GaborPopulation.Cell c, bool cos)
    {
        var k = new float[36 * 64];
        double t = c.ThetaDeg * Math.PI / 180;
        for (int y = 0; y < 36; y++)
            for (int x = 0; x < 64; x++)
            {
                double dx = x - c.X, dy = y - c.Y, along = Math.Cos(t) * dx + Math.Sin(t) * dy;
                double env = Math.Exp(-(dx * dx + dy * dy) / (2 * c.Sigma * c.Sigma)), arg = 2 * Math.PI * along / c.Wavelength + c.Phase;
                k[y * 64 + x] = (float)(env * (cos ? Math.Cos(arg) : Math.Sin(arg)));
            }
        return k;
    }

    private static double Correlation(ReadOnlySpan<float> a, float[] b)
    {
        double ma = 0, mb = 0;
        for (int i = 0; i < b.Length; i++) { ma += a[i]; mb += b[i]; }
        ma /= b.Length; mb /= b.Length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < b.Length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return sab / Math.Sqrt(saa * sbb);
    }
}
