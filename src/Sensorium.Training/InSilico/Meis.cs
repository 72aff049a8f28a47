using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;
using static TorchSharp.torch;

namespace Sensorium.Training.InSilico;

/// <param name="Starts">Random starts per neuron; the most exciting of them is kept.</param>
/// <param name="Steps">Gradient-ascent steps.</param>
/// <param name="StepSize">Each step moves the image by StepSize × gradient / mean |gradient| (per image).</param>
/// <param name="Rms">Norm budget: the image's L2 norm is held at Rms·√(H·W), i.e. an RMS contrast of Rms in
/// normalized units (1 = the natural images' standard deviation), as Walker et al. fix the MEI's contrast.</param>
/// <param name="BlurSigma">Smoothing prior: σ (px) of the Gaussian that blurs every gradient step (0 = none).</param>
public sealed record MeiOptions(int Starts = 4, int Steps = 200, double StepSize = 0.1, double Rms = 0.35,
    double BlurSigma = 1.0, int Seed = 1, int BatchSize = 64);

/// <param name="Activation">The model's response to the MEI (normalized response units).</param>
/// <param name="StartActivations">Each start's final activation (the best is kept).</param>
/// <param name="BestNaturalActivation">The highest predicted response over the test-tier images.</param>
/// <param name="BestNaturalImageId">frame_image_id of that image.</param>
public sealed record NeuronMei(int Neuron, double Activation, double[] StartActivations, double BestNaturalActivation,
    long BestNaturalImageId, int BestNaturalTrial, double Norm);

/// <summary>MEIs (K × H × W, neurons in <see cref="Neurons"/> order), the best natural test image of each neuron
/// (same shape), and per-neuron summaries.</summary>
public sealed record MeiResult(int[] Neurons, int Height, int Width, float[] Images, float[] BestNatural, NeuronMei[] Meis, MeiOptions Options);

/// <summary>Natural images to compare MEIs with: one trial per distinct image (H·W each, normalized units).</summary>
public sealed record NaturalImageSet(float[] Images, long[] ImageIds, int[] Trials)
{
    /// <summary>The distinct images of a mouse's test tier (its first trial of each).</summary>
    public static NaturalImageSet TestImages(PreprocessedMouse mouse)
    {
        int plane = mouse.PlaneSize;
        var trials = mouse.TrialsOf(Tier.Test).GroupBy(t => mouse.Meta.FrameImageId[t]).Select(g => g.Min()).Order().ToArray();
        var images = new float[trials.Length * plane];
        for (int i = 0; i < trials.Length; i++) mouse.Image(trials[i]).CopyTo(images.AsSpan(i * plane));
        return new NaturalImageSet(images, trials.Select(t => mouse.Meta.FrameImageId[t]).ToArray(), trials);
    }
}

/// <summary>Most exciting inputs by gradient ascent with a fixed norm and a smoothing prior, from several starts.</summary>
public static class Meis
{
    public static MeiResult Compute(IModelPopulation twin, int[] neurons, MeiOptions? options = null, NaturalImageSet? naturalSet = null,
        Action<string, int, int>? progress = null, CancellationToken cancel = default)
    {
        options ??= new MeiOptions();
        int h = twin.Height, w = twin.Width, plane = h * w, k = neurons.Length, starts = Math.Max(1, options.Starts);
        double budget = options.Rms * Math.Sqrt(plane);
        var dev = twin.Device;
        var gen = new Random(options.Seed);
        var images = new float[k * plane];
        var summaries = new NeuronMei[k];
        int perBatch = Math.Max(1, options.BatchSize / starts);

        // The best natural test images, for comparison.
        naturalSet ??= new NaturalImageSet([], [], []);
        int[] firstOfImage = naturalSet.Trials;
        var naturalImages = naturalSet.Images;
        var natural = firstOfImage.Length == 0 ? [] : twin.Predict(naturalImages, firstOfImage.Length, cancel: cancel);
        var bestNatural = new float[k * plane];

        int done = 0;
        for (int first = 0; first < k; first += perBatch)
        {
            int n = Math.Min(perBatch, k - first), rows = n * starts;
            using var scope = NewDisposeScope();
            var idx = tensor(Enumerable.Range(0, rows).Select(r => (long)neurons[first + r / starts]).ToArray(), device: dev);
            var x = ReceptiveFields.Noise(rows, h, w, 2.0, gen, dev);
            x = Project(x, budget, twin.PixelMin, twin.PixelMax);
            for (int step = 0; step < options.Steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                using var inner = NewDisposeScope();
                var xi = x.detach().requires_grad_(true);
                twin.RespondOf(xi, idx).sum().backward();
                var g = xi.grad!;
                if (options.BlurSigma > 0) g = Smoothing.Blur(g, options.BlurSigma);
                var scale = g.abs().mean([1, 2, 3], keepdim: true).clamp_min(1e-12);
                var next = Project(xi.detach() + g / scale * options.StepSize, budget, twin.PixelMin, twin.PixelMax);
                var previous = x;
                x = next.MoveToOuterDisposeScope();
                previous.Dispose();
                if ((step + 1) % 10 == 0 || step + 1 == options.Steps)
                    progress?.Invoke("most exciting inputs", done * options.Steps + (step + 1) * n, k * options.Steps);
            }
            float[] final, pixels;
            using (no_grad())
            {
                final = twin.RespondOf(x, idx).cpu().data<float>().ToArray();
                pixels = x.cpu().data<float>().ToArray();
            }
            InSilicoChecks.Finite(final, "MEI activations");
            InSilicoChecks.Finite(pixels, "MEI images");
            for (int i = 0; i < n; i++)
            {
                int j = neurons[first + i];
                var acts = Enumerable.Range(0, starts).Select(s => (double)final[i * starts + s]).ToArray();
                int bestStart = Array.IndexOf(acts, acts.Max());
                Array.Copy(pixels, (i * starts + bestStart) * plane, images, (first + i) * plane, plane);
                double norm = Math.Sqrt(images.AsSpan((first + i) * plane, plane).ToArray().Sum(v => (double)v * v));
                int bestImage = -1;
                double bestAct = double.NaN;
                for (int m = 0; m < firstOfImage.Length; m++)
                {
                    double a = natural[(long)m * twin.Neurons + j];
                    if (bestImage < 0 || a > bestAct) { bestImage = m; bestAct = a; }
                }
                if (bestImage >= 0) Array.Copy(naturalImages, bestImage * plane, bestNatural, (first + i) * plane, plane);
                summaries[first + i] = new NeuronMei(j, acts[bestStart], acts, bestImage >= 0 ? bestAct : 0,
                    bestImage >= 0 ? naturalSet.ImageIds[bestImage] : -1,
                    bestImage >= 0 ? firstOfImage[bestImage] : -1, norm);
            }
            done += n;
        }
        return new MeiResult(neurons, h, w, images, bestNatural, summaries, options);
    }

    /// <summary>Each image (B,1,H,W) rescaled to L2 norm <paramref name="budget"/>, then clipped to the screen's range.</summary>
    public static Tensor Project(Tensor x, double budget, float min, float max)
    {
        using var norm = x.square().sum([1, 2, 3], keepdim: true).sqrt().clamp_min(1e-12);
        using var factor = norm.reciprocal().mul_(budget);
        using var scaled = x * factor;
        return scaled.clamp(min, max);
    }
}
