using System.Text.Json;
using System.Text.Json.Nodes;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Sweeps;
using Sensorium.Training.Sweeps;

namespace Sensorium.Web.Features.Sweeps;

/// <summary>POST /api/sweeps: a sweep file's fields (<see cref="SweepDefinition"/>) plus the device its runs ask for.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record SweepRequest(
    string? Name, JsonElement? Base, string? Mode, int? Budget, int? Seed, IReadOnlyList<SweepAxis>? Axes, string? Device)
{
    public SweepDefinition ToDefinition() => new()
    {
        Name = Name, Base = Base, Mode = Mode ?? SweepExpansion.Grid, Budget = Budget, Seed = Seed ?? 0, Axes = Axes ?? [],
    };
}

/// <summary>One run of a sweep: its swept values (field → value, from its stored spec) and how it stands.</summary>
public sealed record SweepRunResponse(
    long Id, string Name, RunStatus Status, double Progress, double? BestScore, string? Error,
    IReadOnlyDictionary<string, JsonElement?> Values, string? StopReason = null);

/// <summary>A sweep as the API shows it to its team; <see cref="Runs"/> and <see cref="BestRunId"/> only on single reads.</summary>
public sealed record SweepResponse(
    long Id, string Name, string Mode, int Budget, int Seed, DateTimeOffset CreatedAt,
    IReadOnlyList<string> Fields, JsonElement Axes, JsonElement? Base, IReadOnlyList<SweepRunResponse>? Runs, long? BestRunId)
{
    public static SweepResponse From(Sweep sweep, IReadOnlyList<Run>? runs)
    {
        var axes = JsonDocument.Parse(sweep.AxesJson).RootElement.Clone();
        var fields = FieldsOf(axes);
        var rows = runs?.Select(r => SweepRows.Of(r, fields)).ToList();
        return new(sweep.Id, sweep.Name, sweep.Mode, sweep.Budget, sweep.Seed, sweep.CreatedAt, fields, axes,
            runs is null ? null : JsonDocument.Parse(sweep.BaseSpecJson).RootElement.Clone(), rows, rows is null ? null : SweepRows.Best(rows));
    }

    public static IReadOnlyList<string> FieldsOf(JsonElement axes) =>
        axes.ValueKind == JsonValueKind.Array
            ? axes.EnumerateArray().Select(a => a.TryGetProperty("field", out var f) ? f.GetString() ?? "" : "").ToList()
            : [];
}

/// <summary>A team's sweep in the list.</summary>
public sealed record SweepListResponse(long Id, string Name, string Mode, IReadOnlyList<string> Fields, DateTimeOffset CreatedAt,
    int Runs, int Finished, int Active, double? BestScore)
{
    public static SweepListResponse From(SweepListItem s) => new(s.Id, s.Name, s.Mode,
        SweepResponse.FieldsOf(JsonDocument.Parse(s.AxesJson).RootElement), s.CreatedAt, s.Runs, s.Finished, s.Active, s.BestScore);
}

/// <summary>What the API and the sweep page show of a sweep's runs.</summary>
public static class SweepRows
{
    /// <summary>The run with its swept fields' values read from its stored spec (null where the path is not there).</summary>
    public static SweepRunResponse Of(Run run, IReadOnlyList<string> fields)
    {
        JsonNode? spec;
        try { spec = JsonNode.Parse(run.SpecJson); }
        catch (JsonException) { spec = null; }
        var values = fields.Distinct().ToDictionary(f => f, f => spec is null ? null
            : SweepExpansion.Get(spec, f) is { } v ? (JsonElement?)JsonSerializer.SerializeToElement(v) : null);
        return new(run.Id, run.Name, run.Status, run.Progress, run.BestScore, run.Error, values, run.StopReason);
    }

    /// <summary>The run with the highest finite validation score, or null while none has one.</summary>
    public static long? Best(IEnumerable<SweepRunResponse> runs) =>
        runs.Where(r => r.BestScore is { } s && double.IsFinite(s)).OrderByDescending(r => r.BestScore).ThenBy(r => r.Id)
            .Select(r => (long?)r.Id).FirstOrDefault();

    /// <summary>The ids of the <paramref name="k"/> best scored runs, best first.</summary>
    public static IReadOnlyList<long> Top(IEnumerable<SweepRunResponse> runs, int k) =>
        runs.Where(r => r.BestScore is { } s && double.IsFinite(s)).OrderByDescending(r => r.BestScore).ThenBy(r => r.Id)
            .Take(k).Select(r => r.Id).ToList();

    /// <summary>A value as a table cell shows it.</summary>
    public static string Text(JsonElement? value) => value switch
    {
        null => "—",
        { ValueKind: JsonValueKind.String } v => v.GetString()!,
        { } v => v.GetRawText(),
    };
}
