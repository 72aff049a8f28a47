using static TorchSharp.torch;

namespace Sensorium.Training.InSilico;

/// <param name="Orientations">Equally spaced in [0°, 180°).</param>
/// <param name="Wavelengths">Grating wavelengths (model-input px); spatial frequency = 1 / wavelength.</param>
/// <param name="Phases">Equally spaced in [0, 2π).</param>
/// <param name="Amplitude">Grating amplitude in normalized (z-scored) units: 1 = one standard deviation of the natural images.</param>
public sealed record TuningOptions(int Orientations = 16, double[]? Wavelengths = null, int Phases = 8, double Amplitude = 1.0, int BatchSize = 128)
{
    public static readonly double[] DefaultWavelengths = [4, 5, 6.3, 8, 10, 12.7, 16, 20];
    public double[] WavelengthsOrDefault => Wavelengths ?? DefaultWavelengths;
}

/// <summary>One neuron's grating tuning, from responses minus the response to grey.</summary>
/// <param name="PreferredOrientationDeg">Vector average of the orientation curve at the preferred SF (0–180°):
/// the direction of the grating's wave vector, as in the ground truth.</param>
/// <param name="Osi">|Σ R(θ) e^{2iθ}| / Σ R(θ), R = peak-over-phase response above grey (clipped at 0).</param>
/// <param name="PreferredSpatialFrequency">Cycles per px of the best (orientation, SF) condition.</param>
/// <param name="ModulationRatio">F1/F0 over phase at the preferred orientation and SF (F0 above grey): &gt; 1 simple.
/// A neuron whose mean response to that grating is not above grey (F0 ≤ 0) gets the cap 10⁶ and counts as simple:
/// only a phase-dependent response can then have driven its peak.</param>
public sealed record NeuronTuning(int Neuron, double PreferredOrientationDeg, double Osi, double PreferredSpatialFrequency,
    double ModulationRatio, bool Simple, double GreyResponse, double PeakResponse);

/// <summary>Responses (K × O × S × P, neurons in <see cref="Neurons"/> order) and per-neuron summaries.</summary>
public sealed record TuningResult(int[] Neurons, double[] OrientationsDeg, double[] SpatialFrequencies, double[] PhasesRad,
    float[] Responses, NeuronTuning[] Tuning, TuningOptions Options);

/// <summary>Static full-field gratings cos(2π(x cos θ + y sin θ)/λ + φ) shown to the model.</summary>
public static class Tuning
{
    public static float[] Grating(int h, int w, double thetaRad, double wavelength, double phase, double amplitude)
    {
        var g = new float[h * w];
        double c = Math.Cos(thetaRad), s = Math.Sin(thetaRad);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                g[y * w + x] = (float)(amplitude * Math.Cos(2 * Math.PI * (x * c + y * s) / wavelength + phase));
        return g;
    }

    public static TuningResult Compute(IModelPopulation twin, int[] neurons, TuningOptions? options = null,
        Action<string, int, int>? progress = null, CancellationToken cancel = default)
    {
        options ??= new TuningOptions();
        int h = twin.Height, w = twin.Width, plane = h * w;
        var wavelengths = options.WavelengthsOrDefault;
        int no = options.Orientations, ns = wavelengths.Length, np = options.Phases, k = neurons.Length;
        if (no < 2 || ns < 1 || np < 3) throw new ArgumentException("tuning needs ≥ 2 orientations, ≥ 1 wavelength and ≥ 3 phases");
        var oris = Enumerable.Range(0, no).Select(i => 180.0 * i / no).ToArray();
        var phases = Enumerable.Range(0, np).Select(i => 2 * Math.PI * i / np).ToArray();
        int count = no * ns * np;
        var images = new float[(count + 1) * plane]; // the last one is grey (zeros)
        for (int o = 0; o < no; o++)
            for (int s = 0; s < ns; s++)
                for (int p = 0; p < np; p++)
                    Grating(h, w, oris[o] * Math.PI / 180, wavelengths[s], phases[p], options.Amplitude)
                        .CopyTo(images, ((o * ns + s) * np + p) * plane);
        var all = twin.Predict(images, count + 1, options.BatchSize, done => progress?.Invoke("gratings", done, count + 1), cancel);
        int n = twin.Neurons;
        var responses = new float[k * count];
        var tuning = new NeuronTuning[k];
        for (int i = 0; i < k; i++)
        {
            int j = neurons[i];
            for (int c = 0; c < count; c++) responses[i * count + c] = all[(long)c * n + j];
            tuning[i] = Summarise(j, responses.AsSpan(i * count, count), all[(long)count * n + j], oris, wavelengths, phases);
        }
        return new TuningResult(neurons, oris, wavelengths.Select(l => 1 / l).ToArray(), phases, responses, tuning, options);
    }

    /// <summary>Summary of one neuron's responses r[o, s, p] (row-major) given its response to grey.</summary>
    public static NeuronTuning Summarise(int neuron, ReadOnlySpan<float> r, double grey, double[] orisDeg, double[] wavelengths, double[] phases)
    {
        int no = orisDeg.Length, ns = wavelengths.Length, np = phases.Length;
        // Peak over phase above grey, per (o, s).
        var peak = new double[no * ns];
        for (int o = 0; o < no; o++)
            for (int s = 0; s < ns; s++)
            {
                double m = double.MinValue;
                for (int p = 0; p < np; p++) m = Math.Max(m, r[(o * ns + s) * np + p]);
                peak[o * ns + s] = m - grey;
            }
        int best = 0;
        for (int c = 1; c < peak.Length; c++) if (peak[c] > peak[best]) best = c;
        int bo = best / ns, bs = best % ns;
        double re = 0, im = 0, sum = 0;
        for (int o = 0; o < no; o++)
        {
            double v = Math.Max(0, peak[o * ns + bs]);
            double a = 2 * orisDeg[o] * Math.PI / 180;
            re += v * Math.Cos(a); im += v * Math.Sin(a); sum += v;
        }
        double preferred = sum > 0 ? (Math.Atan2(im, re) * 90 / Math.PI + 180) % 180 : orisDeg[bo];
        double osi = sum > 0 ? Math.Sqrt(re * re + im * im) / sum : 0;
        // F1/F0 over phase at the best condition.
        double f0 = 0, c1 = 0, s1 = 0;
        for (int p = 0; p < np; p++)
        {
            double v = r[(bo * ns + bs) * np + p];
            f0 += v; c1 += v * Math.Cos(phases[p]); s1 += v * Math.Sin(phases[p]);
        }
        f0 = f0 / np - grey;
        double f1 = 2 * Math.Sqrt(c1 * c1 + s1 * s1) / np;
        double ratio = f1 / Math.Max(f0, 1e-6);
        if (!double.IsFinite(ratio)) ratio = double.MaxValue;
        return new NeuronTuning(neuron, preferred, osi, 1 / wavelengths[bs], Math.Min(ratio, 1e6), ratio > 1, grey, peak[best] + grey);
    }
}
