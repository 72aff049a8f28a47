namespace Sensorium.Data.Metrics;

/// <summary>Small vector helpers shared by the metrics.</summary>
internal static class Statistics
{
    public static void Add(double[] acc, ReadOnlySpan<double> row)
    {
        for (int j = 0; j < acc.Length; j++) acc[j] += row[j];
    }

    public static void Add(Span<double> acc, ReadOnlySpan<double> row)
    {
        for (int j = 0; j < acc.Length; j++) acc[j] += row[j];
    }

    /// <summary>Divides (not multiplies by a reciprocal), so a mean of equal values is exactly that value, as in numpy.</summary>
    public static void Divide(Span<double> v, double divisor)
    {
        for (int j = 0; j < v.Length; j++) v[j] /= divisor;
    }

    /// <summary>Plain mean; NaN in, NaN out; empty gives NaN, like numpy.</summary>
    public static double Mean(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (double x in v) s += x;
        return s / v.Length;
    }
}
