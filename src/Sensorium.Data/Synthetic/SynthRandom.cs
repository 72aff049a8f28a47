using System.Text;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// The generator's own random stream (xoshiro256**, seeded through SplitMix64), so that a seed gives the same
/// dataset on every .NET version. Streams are derived from a parent seed and a label ("mouse:26872-17-20:trial:17"),
/// which keeps every part of the dataset independent of the order or the thread it is generated on.
/// </summary>
public sealed class SynthRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SynthRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>The seed of the stream called <paramref name="label"/> below <paramref name="parent"/>.</summary>
    public static ulong Derive(ulong parent, string label)
    {
        ulong h = 14695981039346656037UL; // FNV-1a 64 over UTF-8
        foreach (byte b in Encoding.UTF8.GetBytes(label)) { h ^= b; h *= 1099511628211UL; }
        ulong x = parent ^ h;
        SplitMix(ref x);
        return SplitMix(ref x);
    }

    public static SynthRandom For(ulong parent, string label) => new(Derive(parent, label));

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller, one value per call).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public double Normal(double mean, double sd) => mean + sd * Normal();

    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Normal());

    /// <summary>Gamma(shape, scale 1) by Marsaglia–Tsang; mean = shape.</summary>
    public double Gamma(double shape)
    {
        if (shape <= 0) return 0;
        if (shape < 1) return Gamma(shape + 1) * Math.Pow(1.0 - NextDouble(), 1.0 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>Gamma(k, scale 1) for a whole shape k: the sum of k exponentials (−log of a product of uniforms) up to 16.</summary>
    public double GammaInteger(int k)
    {
        if (k <= 0) return 0;
        if (k > 16) return Gamma(k);
        double product = 1;
        for (int i = 0; i < k; i++) product *= 1.0 - NextDouble();
        return -Math.Log(product);
    }

    /// <summary>Poisson count: multiplication method for small means, rounded normal approximation above 40.</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0) return 0;
        if (mean > 40) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Normal()));
        double limit = Math.Exp(-mean), p = 1;
        int k = 0;
        while (true)
        {
            p *= 1.0 - NextDouble();
            if (p <= limit) return k;
            k++;
        }
    }

    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
