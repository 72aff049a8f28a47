// Hand-made SVG, kept over MudBlazor's MudChart (issue 10): the curves need a numeric x axis (batches at fractional epochs), a log y scale, vertical incident markers, a viridis scatter with equal units and histograms, which MudBlazor 9.12's MudChart lacks (it has no logarithmic axis at all: no such member in MudBlazor.dll 9.12.0; the others we did not find either); ChartTests and RunCurvesTests pin them (the reason is features, not speed).
using System.Globalization;

namespace Sensorium.Web.Features.Charts;

/// <summary>A point of a line or scatter chart; <see cref="Value"/> colours scatter points (e.g. depth).</summary>
public readonly record struct ChartPoint(double X, double Y, double Value = 0);

/// <summary>One line of a <see cref="LineChart"/>. <see cref="Step"/> draws a staircase (values that hold until the next point, e.g. a learning rate).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points)
{
    public bool Step { get; init; }
    public bool Dashed { get; init; }
    public double StrokeWidth { get; init; } = 1.5;
    public double Opacity { get; init; } = 1;

    /// <summary>Draw a dot at every point (with a tooltip); always done for a series of one point.</summary>
    public bool ShowPoints { get; init; }

    /// <summary>Format of the value shown next to the name in the legend (the last point's y).</summary>
    public string ValueFormat { get; init; } = "G4";
}

/// <summary>Smoothing of a noisy curve, as W&amp;B and TensorBoard do it.</summary>
public static class Smoothing
{
    /// <summary>
    /// Exponential moving average with the start-up bias corrected (the first points are not pulled toward 0):
    /// weight 0 returns the points as they are, 0.99 a very smooth curve. Non-finite values are kept and skipped.
    /// </summary>
    public static IReadOnlyList<ChartPoint> Ema(IReadOnlyList<ChartPoint> points, double weight)
    {
        if (weight <= 0) return points;
        var smoothed = new List<ChartPoint>(points.Count);
        double average = 0;
        int n = 0;
        foreach (var p in points)
        {
            if (!double.IsFinite(p.Y)) { smoothed.Add(p); continue; }
            n++;
            average = weight * average + (1 - weight) * p.Y;
            smoothed.Add(p with { Y = average / (1 - Math.Pow(weight, n)) });
        }
        return smoothed;
    }
}

/// <summary>A vertical line at <see cref="X"/> with a label (e.g. the best epoch).</summary>
public sealed record ChartMarker(double X, string Label, string Color = "#c62828");

/// <summary>Counts of values in equal-width bins between <see cref="Min"/> and <see cref="Max"/>.</summary>
public sealed record Histogram(double Min, double Max, int[] Counts)
{
    public double BinWidth => Counts.Length == 0 ? 0 : (Max - Min) / Counts.Length;
    public int Total => Counts.Sum();

    /// <summary>Bins the finite values; all-equal values give one bin of width 1 around them.</summary>
    public static Histogram Of(IEnumerable<double> values, int bins = 30)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return new Histogram(0, 1, []);
        double min = finite.Min(), max = finite.Max();
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max))) return new Histogram(min - 0.5, max + 0.5, [finite.Length]);
        var counts = new int[bins];
        double width = (max - min) / bins;
        foreach (var v in finite) counts[Math.Min(bins - 1, (int)((v - min) / width))]++;
        return new Histogram(min, max, counts);
    }
}

/// <summary>A linear or log10 axis: data domain → pixel range, and its ticks with labels.</summary>
public sealed class ChartScale
{
    public double Min { get; }
    public double Max { get; }
    public bool Log { get; }
    readonly double from, to;

    /// <param name="from">Pixel of <paramref name="min"/>.</param>
    /// <param name="to">Pixel of <paramref name="max"/> (smaller than from for a y axis).</param>
    public ChartScale(double min, double max, double from, double to, bool log = false)
    {
        Log = log;
        if (log)
        {
            min = Math.Log10(min);
            max = Math.Log10(max);
        }
        if (!(max > min)) (min, max) = (min - 0.5, max + 0.5);
        (Min, Max, this.from, this.to) = (min, max, from, to);
    }

    /// <summary>Pixel of a data value (values ≤ 0 on a log axis go to its lower end).</summary>
    public double Map(double value)
    {
        double v = Log ? (value > 0 ? Math.Log10(value) : Min) : value;
        return from + (v - Min) / (Max - Min) * (to - from);
    }

    /// <summary>The data value at a pixel (inverse of <see cref="Map"/>).</summary>
    public double Invert(double pixel)
    {
        double v = Min + (pixel - from) / (to - from) * (Max - Min);
        return Log ? Math.Pow(10, v) : v;
    }

    public IReadOnlyList<(double Pixel, string Label)> Ticks(int target = 5)
    {
        var ticks = new List<(double, string)>();
        if (Log)
        {
            int first = (int)Math.Floor(Min), last = (int)Math.Ceiling(Max);
            // Over a few decades, ticks at the decades (every k-th when many); within one or two, at 1, 2 and 5 × 10^e.
            double[] mantissas = Max - Min <= 2.5 ? [1, 2, 5] : [1];
            int every = Math.Max(1, (last - first + target - 1) / target);
            var logValues = new List<double>();
            for (int e = first; e <= last; e += every)
                foreach (var m in mantissas)
                {
                    double v = Math.Log10(m) + e;
                    if (v >= Min - 1e-9 && v <= Max + 1e-9) logValues.Add(v);
                }
            // One notation per axis: "0.01" beside "5e-3" reads as two scales.
            bool plain = logValues.All(v => Math.Pow(10, v) is >= 0.01 and < 1e4);
            foreach (var v in logValues) ticks.Add((from + (v - Min) / (Max - Min) * (to - from), LogLabel(Math.Pow(10, v), plain)));
            return ticks;
        }
        var values = Nice(Min, Max, target, out double step);
        foreach (var t in values) ticks.Add((Map(t), Format(t, step)));
        return ticks;
    }

    /// <summary>Round tick values (1, 2, 5 × 10^k steps) inside [min, max].</summary>
    public static List<double> Nice(double min, double max, int target, out double step)
    {
        double raw = (max - min) / Math.Max(1, target);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double fraction = raw / magnitude;
        step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * magnitude;
        var list = new List<double>();
        double start = Math.Ceiling(min / step - 1e-9);
        for (int k = 0; (start + k) * step <= max + step * 1e-9 && k < 100; k++)
        {
            double t = (start + k) * step;
            list.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        }
        return list;
    }

    /// <summary>A tick label with as many decimals as the step needs (1e4 and up in thousands: "12k").</summary>
    public static string Format(double value, double step)
    {
        if (step >= 1000) return value == 0 ? "0" : (value / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k";
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step) + 1e-9), 0, 6);
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>0.05, 2, 300 when every tick of the axis lies between 0.01 and 10^4; otherwise 5e-2, 2e0, 3e2.</summary>
    static string LogLabel(double v, bool plain) => plain
        ? v.ToString("G3", CultureInfo.InvariantCulture)
        : v.ToString("0.#e0", CultureInfo.InvariantCulture);

    /// <summary>Domain of values with a margin, widened when empty or flat.</summary>
    public static (double Min, double Max) Domain(IEnumerable<double> values, double pad = 0.05, bool log = false)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!double.IsFinite(v) || (log && v <= 0)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (min > max) return log ? (0.1, 1) : (0, 1);
        if (log)
        {
            if (max / min < 1.0001) return (min / 2, max * 2);
            double f = Math.Pow(max / min, pad);
            return (min / f, max * f);
        }
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max))) return (min - Math.Max(0.5, Math.Abs(min) * 0.1), max + Math.Max(0.5, Math.Abs(max) * 0.1));
        double margin = (max - min) * pad;
        return (min - margin, max + margin);
    }
}

/// <summary>Number formatting for SVG attributes: invariant, one decimal.</summary>
public static class Svg
{
    public static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Invariant, up to three decimals (data values in attributes, e.g. a zoomed range).</summary>
    public static string N3(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The colours of the lines, in order (colour-blind friendly, Okabe–Ito then Tableau).</summary>
    public static readonly IReadOnlyList<string> Palette =
        ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#4E79A7", "#59A14F", "#B07AA1"];

    /// <summary>Viridis, t in [0, 1].</summary>
    public static string Viridis(double t)
    {
        ReadOnlySpan<(double R, double G, double B)> stops =
        [
            (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
        ];
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        double p = t * (stops.Length - 1);
        int i = Math.Min(stops.Length - 2, (int)p);
        double f = p - i;
        var (a, b) = (stops[i], stops[i + 1]);
        return $"#{(int)(a.R + (b.R - a.R) * f):x2}{(int)(a.G + (b.G - a.G) * f):x2}{(int)(a.B + (b.B - a.B) * f):x2}";
    }
}

/// <summary>The plot rectangle inside a chart's viewBox, in pixels.</summary>
public readonly record struct PlotArea(double Left, double Top, double Right, double Bottom)
{
    /// <summary>A <paramref name="width"/> × <paramref name="height"/> chart with room for tick labels and axis titles.</summary>
    public static PlotArea For(int width, int height) => new(60, 12, width - 14, height - 40);
}
