using Sensorium.Models;

namespace Sensorium.Training.Tests;

/// <summary>A tiny seeded mouse whose neurons respond to a Gaussian blob of the image at a position tied to their cortical coordinates.</summary>
public static class TinyData
{
    public static MouseTrainingData Mouse(string key = "11111-1-1", int trials = 160, int neurons = 12, int seed = 1, int h = 36, int w = 64)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var images = new float[trials * h * w];
        for (int i = 0; i < images.Length; i++) images[i] = (float)Gauss();
        // smooth each image a little (3x3 box) so that positions matter at the model's scale
        var smooth = new float[images.Length];
        for (int t = 0; t < trials; t++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double s = 0; int c = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int yy = y + dy, xx = x + dx;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            s += images[(t * h + yy) * w + xx]; c++;
                        }
                    smooth[(t * h + y) * w + x] = (float)(s / c * 3);
                }
        var cx = new double[neurons];
        var cy = new double[neurons];
        var responses = new float[trials * neurons];
        for (int n = 0; n < neurons; n++)
        {
            cx[n] = rng.NextDouble() * 400 - 200;
            cy[n] = rng.NextDouble() * 400 - 200;
            int px = (int)((cx[n] + 200) / 400 * (w - 20)) + 10, py = (int)((cy[n] + 200) / 400 * (h - 16)) + 8;
            for (int t = 0; t < trials; t++)
            {
                double drive = 0;
                for (int dy = -3; dy <= 3; dy++)
                    for (int dx = -3; dx <= 3; dx++)
                        drive += Math.Exp(-(dx * dx + dy * dy) / 4.0) * smooth[(t * h + py + dy) * w + px + dx];
                double rate = Math.Log(1 + Math.Exp(drive / 3));
                responses[t * neurons + n] = (float)Math.Max(0, rate + 0.2 * Gauss());
            }
        }
        var behavior = Enumerable.Range(0, trials * 3).Select(_ => (float)rng.NextDouble()).ToArray();
        var pupil = Enumerable.Range(0, trials * 2).Select(_ => (float)Gauss()).ToArray();
        int train = trials * 3 / 4;
        return new MouseTrainingData(key, smooth, h, w, responses, neurons, behavior, pupil,
            Enumerable.Range(0, train).ToArray(), Enumerable.Range(train, trials - train).ToArray(), cx, cy);
    }

    /// <summary>A small but complete spec: 2-layer core with 8 channels, batch 16.</summary>
    public static RunSpec Spec(int maxEpochs = 6, bool plus = false) => new()
    {
        Dataset = new DatasetSpec { Path = "in-memory", Track = plus ? "sensorium+" : "sensorium" },
        Model = ModelSpec.Sota.ForInputs(plus ? 4 : 1, shifter: plus) with { Core = new Sensorium.Models.Cores.Stacked2dCoreSpec { Layers = 2, HiddenChannels = 8, InputChannels = plus ? 4 : 1 } },
        Trainer = new TrainerSpec { MaxEpochs = maxEpochs, BatchSize = 16, Device = "cpu", Threads = 1 },
        Seed = 7,
    };
}
