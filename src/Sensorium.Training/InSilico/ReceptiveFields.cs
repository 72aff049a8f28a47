using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Sensorium.Training.InSilico;

/// <param name="NoiseImages">Images of the model spike-triggered average.</param>
/// <param name="GradientSamples">Noise images per neuron at which the gradient energy map is averaged.</param>
/// <param name="NoiseSmoothing">σ (px) of the Gaussian smoothing of the white noise (0 = white); the noise is
/// rescaled to unit standard deviation (that of the z-scored natural images) after smoothing.</param>
public sealed record RfOptions(int NoiseImages = 2048, int GradientSamples = 8, double NoiseSmoothing = 1.0, int Seed = 1, int BatchSize = 128);

/// <summary>A receptive-field centre estimate (model-input pixels, x right, y down).</summary>
public sealed record RfCentre(double X, double Y);

/// <summary>Per neuron (in <see cref="Neurons"/> order): three H×W maps, row-major, and centre estimates.</summary>
/// <param name="Gradient">∂r/∂image at the mean grey image (a linear RF; near zero for a pure energy-model cell).</param>
/// <param name="Sta">Model spike-triggered average over smoothed Gaussian noise: Σ (r − r̄)(x − x̄) / S.</param>
/// <param name="Energy">Mean squared gradient over noise images: where the neuron is sensitive, whatever its phase
/// preference (simple and complex cells alike); the centre estimate is its peak's centroid.</param>
public sealed record RfResult(int[] Neurons, int Height, int Width, float[] Gradient, float[] Sta, float[] Energy,
    RfCentre[] Centres, RfCentre[] GradientCentres, RfOptions Options);

/// <summary>Receptive fields of model neurons by gradients and by a model spike-triggered average.</summary>
public static class ReceptiveFields
{
    public static RfResult Compute(IModelPopulation twin, int[] neurons, RfOptions? options = null,
        Action<string, int, int>? progress = null, CancellationToken cancel = default)
    {
        options ??= new RfOptions();
        int h = twin.Height, w = twin.Width, plane = h * w, k = neurons.Length;
        var gradient = new float[k * plane];
        var energy = new float[k * plane];
        var dev = twin.Device;

        // 1. Gradient at grey, many neurons per backward pass: row i is its own image, so its gradient is its own.
        int chunk = Math.Max(1, options.BatchSize);
        for (int first = 0; first < k; first += chunk)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(chunk, k - first);
            using var scope = NewDisposeScope();
            var x = zeros([n, 1, h, w], device: dev).requires_grad_(true);
            var idx = tensor(neurons.AsSpan(first, n).ToArray().Select(i => (long)i).ToArray(), device: dev);
            twin.RespondOf(x, idx).sum().backward();
            Array.Copy(x.grad!.cpu().data<float>().ToArray(), 0, gradient, first * plane, n * plane);
            progress?.Invoke("gradient", first + n, k);
        }

        // 2. Gradient energy over noise: S samples per neuron, rows = neurons × samples.
        int samples = Math.Max(1, options.GradientSamples);
        int perBatch = Math.Max(1, chunk / samples);
        var gen = new Random(options.Seed);
        for (int first = 0; first < k; first += perBatch)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(perBatch, k - first);
            using var scope = NewDisposeScope();
            var x = Noise(n * samples, h, w, options.NoiseSmoothing, gen, dev).requires_grad_(true);
            var idx = tensor(Enumerable.Range(0, n * samples).Select(r => (long)neurons[first + r / samples]).ToArray(), device: dev);
            twin.RespondOf(x, idx).sum().backward();
            var g2 = x.grad!.square().view(n, samples, plane).mean([1]).cpu();
            Array.Copy(g2.data<float>().ToArray(), 0, energy, first * plane, n * plane);
            progress?.Invoke("gradient energy", first + n, k);
        }

        // 3. Model STA over noise, all neurons at once: accumulate Rᵀ X, Σ r, Σ x.
        var sta = new float[k * plane];
        using (no_grad())
        {
            using var idxAll = tensor(neurons.Select(i => (long)i).ToArray(), device: dev);
            var rx = zeros([k, plane], device: dev);
            var sr = zeros([k], device: dev);
            var sx = zeros([plane], device: dev);
            int total = Math.Max(2, options.NoiseImages);
            for (int first = 0; first < total; first += chunk)
            {
                cancel.ThrowIfCancellationRequested();
                int n = Math.Min(chunk, total - first);
                using var scope = NewDisposeScope();
                var x = Noise(n, h, w, options.NoiseSmoothing, gen, dev);
                var r = twin.Respond(x).index_select(1, idxAll); // (n,k)
                var flat = x.view(n, plane);
                rx.add_(r.t().matmul(flat));
                sr.add_(r.sum(0));
                sx.add_(flat.sum(0));
                progress?.Invoke("spike-triggered average", first + n, total);
            }
            using var meanR = sr / total;
            using var meanX = sx / total;
            using var cross = rx / total;
            using var outer = meanR.view(k, 1).matmul(meanX.view(1, plane));
            using var result = (cross - outer).cpu();
            Array.Copy(result.data<float>().ToArray(), sta, sta.Length);
            rx.Dispose(); sr.Dispose(); sx.Dispose();
        }
        InSilicoChecks.Finite(gradient, "receptive field gradients");
        InSilicoChecks.Finite(energy, "receptive field gradient energy");
        InSilicoChecks.Finite(sta, "spike-triggered averages");

        var centres = new RfCentre[k];
        var gradientCentres = new RfCentre[k];
        var squared = new float[plane];
        for (int i = 0; i < k; i++)
        {
            centres[i] = PeakCentroid(energy.AsSpan(i * plane, plane), h, w);
            for (int p = 0; p < plane; p++) squared[p] = gradient[i * plane + p] * gradient[i * plane + p];
            gradientCentres[i] = PeakCentroid(squared, h, w);
        }
        return new RfResult(neurons, h, w, gradient, sta, energy, centres, gradientCentres, options);
    }

    /// <summary>Gaussian noise (n,1,h,w), smoothed by σ px and rescaled to unit standard deviation.</summary>
    public static Tensor Noise(int n, int h, int w, double sigma, Random gen, Device device)
    {
        var values = new float[n * h * w];
        for (int i = 0; i < values.Length; i++) values[i] = (float)Gaussian(gen);
        var x = tensor(values, [n, 1, h, w]).to(device);
        if (sigma <= 0) return x;
        using (x)
        {
            using var blurred = Smoothing.Blur(x, sigma);
            using var std = blurred.std();
            return blurred / std;
        }
    }

    private static double Gaussian(Random gen)
    {
        double u = 1 - gen.NextDouble(), v = gen.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    /// <summary>
    /// Sub-pixel centre of a non-negative map: from the smoothed (σ 1.5 px) peak, the centroid of the part above a
    /// tenth of the peak within 8 px, re-centred on that centroid until it settles (a mean shift). Not just the top
    /// lobe: the squared filter of a simple cell has two carrier lobes of nearly equal height on either side of the
    /// envelope's centre when its phase is odd, and the window must take in both.
    /// </summary>
    public static RfCentre PeakCentroid(ReadOnlySpan<float> map, int h, int w)
    {
        var smooth = Smoothing.Blur(map, h, w, 1.5);
        int best = 0;
        for (int p = 1; p < smooth.Length; p++) if (smooth[p] > smooth[best]) best = p;
        double peak = smooth[best], cx = best % w, cy = best / w;
        const double R = 8;
        for (int iteration = 0; iteration < 20; iteration++)
        {
            double sx = 0, sy = 0, sw = 0;
            for (int y = Math.Max(0, (int)Math.Floor(cy - R)); y <= Math.Min(h - 1, (int)Math.Ceiling(cy + R)); y++)
                for (int x = Math.Max(0, (int)Math.Floor(cx - R)); x <= Math.Min(w - 1, (int)Math.Ceiling(cx + R)); x++)
                {
                    double v = smooth[y * w + x] - 0.1 * peak;
                    if (v <= 0 || (x - cx) * (x - cx) + (y - cy) * (y - cy) > R * R) continue;
                    sx += v * x; sy += v * y; sw += v;
                }
            if (sw <= 0) break;
            double nx = sx / sw, ny = sy / sw;
            bool settled = Math.Abs(nx - cx) < 0.01 && Math.Abs(ny - cy) < 0.01;
            (cx, cy) = (nx, ny);
            if (settled) break;
        }
        return new RfCentre(cx, cy);
    }
}

/// <summary>Separable Gaussian smoothing with zero padding, on tensors (B,1,H,W) and on one H×W map.</summary>
public static class Smoothing
{
    public static float[] Kernel(double sigma)
    {
        int r = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += Math.Exp(-i * i / (2 * sigma * sigma));
        for (int i = -r; i <= r; i++) k[i + r] = (float)(Math.Exp(-i * i / (2 * sigma * sigma)) / sum);
        return k;
    }

    public static Tensor Blur(Tensor x, double sigma)
    {
        var k = Kernel(sigma);
        int r = k.Length / 2;
        using var kx = tensor(k, [1, 1, 1, k.Length], device: x.device);
        using var ky = tensor(k, [1, 1, k.Length, 1], device: x.device);
        using var a = F.conv2d(x, kx, padding: [0, r]);
        return F.conv2d(a, ky, padding: [r, 0]);
    }

    public static float[] Blur(ReadOnlySpan<float> map, int h, int w, double sigma)
    {
        var k = Kernel(sigma);
        int r = k.Length / 2;
        var tmp = new float[h * w];
        var result = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int i = -r; i <= r; i++) { int xx = x + i; if ((uint)xx < (uint)w) acc += k[i + r] * map[y * w + xx]; }
                tmp[y * w + x] = acc;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float acc = 0;
                for (int i = -r; i <= r; i++) { int yy = y + i; if ((uint)yy < (uint)h) acc += k[i + r] * tmp[yy * w + x]; }
                result[y * w + x] = acc;
            }
        return result;
    }
}
