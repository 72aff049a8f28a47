using System.Runtime.InteropServices;

namespace Sensorium.Data.Metrics;

/// <summary>
/// The evaluator's correlation (sensorium utility/metrics.py and neuralpredictors measures/np_functions.py
/// <c>corr</c>): along the trial axis, z = (x − mean) / (std + 1e-8) with the population std (ddof 0), and
/// corr = mean(z_a · z_b). There is no NaN handling: the eps makes a constant column correlate exactly 0.
/// </summary>
public static class Correlation
{
    /// <summary>The eps added to each standard deviation.</summary>
    public const double Eps = 1e-8;

    /// <summary>Per-column correlation of two (rows × columns) matrices, e.g. trials × neurons.</summary>
    public static double[] PerNeuron(double[,] a, double[,] b)
    {
        CheckSameShape(a, b);
        return PerColumn(Flat(a), Flat(b), a.GetLength(0), a.GetLength(1));
    }

    /// <summary>Mean over columns of <see cref="PerNeuron"/>.</summary>
    public static double Mean(double[,] a, double[,] b) => Statistics.Mean(PerNeuron(a, b));

    /// <summary>
    /// Per-column correlation of two row-major (rows × columns) matrices: two sweeps over the rows (means, then
    /// centred co-moments), so memory is read in order and nothing is allocated per column. The two-pass form keeps
    /// a constant column's variance exactly 0, which the eps then turns into a correlation of exactly 0.
    /// </summary>
    // Hot loop of a one-shot command: compile fully optimized at once (no tier-0 first pass).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static double[] PerColumn(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int rows, int columns)
    {
        if (a.Length != (long)rows * columns || b.Length != a.Length)
            throw new ArgumentException($"expected {rows}×{columns} values, got {a.Length} and {b.Length}");
        var meanA = new double[columns];
        var meanB = new double[columns];
        for (int t = 0; t < rows; t++)
        {
            Statistics.Add(meanA, a.Slice(t * columns, columns));
            Statistics.Add(meanB, b.Slice(t * columns, columns));
        }
        Statistics.Divide(meanA, rows);
        Statistics.Divide(meanB, rows);

        var saa = new double[columns];
        var sbb = new double[columns];
        var sab = new double[columns];
        for (int t = 0; t < rows; t++)
        {
            var ra = a.Slice(t * columns, columns);
            var rb = b.Slice(t * columns, columns);
            for (int j = 0; j < columns; j++)
            {
                double da = ra[j] - meanA[j], db = rb[j] - meanB[j];
                saa[j] += da * da;
                sbb[j] += db * db;
                sab[j] += da * db;
            }
        }
        return FromMoments(saa, sbb, sab, rows);
    }

    /// <summary>corr_j from centred sums of squares and products over n rows.</summary>
    internal static double[] FromMoments(double[] saa, double[] sbb, double[] sab, int n)
    {
        var r = new double[saa.Length];
        for (int j = 0; j < r.Length; j++)
        {
            double sa = Math.Sqrt(saa[j] / n) + Eps, sb = Math.Sqrt(sbb[j] / n) + Eps;
            r[j] = sab[j] / n / (sa * sb);
        }
        return r;
    }

    internal static ReadOnlySpan<double> Flat(double[,] m) =>
        m.Length == 0 ? ReadOnlySpan<double>.Empty : MemoryMarshal.CreateReadOnlySpan(ref m[0, 0], m.Length);

    internal static void CheckSameShape(double[,] a, double[,] b)
    {
        if (a.GetLength(0) != b.GetLength(0) || a.GetLength(1) != b.GetLength(1))
            throw new ArgumentException($"shapes differ: {a.GetLength(0)}×{a.GetLength(1)} vs {b.GetLength(0)}×{b.GetLength(1)}");
    }
}
