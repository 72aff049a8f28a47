using System.Numerics;

namespace Sensorium.Data.Preprocessing;

/// <summary>
/// The loader's ScaleInputs: skimage.transform.rescale(x, scale, order=1, mode="reflect", anti_aliasing=False,
/// preserve_range=True, clip=True, channel_axis=0) on one (H, W) plane, in double. skimage ≥ 0.19 calls
/// ndimage.zoom with grid_mode=True and ndimage mode "mirror": output size round(scale·n) (half to even, at least 1),
/// output pixel o samples input coordinate (o + 0.5)·n/m − 0.5 bilinearly, mirroring coordinates outside [0, n−1];
/// the result is clipped to the input's [min, max]. For scale 0.25 that is 4o + 1.5, the mean of the inner 2×2
/// block of each 4×4 block; for scale 1 it is the identity.
/// </summary>
public sealed class ScaleInputs
{
    private readonly Taps _rows, _cols;

    public ScaleInputs(int height, int width, double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be a positive number");
        InHeight = height;
        InWidth = width;
        Scale = scale;
        _rows = new Taps(height, OutputSize(height, scale));
        _cols = new Taps(width, OutputSize(width, scale));
        RowNeeded = new bool[height];
        for (int o = 0; o < _rows.Count; o++) { RowNeeded[_rows.I0[o]] = true; if (_rows.W1[o] != 0) RowNeeded[_rows.I1[o]] = true; }
    }

    public int InHeight { get; }
    public int InWidth { get; }
    public double Scale { get; }
    public int OutHeight => _rows.Count;
    public int OutWidth => _cols.Count;

    /// <summary>True when the output grid is the input grid (scale 1): every output pixel is its input pixel.</summary>
    public bool IsIdentity => OutHeight == InHeight && OutWidth == InWidth;

    /// <summary>Source rows that contribute to the output (the others need not be decoded).</summary>
    public bool[] RowNeeded { get; }

    /// <summary>skimage's output size: max(1, round(scale · n)), rounding half to even like numpy.</summary>
    public static int OutputSize(int n, double scale) => Math.Max(1, (int)Math.Round(scale * n, MidpointRounding.ToEven));

    /// <summary>
    /// Rescales one plane (H·W, row-major) into <paramref name="output"/> (OutHeight·OutWidth). Rows of
    /// <paramref name="plane"/> not in <see cref="RowNeeded"/> are not read. <paramref name="min"/>/<paramref name="max"/>
    /// are the plane's range (for skimage's clip); <paramref name="rowBuffer"/> needs InHeight·OutWidth doubles.
    /// </summary>
    public void Rescale(ReadOnlySpan<double> plane, double min, double max, Span<double> rowBuffer, Span<double> output)
    {
        int w = InWidth, ow = OutWidth;
        if (plane.Length != InHeight * w) throw new ArgumentException($"plane holds {plane.Length} values, expected {InHeight}×{w}");
        if (output.Length != OutHeight * ow) throw new ArgumentException($"output holds {output.Length} values, expected {OutHeight}×{ow}");
        // Horizontal pass over the needed rows: (H, W) → (H, OW).
        for (int y = 0; y < InHeight; y++)
        {
            if (!RowNeeded[y]) continue;
            var src = plane.Slice(y * w, w);
            var dst = rowBuffer.Slice(y * ow, ow);
            for (int p = 0; p < ow; p++) dst[p] = _cols.W0[p] * src[_cols.I0[p]] + _cols.W1[p] * src[_cols.I1[p]];
        }
        // Vertical pass: (H, OW) → (OH, OW), then clip to the input range.
        for (int o = 0; o < OutHeight; o++)
        {
            var r0 = rowBuffer.Slice(_rows.I0[o] * ow, ow);
            var r1 = rowBuffer.Slice(_rows.I1[o] * ow, ow);
            double w0 = _rows.W0[o], w1 = _rows.W1[o];
            var dst = output.Slice(o * ow, ow);
            if (w1 == 0)
                for (int p = 0; p < ow; p++) dst[p] = Math.Clamp(w0 * r0[p], min, max);
            else
                for (int p = 0; p < ow; p++) dst[p] = Math.Clamp(w0 * r0[p] + w1 * r1[p], min, max);
        }
    }

    /// <summary>
    /// The loader's path for uint8 images: <paramref name="table"/>[v] is the normalized value of pixel value v. Same
    /// arithmetic, bit for bit, as normalizing the plane and calling the double overload, but only the needed rows
    /// and columns are looked up, and the result is stored as float32.
    /// </summary>
    public void Rescale(ReadOnlySpan<byte> plane, ReadOnlySpan<double> table, Span<double> rowBuffer, Span<float> output)
    {
        int w = InWidth, ow = OutWidth;
        if (plane.Length != InHeight * w) throw new ArgumentException($"plane holds {plane.Length} values, expected {InHeight}×{w}");
        if (output.Length != OutHeight * ow) throw new ArgumentException($"output holds {output.Length} values, expected {OutHeight}×{ow}");
        if (table.Length != 256) throw new ArgumentException("the table needs 256 entries");
        var (lo, hi) = ByteRange(plane);
        double min = Math.Min(table[lo], table[hi]), max = Math.Max(table[lo], table[hi]);
        for (int y = 0; y < InHeight; y++)
        {
            if (!RowNeeded[y]) continue;
            var src = plane.Slice(y * w, w);
            var dst = rowBuffer.Slice(y * ow, ow);
            for (int p = 0; p < ow; p++) dst[p] = _cols.W0[p] * table[src[_cols.I0[p]]] + _cols.W1[p] * table[src[_cols.I1[p]]];
        }
        for (int o = 0; o < OutHeight; o++)
        {
            var r0 = rowBuffer.Slice(_rows.I0[o] * ow, ow);
            var r1 = rowBuffer.Slice(_rows.I1[o] * ow, ow);
            double w0 = _rows.W0[o], w1 = _rows.W1[o];
            var dst = output.Slice(o * ow, ow);
            if (w1 == 0)
                for (int p = 0; p < ow; p++) dst[p] = (float)Math.Clamp(w0 * r0[p], min, max);
            else
                for (int p = 0; p < ow; p++) dst[p] = (float)Math.Clamp(w0 * r0[p] + w1 * r1[p], min, max);
        }
    }

    /// <summary>Smallest and largest byte (vectorized).</summary>
    public static (byte Min, byte Max) ByteRange(ReadOnlySpan<byte> values)
    {
        byte lo = 255, hi = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<byte>.Count)
        {
            var vmin = new Vector<byte>(255);
            var vmax = Vector<byte>.Zero;
            for (; i <= values.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                var v = new Vector<byte>(values.Slice(i));
                vmin = Vector.Min(vmin, v);
                vmax = Vector.Max(vmax, v);
            }
            for (int k = 0; k < Vector<byte>.Count; k++) { lo = Math.Min(lo, vmin[k]); hi = Math.Max(hi, vmax[k]); }
        }
        for (; i < values.Length; i++) { lo = Math.Min(lo, values[i]); hi = Math.Max(hi, values[i]); }
        return (lo, hi);
    }

    /// <summary>Rescales a whole plane in double (convenience for tests and one-off use).</summary>
    public double[] Rescale(ReadOnlySpan<double> plane)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in plane) { min = Math.Min(min, v); max = Math.Max(max, v); }
        var output = new double[OutHeight * OutWidth];
        Rescale(plane, min, max, new double[InHeight * OutWidth], output);
        return output;
    }

    /// <summary>Two-tap linear interpolation weights along one axis (ndimage order 1, grid mode, mirror extension).</summary>
    private sealed class Taps
    {
        public readonly int[] I0, I1;
        public readonly double[] W0, W1;
        public int Count => I0.Length;

        public Taps(int n, int m)
        {
            I0 = new int[m]; I1 = new int[m]; W0 = new double[m]; W1 = new double[m];
            double zoom = (double)n / m;
            for (int o = 0; o < m; o++)
            {
                double c = Mirror((o + 0.5) * zoom - 0.5, n);
                int i = (int)Math.Floor(c);
                double t = c - i;
                if (i >= n - 1) { i = n - 1; t = 0; }
                I0[o] = i;
                I1[o] = Math.Min(i + 1, n - 1);
                W0[o] = 1 - t;
                W1[o] = t;
            }
        }

        /// <summary>ndimage "mirror": reflect about the first and last sample centres without repeating them.</summary>
        private static double Mirror(double c, int n)
        {
            if (n <= 1) return 0;
            double period = 2.0 * (n - 1);
            if (c < 0 || c > n - 1)
            {
                c %= period;
                if (c < 0) c += period;
                if (c > n - 1) c = period - c;
            }
            return c;
        }
    }
}
