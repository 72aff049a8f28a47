using System.Globalization;
using System.Text.Json;
using Sensorium.Web.Features.Charts;

namespace Sensorium.Web.Features.Sweeps;

/// <summary>One scatter of a sweep's page: validation score against one swept field's value, the best run marked.</summary>
public sealed record SweepPlot(string Field, string XLabel, IReadOnlyList<ChartPoint> Points, ChartPoint? Best);

public static class SweepPlots
{
    /// <summary>
    /// One plot per field over the runs that have a finite score. Numbers are plotted as they are (log10 of the value
    /// for a field swept over a log range); other values (strings, true/false) at 0, 1, 2, … in order of first
    /// appearance, named in the axis label.
    /// </summary>
    public static IReadOnlyList<SweepPlot> Of(IReadOnlyList<string> fields, JsonElement axes, IReadOnlyList<SweepRunResponse> runs, long? bestRunId)
    {
        var scored = runs.Where(r => r.BestScore is { } s && double.IsFinite(s)).ToList();
        var plots = new List<SweepPlot>();
        foreach (var field in fields.Distinct())
        {
            bool log = IsLogRange(axes, field);
            var categories = new List<string>();
            bool numeric = scored.All(r => r.Values.GetValueOrDefault(field) is { ValueKind: JsonValueKind.Number });
            var points = new List<ChartPoint>();
            ChartPoint? best = null;
            foreach (var run in scored)
            {
                var value = run.Values.GetValueOrDefault(field);
                double x;
                if (numeric)
                {
                    x = value!.Value.GetDouble();
                    if (log) x = Math.Log10(x);
                }
                else
                {
                    var text = SweepRows.Text(value);
                    if (!categories.Contains(text)) categories.Add(text);
                    x = categories.IndexOf(text);
                }
                var point = new ChartPoint(x, run.BestScore!.Value, run.Id);
                points.Add(point);
                if (run.Id == bestRunId) best = point;
            }
            var label = numeric
                ? (log ? $"log10 {field}" : field)
                : $"{field} ({string.Join(", ", categories.Select((c, i) => $"{i} = {c}"))})";
            plots.Add(new SweepPlot(field, label, points, best));
        }
        return plots;
    }

    static bool IsLogRange(JsonElement axes, string field) =>
        axes.ValueKind == JsonValueKind.Array && axes.EnumerateArray().Any(a =>
            a.TryGetProperty("field", out var f) && f.GetString() == field
            && a.TryGetProperty("range", out var r) && r.ValueKind == JsonValueKind.Object
            && r.TryGetProperty("log", out var l) && l.ValueKind == JsonValueKind.True);

    public static string Score(double? score) => score is { } s && double.IsFinite(s) ? s.ToString("F4", CultureInfo.InvariantCulture) : "—";
}
