using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// The ground-truth model of one mouse's V1 population that produces the synthetic responses. Per neuron:
/// <list type="bullet">
/// <item>a Gabor receptive field on the 36×64 view (<see cref="NaturalImages.Downsample"/>): simple cells take one
/// phase (half-rectified), complex cells the quadrature energy; wavelength 5–18 px, envelope σ 1.2–4 px;</item>
/// <item>RF centres from a smooth retinotopic map of the cortical (x, y) position plus scatter;</item>
/// <item>divisive normalisation by the local RMS contrast around the RF, then a power-law output (exponent 1.4–2.4);</item>
/// <item>a multiplicative behavioural gain exp(β_run·running + β_pupil·pupil) (standardised, per-neuron βs);</item>
/// <item>eye position: every RF moves with the pupil centre (about 1 px of the 36×64 view per 5.5 camera pixels);</item>
/// <item>a fraction of weakly driven neurons (small stimulus gain, higher baseline).</item>
/// </list>
/// The expected response is amplitude·λ, λ = gain·(baseline + drive·f); the observed response adds Gamma–Poisson
/// spiking, a shared trial-to-trial gain and a per-spike amplitude jitter (<see cref="Sample"/>).
/// </summary>
public sealed class GroundTruthV1
{
    private const int H = NaturalImages.SmallHeight, W = NaturalImages.SmallWidth;
    /// <summary>Zero border around the view so that every kernel row can be read with whole 8-float vectors.</summary>
    private const int Pad = 12, Stride = W + 2 * Pad + 8, PaddedRows = H + 2 * Pad;
    private const int Lanes = 8;
    private const int MaxRadius = 10;
    /// <summary>Pooling σ (px) of the local contrast energy used by the normalisation.</summary>
    private const double PoolSigma = 3.0;
    /// <summary>RF shift in view pixels per camera pixel of pupil-centre displacement.</summary>
    public const double ShiftPerCameraPixel = 0.18;
    /// <summary>Spike amplitude jitter: each spike contributes Gamma(k, 1/k).</summary>
    private const int SpikeShape = 4;
    /// <summary>Private overdispersion: the Poisson rate is multiplied by Gamma(k, 1/k).</summary>
    private const int RateShape = 3;
    /// <summary>σ of the log of the gain shared by all neurons on a trial (unobserved state).</summary>
    private const double SharedGainSigma = 0.2;

    public int Count { get; }
    public double[] RfX { get; }
    public double[] RfY { get; }
    public bool[] Complex { get; }
    public bool[] WeaklyDriven { get; }
    /// <summary>Carrier wavelength (view px).</summary>
    public double[] Wavelength { get; }
    /// <summary>Envelope σ along the carrier (view px).</summary>
    public double[] Sigma { get; }
    /// <summary>Envelope aspect (σ across = σ / aspect).</summary>
    public double[] Aspect { get; }
    /// <summary>Direction of the carrier's wave vector (cos θ, sin θ) in view (x right, y down) coordinates, radians in [0, π).</summary>
    public double[] Theta { get; }
    /// <summary>Carrier phase at the RF centre (radians); the simple cell's preferred phase.</summary>
    public double[] Phase { get; }
    private readonly float[] _c50, _exponent, _baseline, _gainDrive, _amplitude, _betaRun, _betaPupil;
    private readonly float[][] _even, _odd;
    private readonly int[] _kernelRows, _kernelVectors, _origin, _centre;

    public GroundTruthV1(int neurons, double[,] cortex, ulong mouseSeed)
    {
        Count = neurons;
        var rng = SynthRandom.For(mouseSeed, "neurons");
        RfX = new double[neurons]; RfY = new double[neurons];
        Complex = new bool[neurons]; WeaklyDriven = new bool[neurons];
        Wavelength = new double[neurons]; Sigma = new double[neurons]; Aspect = new double[neurons];
        Theta = new double[neurons]; Phase = new double[neurons];
        _c50 = new float[neurons]; _exponent = new float[neurons]; _baseline = new float[neurons];
        _gainDrive = new float[neurons]; _amplitude = new float[neurons];
        _betaRun = new float[neurons]; _betaPupil = new float[neurons];
        _even = new float[neurons][]; _odd = new float[neurons][];
        _kernelRows = new int[neurons]; _kernelVectors = new int[neurons]; _origin = new int[neurons]; _centre = new int[neurons];

        // Retinotopy: cortical x, y (µm) -> view position. A rotated, mildly compressive and curved map covering about
        // half of the view, centred near the middle (the monitor is placed over the population RF).
        double minX = double.MaxValue, maxX = double.MinValue, minY = double.MaxValue, maxY = double.MinValue;
        for (int n = 0; n < neurons; n++)
        {
            minX = Math.Min(minX, cortex[n, 0]); maxX = Math.Max(maxX, cortex[n, 0]);
            minY = Math.Min(minY, cortex[n, 1]); maxY = Math.Max(maxY, cortex[n, 1]);
        }
        double angle = rng.Uniform(-0.6, 0.6), cosA = Math.Cos(angle), sinA = Math.Sin(angle);
        double centreX = W / 2.0 + rng.Uniform(-5, 5), centreY = H / 2.0 + rng.Uniform(-3, 3);
        double spanX = rng.Uniform(14, 18), spanY = rng.Uniform(7, 9), bend = rng.Uniform(-0.15, 0.15);
        double scatter = 1.5;
        for (int n = 0; n < neurons; n++)
        {
            double px = 2 * (cortex[n, 0] - minX) / Math.Max(1e-9, maxX - minX) - 1;
            double py = 2 * (cortex[n, 1] - minY) / Math.Max(1e-9, maxY - minY) - 1;
            double qx = cosA * px - sinA * py, qy = sinA * px + cosA * py;
            double u = centreX + spanX * Math.Tanh(1.1 * qx) / Math.Tanh(1.1) + rng.Normal(0, scatter);
            double v = centreY + spanY * (qy + bend * qx * qx) + rng.Normal(0, scatter);
            RfX[n] = Math.Clamp(u, 0, W - 1);
            RfY[n] = Math.Clamp(v, 0, H - 1);
        }

        for (int n = 0; n < neurons; n++)
        {
            Complex[n] = rng.Chance(0.45);
            WeaklyDriven[n] = rng.Chance(0.2);
            double wavelength = Math.Clamp(rng.LogNormal(9, 0.3), 5, 18);
            double sigma = Math.Clamp(wavelength * rng.Uniform(0.3, 0.5), 1.2, 4.0);
            double aspect = rng.Uniform(0.6, 1.0), theta = rng.Uniform(0, Math.PI), phase = rng.Uniform(0, 2 * Math.PI);
            (Wavelength[n], Sigma[n], Aspect[n], Theta[n], Phase[n]) = (wavelength, sigma, aspect, theta, phase);
            BuildKernels(n, sigma, aspect, wavelength, theta, phase);
            _c50[n] = (float)rng.Uniform(0.1, 0.5);
            _exponent[n] = (float)rng.Uniform(1.4, 2.4);
            double meanRate = rng.LogNormal(0.85, 0.5); // expected spikes per trial at gain 1
            _gainDrive[n] = (float)(meanRate * (WeaklyDriven[n] ? 0.15 : 0.85)); // scaled by Calibrate
            _baseline[n] = (float)(meanRate * (WeaklyDriven[n] ? 0.85 : 0.15));
            _amplitude[n] = (float)rng.LogNormal(1.0, 0.6);
            _betaRun[n] = (float)rng.Normal(0.15, 0.08);
            _betaPupil[n] = (float)rng.Normal(0.12, 0.07);
        }
    }

    /// <summary>Gabor pair at the exact (sub-pixel) RF centre, zero-mean and unit-norm, rows padded to 8 floats.</summary>
    private void BuildKernels(int n, double sigma, double aspect, double wavelength, double theta, double phase)
    {
        int r = Math.Min(MaxRadius, (int)Math.Ceiling(2.5 * sigma));
        int size = 2 * r + 1, vectors = (size + Lanes - 1) / Lanes, width = vectors * Lanes;
        int ix = (int)Math.Round(RfX[n]), iy = (int)Math.Round(RfY[n]);
        double fx = RfX[n] - ix, fy = RfY[n] - iy;
        var even = new double[size * width];
        var odd = new double[size * width];
        double c = Math.Cos(theta), s = Math.Sin(theta);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double dx = x - r - fx, dy = y - r - fy;
                double along = c * dx + s * dy, across = -s * dx + c * dy;
                double envelope = Math.Exp(-(along * along + aspect * aspect * across * across) / (2 * sigma * sigma));
                double arg = 2 * Math.PI * along / wavelength + phase;
                even[y * width + x] = envelope * Math.Cos(arg);
                odd[y * width + x] = envelope * Math.Sin(arg);
            }
        _even[n] = Normalise(even, size, width, r, fx, fy, sigma);
        _odd[n] = Normalise(odd, size, width, r, fx, fy, sigma);
        _kernelRows[n] = size;
        _kernelVectors[n] = vectors;
        _origin[n] = (iy - r + Pad) * Stride + (ix - r + Pad);
        _centre[n] = iy * W + ix;
    }

    /// <summary>Removes the kernel's response to uniform luminance (envelope-weighted mean) and scales it to unit norm.</summary>
    private static float[] Normalise(double[] k, int size, int width, int r, double fx, double fy, double sigma)
    {
        double sum = 0, weight = 0;
        var env = new double[k.Length];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double dx = x - r - fx, dy = y - r - fy;
                env[y * width + x] = Math.Exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                sum += k[y * width + x];
                weight += env[y * width + x];
            }
        double norm = 0;
        for (int i = 0; i < k.Length; i++) { k[i] -= sum / weight * env[i]; norm += k[i] * k[i]; }
        norm = Math.Sqrt(Math.Max(norm, 1e-12));
        return k.Select(v => (float)(v / norm)).ToArray();
    }

    /// <summary>Trials per batch: kernels are read once per batch, which keeps the work in cache.</summary>
    public const int BatchSize = 16;

    /// <summary>Per-thread buffers: one prepared (shifted, padded) view and contrast-energy map per batch slot.</summary>
    public sealed class Scratch
    {
        internal readonly float[][] Padded = Enumerable.Range(0, BatchSize).Select(_ => new float[PaddedRows * Stride + Lanes]).ToArray();
        internal readonly float[][] Energy = Enumerable.Range(0, BatchSize).Select(_ => new float[H * W]).ToArray();
        internal readonly float[] Blur = new float[H * W];
        internal readonly float[] PoolKernel = GaussianKernel(PoolSigma);
    }

    private static float[] GaussianKernel(double sigma)
    {
        int r = (int)Math.Ceiling(2.5 * sigma);
        var k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += Math.Exp(-i * i / (2 * sigma * sigma));
        for (int i = -r; i <= r; i++) k[i + r] = (float)(Math.Exp(-i * i / (2 * sigma * sigma)) / sum);
        return k;
    }

    /// <summary>
    /// Puts one view into batch slot <paramref name="slot"/>, with the eye displaced so that every RF looks
    /// (<paramref name="shiftX"/>, <paramref name="shiftY"/>) view pixels away from its resting position.
    /// </summary>
    public static void Prepare(Scratch s, int slot, ReadOnlySpan<float> view, double shiftX, double shiftY)
    {
        ShiftInto(view, shiftX, shiftY, s.Padded[slot]);
        ContrastEnergy(s.Padded[slot], s.Energy[slot], s);
    }

    /// <summary>Stimulus drive f (before baseline, gain and noise) of every neuron for slots 0..count-1: drive[slot][neuron].</summary>
    public void StimulusDrive(Scratch s, int count, float[][] drive)
    {
        for (int n = 0; n < Count; n++)
        {
            int origin = _origin[n], rows = _kernelRows[n], vectors = _kernelVectors[n], centre = _centre[n];
            float c50 = _c50[n], exponent = _exponent[n];
            bool complex = Complex[n];
            for (int t = 0; t < count; t++)
            {
                float e = Dot(s.Padded[t], origin, _even[n], rows, vectors);
                float norm = c50 + MathF.Sqrt(s.Energy[t][centre]);
                float response;
                if (complex)
                {
                    float o = Dot(s.Padded[t], origin, _odd[n], rows, vectors);
                    response = MathF.Sqrt(e * e + o * o) / norm;
                }
                else response = MathF.Max(0, e) / norm;
                drive[t][n] = response > 0 ? MathF.Pow(response, exponent) : 0f;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(float[] image, int origin, float[] kernel, int rows, int vectors)
    {
        ref float img = ref MemoryMarshal.GetArrayDataReference(image);
        ref float ker = ref MemoryMarshal.GetArrayDataReference(kernel);
        var acc = Vector256<float>.Zero;
        int k = 0;
        for (int y = 0; y < rows; y++)
        {
            int at = origin + y * Stride;
            for (int v = 0; v < vectors; v++, k += Lanes, at += Lanes)
                acc += Vector256.LoadUnsafe(ref img, (nuint)at) * Vector256.LoadUnsafe(ref ker, (nuint)k);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>Bilinear resampling: padded(u, v) = view(u + dx, v + dy), grey (0) outside the screen.</summary>
    private static void ShiftInto(ReadOnlySpan<float> view, double dx, double dy, float[] padded)
    {
        Array.Clear(padded);
        int ox = (int)Math.Floor(dx), oy = (int)Math.Floor(dy);
        float fx = (float)(dx - ox), fy = (float)(dy - oy);
        float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        for (int v = 0; v < H; v++)
        {
            int row = (v + Pad) * Stride + Pad;
            for (int u = 0; u < W; u++)
            {
                int sx = u + ox, sy = v + oy;
                padded[row + u] = w00 * At(view, sx, sy) + w01 * At(view, sx + 1, sy) + w10 * At(view, sx, sy + 1) + w11 * At(view, sx + 1, sy + 1);
            }
        }
    }

    private static float At(ReadOnlySpan<float> view, int x, int y) => (uint)x < W && (uint)y < H ? view[y * W + x] : 0f;

    /// <summary>Local mean of the squared contrast, Gaussian-pooled (σ = <see cref="PoolSigma"/> px), zero outside.</summary>
    private static void ContrastEnergy(float[] padded, float[] energy, Scratch s)
    {
        var k = s.PoolKernel;
        int r = k.Length / 2;
        for (int v = 0; v < H; v++)
        {
            int row = (v + Pad) * Stride + Pad;
            for (int u = 0; u < W; u++)
            {
                float acc = 0;
                for (int i = -r; i <= r; i++)
                {
                    int x = u + i;
                    if ((uint)x < W) { float p = padded[row + x]; acc += k[i + r] * p * p; }
                }
                s.Blur[v * W + u] = acc;
            }
        }
        for (int v = 0; v < H; v++)
            for (int u = 0; u < W; u++)
            {
                float acc = 0;
                for (int i = -r; i <= r; i++)
                {
                    int y = v + i;
                    if ((uint)y < H) acc += k[i + r] * s.Blur[y * W + u];
                }
                energy[v * W + u] = acc;
            }
    }

    /// <summary>
    /// Scales each neuron's stimulus gain so that its mean drive over <paramref name="views"/> (no eye shift) gives the
    /// intended mean rate. Makes firing rates independent of the arbitrary filter units.
    /// </summary>
    public void Calibrate(IReadOnlyList<float[]> views, int? parallelism)
    {
        int batches = (views.Count + BatchSize - 1) / BatchSize;
        var sums = new double[batches][];
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = parallelism ?? -1 },
            () => (scratch: new Scratch(), drive: Enumerable.Range(0, BatchSize).Select(_ => new float[Count]).ToArray()),
            (b, _, local) =>
            {
                int first = b * BatchSize, count = Math.Min(BatchSize, views.Count - first);
                for (int t = 0; t < count; t++) Prepare(local.scratch, t, views[first + t], 0, 0);
                StimulusDrive(local.scratch, count, local.drive);
                var sum = new double[Count];
                for (int t = 0; t < count; t++) for (int n = 0; n < Count; n++) sum[n] += local.drive[t][n];
                sums[b] = sum;
                return local;
            }, _ => { });
        for (int n = 0; n < Count; n++)
        {
            double mean = 0;
            for (int b = 0; b < batches; b++) mean += sums[b][n];
            mean /= Math.Max(1, views.Count);
            _gainDrive[n] = (float)(_gainDrive[n] / Math.Max(mean, 1e-6));
        }
    }

    /// <summary>Behavioural gain of neuron <paramref name="n"/>: exp(β_run·z_run + β_pupil·z_pupil), log clipped to ±1.5.</summary>
    private double Gain(int n, double running, double pupil)
    {
        double zr = (running - Behavior.RunReference) / Behavior.RunScale;
        double zp = (pupil - Behavior.PupilReference) / Behavior.PupilScale;
        return Math.Exp(Math.Clamp(_betaRun[n] * zr + _betaPupil[n] * zp, -1.5, 1.5));
    }

    /// <summary>Expected (noise-free) responses in raw units: amplitude·gain·(baseline + stimulus gain·drive).</summary>
    public void Expected(ReadOnlySpan<float> drive, double running, double pupil, Span<float> expected)
    {
        for (int n = 0; n < Count; n++)
            expected[n] = (float)(_amplitude[n] * Gain(n, running, pupil) * (_baseline[n] + _gainDrive[n] * drive[n]));
    }

    /// <summary>
    /// One noisy trial with mean <paramref name="expected"/>: spikes ~ Poisson(λ·G·L) with private G ~ Gamma(3)/3 and a
    /// shared log-normal L (mean 1), each spike of size amplitude·Gamma(4)/4. Non-negative, many exact zeros.
    /// </summary>
    public void Sample(ReadOnlySpan<float> expected, Span<float> response, SynthRandom rng)
    {
        double shared = Math.Exp(SharedGainSigma * rng.Normal() - SharedGainSigma * SharedGainSigma / 2);
        for (int n = 0; n < Count; n++)
        {
            double lambda = expected[n] / _amplitude[n] * shared * rng.GammaInteger(RateShape) / RateShape;
            int spikes = rng.Poisson(lambda);
            response[n] = spikes == 0 ? 0f : (float)(_amplitude[n] * rng.GammaInteger(SpikeShape * spikes) / SpikeShape);
        }
    }
}
