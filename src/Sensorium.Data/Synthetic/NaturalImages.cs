using System.Runtime.Intrinsics;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// Natural-image-like grayscale stimuli, 144×256 <c>uint8</c> like the release's ImageNet crops: a 1/f ("pink")
/// background summed over octaves, a few occluding objects (ellipses and rectangles with soft borders, shading and
/// sometimes a texture) and long luminance edges, then a per-image mean luminance and contrast. The result has
/// oriented structure at every scale a 36×64 model sees. Pixels depend only on the seed given.
/// </summary>
public static class NaturalImages
{
    public const int Height = 144, Width = 256;
    /// <summary>Size of the model's view: 4×4 blocks of the stimulus (the baselines' scale 0.25).</summary>
    public const int SmallHeight = 36, SmallWidth = 64, Block = 4;

    /// <summary>One stimulus, row-major (144×256).</summary>
    public static byte[] Generate(ulong seed)
    {
        var rng = new SynthRandom(seed);
        var img = new float[Height * Width];
        AddPinkNoise(img, rng);
        Standardise(img, 0.75); // background a little weaker than the objects
        int edges = rng.NextInt(3);
        for (int e = 0; e < edges; e++) AddEdge(img, rng);
        int objects = 2 + rng.NextInt(5);
        for (int o = 0; o < objects; o++) AddObject(img, rng);
        return ToBytes(img, rng);
    }

    /// <summary>
    /// The model's view of a stimulus: mean of each 4×4 block, in contrast units (pixel − 128) / 64, row-major 36×64.
    /// </summary>
    public static void Downsample(ReadOnlySpan<byte> image, Span<float> small)
    {
        for (int y = 0; y < SmallHeight; y++)
            for (int x = 0; x < SmallWidth; x++)
            {
                int sum = 0;
                for (int dy = 0; dy < Block; dy++)
                {
                    var row = image.Slice((y * Block + dy) * Width + x * Block, Block);
                    sum += row[0] + row[1] + row[2] + row[3];
                }
                small[y * SmallWidth + x] = (sum / 16f - 128f) / 64f;
            }
    }

    /// <summary>Equal power per octave (amplitude spectrum ~1/f), smooth lattice noise at spacings 128…2 px.</summary>
    private static void AddPinkNoise(float[] img, SynthRandom rng)
    {
        int[] spacings = [128, 64, 32, 16, 8, 4, 2];
        float[] amplitude = [0.8f, 0.9f, 1f, 1f, 1f, 0.8f, 0.5f]; // optics blur the finest scales
        var rowA = new float[Width];
        var rowB = new float[Width];
        var ix = new int[Width];
        var wx = new float[Width];
        for (int o = 0; o < spacings.Length; o++)
        {
            int s = spacings[o];
            int gw = Width / s + 3, gh = Height / s + 3;
            var grid = new float[gw * gh];
            // Unit-variance uniform lattice values (cheaper than normals; the sum over octaves is close to Gaussian anyway).
            for (int i = 0; i < grid.Length; i++) grid[i] = (float)((rng.NextDouble() - 0.5) * 3.4641016151377544) * amplitude[o];
            double ox = rng.Uniform(0, s), oy = rng.Uniform(0, s);
            for (int x = 0; x < Width; x++)
            {
                double gx = (x + ox) / s;
                ix[x] = (int)gx;
                wx[x] = Smooth((float)(gx - ix[x]));
            }
            int cachedRow = -1;
            for (int y = 0; y < Height; y++)
            {
                double gy = (y + oy) / s;
                int iy = (int)gy;
                float wy = Smooth((float)(gy - iy));
                if (iy != cachedRow)
                {
                    InterpolateRow(grid, gw, iy, ix, wx, rowA);
                    InterpolateRow(grid, gw, iy + 1, ix, wx, rowB);
                    cachedRow = iy;
                }
                var dst = img.AsSpan(y * Width, Width);
                var w = Vector256.Create(wy);
                for (int x = 0; x < Width; x += 8) // Width is a multiple of 8
                {
                    var a = Vector256.Create<float>(rowA.AsSpan(x, 8));
                    var b = Vector256.Create<float>(rowB.AsSpan(x, 8));
                    (Vector256.Create<float>(dst.Slice(x, 8)) + a + w * (b - a)).CopyTo(dst.Slice(x, 8));
                }
            }
        }
    }

    private static void InterpolateRow(float[] grid, int gw, int iy, int[] ix, float[] wx, float[] row)
    {
        int o = iy * gw;
        for (int x = 0; x < row.Length; x++)
        {
            float a = grid[o + ix[x]], b = grid[o + ix[x] + 1];
            row[x] = a + wx[x] * (b - a);
        }
    }

    private static float Smooth(float t) => t * t * (3 - 2 * t);

    private static void Standardise(float[] img, double targetSd)
    {
        double sum = 0, sq = 0;
        foreach (float v in img) { sum += v; sq += (double)v * v; }
        double mean = sum / img.Length, sd = Math.Sqrt(Math.Max(1e-12, sq / img.Length - mean * mean));
        for (int i = 0; i < img.Length; i++) img[i] = (float)((img[i] - mean) / sd * targetSd);
    }

    /// <summary>A straight luminance step across the image (a horizon, a wall edge) with a soft border.</summary>
    private static void AddEdge(float[] img, SynthRandom rng)
    {
        double theta = rng.Uniform(0, Math.PI);
        double nx = Math.Cos(theta), ny = Math.Sin(theta);
        double cx = rng.Uniform(0.2, 0.8) * Width, cy = rng.Uniform(0.2, 0.8) * Height;
        double step = rng.Normal(0, 1.2), width = rng.Uniform(0.7, 3);
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                double d = (x - cx) * nx + (y - cy) * ny;
                img[y * Width + x] += (float)(step * Ramp(d, width));
            }
    }

    /// <summary>An occluding ellipse or rotated rectangle with its own luminance, shading and optional grating texture.</summary>
    private static void AddObject(float[] img, SynthRandom rng)
    {
        bool ellipse = rng.Chance(0.6);
        double a = rng.Uniform(8, 70), b = a * rng.Uniform(0.25, 1);
        double theta = rng.Uniform(0, Math.PI), c = Math.Cos(theta), s = Math.Sin(theta);
        double cx = rng.Uniform(-0.1, 1.1) * Width, cy = rng.Uniform(-0.1, 1.1) * Height;
        double level = rng.Normal(0, 1.3), edge = rng.Uniform(0.6, 2.5), keep = rng.Uniform(0.1, 0.5);
        double shade = rng.Normal(0, 0.5), shadeAngle = rng.Uniform(0, 2 * Math.PI);
        double gratingAmp = rng.Chance(0.35) ? rng.Uniform(0.3, 1.0) : 0;
        double gratingTheta = rng.Uniform(0, Math.PI), gratingPeriod = rng.Uniform(5, 30), gratingPhase = rng.Uniform(0, 2 * Math.PI);
        double gx = Math.Cos(gratingTheta) * 2 * Math.PI / gratingPeriod, gy = Math.Sin(gratingTheta) * 2 * Math.PI / gratingPeriod;
        double reach = a + edge + 1;
        int x0 = Math.Max(0, (int)(cx - reach)), x1 = Math.Min(Width - 1, (int)(cx + reach));
        int y0 = Math.Max(0, (int)(cy - reach)), y1 = Math.Min(Height - 1, (int)(cy + reach));
        float fc = (float)c, fs = (float)s, fa2 = (float)(1 / (a * a)), fb2 = (float)(1 / (b * b)), fa = (float)a, fb = (float)b;
        float fEdge = (float)edge, fLevel = (float)level, fKeep = (float)keep, fShade = (float)shade;
        float sc = (float)(Math.Cos(shadeAngle) / a), ss = (float)(Math.Sin(shadeAngle) / a);
        float fgx = (float)gx, fgy = (float)gy, fPhase = (float)gratingPhase, fAmp = (float)gratingAmp;
        for (int y = y0; y <= y1; y++)
        {
            float dy = (float)(y - cy);
            for (int x = x0; x <= x1; x++)
            {
                float dx = (float)(x - cx);
                float u = fc * dx + fs * dy, v = -fs * dx + fc * dy;
                float dist = ellipse
                    ? (MathF.Sqrt(u * u * fa2 + v * v * fb2) - 1) * fb
                    : MathF.Max(MathF.Abs(u) - fa, MathF.Abs(v) - fb);
                float m = Math.Clamp(0.5f - dist / fEdge, 0f, 1f);
                if (m <= 0) continue;
                float inside = fLevel + fShade * (sc * dx + ss * dy);
                if (fAmp > 0) inside += fAmp * MathF.Sin(fgx * dx + fgy * dy + fPhase);
                int i = y * Width + x;
                float value = inside + fKeep * img[i];
                img[i] += m * (value - img[i]);
            }
        }
    }

    /// <summary>0 below −w/2, 1 above +w/2, linear in between.</summary>
    private static double Ramp(double d, double w) => Math.Clamp(0.5 + d / w, 0, 1);

    /// <summary>Mean luminance 95–150 and a log-normal contrast (RMS ~42 grey levels), clipped to 0..255.</summary>
    private static byte[] ToBytes(float[] img, SynthRandom rng)
    {
        double sum = 0, sq = 0;
        foreach (float v in img) { sum += v; sq += (double)v * v; }
        double mean = sum / img.Length, sd = Math.Sqrt(Math.Max(1e-12, sq / img.Length - mean * mean));
        double luminance = rng.Uniform(95, 150), contrast = Math.Clamp(rng.LogNormal(42, 0.35), 12, 75);
        float scale = (float)(contrast / sd), offset = (float)(luminance - scale * mean) + 0.5f;
        var bytes = new byte[img.Length];
        for (int i = 0; i < img.Length; i++)
            bytes[i] = (byte)Math.Clamp((int)MathF.Floor(offset + scale * img[i]), 0, 255);
        return bytes;
    }
}
