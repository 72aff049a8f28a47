using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sensorium.Data;

namespace Sensorium.Training.Sweeps;

/// <summary>One run of a sweep: its spec and the value of each swept field, in the order of the axes.</summary>
public sealed record SweepPoint(int Index, RunSpec Spec, IReadOnlyList<SweepValue> Values)
{
    /// <summary>e.g. <c>trainer.lrInit=0.003 seed=1</c>.</summary>
    public string Label => string.Join(' ', Values.Select(v => $"{v.Field}={v.Text}"));
}

/// <summary>The value a point gives one swept field.</summary>
public sealed record SweepValue(string Field, JsonElement Value)
{
    public string Text => Value.ValueKind == JsonValueKind.String ? Value.GetString()! : Value.GetRawText();
}

/// <summary>
/// Turns a sweep (base spec + axes) into run specs — a pure function: the same definition gives the same specs, in
/// the same order. Every problem is a <see cref="SweepException"/> naming the field (or "base", "mode", "budget",
/// "axes"): an unknown path (with the fields that exist there), a value of the wrong type, an empty axis, a range
/// in grid mode, a grid larger than the budget, a combination the trainer would refuse.
/// </summary>
public static class SweepExpansion
{
    public const string Grid = "grid", Random = "random";

    /// <summary>The most runs one sweep may have.</summary>
    public const int MaxRuns = 1000;

    public static IReadOnlyList<SweepPoint> Expand(SweepDefinition sweep)
    {
        if (sweep.Base is not { ValueKind: JsonValueKind.Object } baseJson)
            throw new SweepException("base", "the base run spec must be a JSON object");
        return Expand(baseJson.GetRawText(), sweep.Axes, sweep.Mode, sweep.Budget, sweep.Seed);
    }

    public static IReadOnlyList<SweepPoint> Expand(string baseSpecJson, IReadOnlyList<SweepAxis> axes, string mode, int? budget, int seed)
    {
        RunSpec baseSpec;
        try { baseSpec = RunSpec.FromJson(baseSpecJson, "base"); }
        catch (DataFormatException e) { throw new SweepException("base", e.Problem); }
        var baseProblems = baseSpec.Validate();
        if (baseProblems.Count > 0) throw new SweepException("base", string.Join("; ", baseProblems));
        // The canonical form (every field written, the role format of the model): the paths a sweep may name.
        var canonical = JsonNode.Parse(baseSpec.ToJson())!.AsObject();

        if (mode is not (Grid or Random)) throw new SweepException("mode", $"must be {Grid} or {Random} (got '{mode}')");
        if (axes.Count == 0) throw new SweepException("axes", "a sweep needs at least one field to vary");
        if (budget is { } b && (b < 1 || b > MaxRuns)) throw new SweepException("budget", $"must be in [1, {MaxRuns}] (got {b})");
        if (mode == Random && budget is null) throw new SweepException("budget", "random mode needs a budget (the number of runs to draw)");

        var resolved = axes.Select((axis, i) => Resolve(canonical, axis, i, mode)).ToList();
        var duplicate = resolved.GroupBy(a => a.Field).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new SweepException(duplicate.Key, "is swept twice; give each field one axis");

        var combinations = mode == Grid ? GridOf(resolved, budget) : Draw(resolved, budget!.Value, seed);
        return combinations.Select((values, index) => Point(canonical, resolved, values, index)).ToList();
    }

    /// <summary>The value at a dotted path of a spec's JSON, or null when the path is not there.</summary>
    public static JsonNode? Get(JsonNode spec, string path)
    {
        JsonNode? node = spec;
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return null;
        }
        return node;
    }

    sealed record Axis(string Field, IReadOnlyList<JsonElement>? Values, SweepRange? Range, bool Integer);

    static Axis Resolve(JsonObject canonical, SweepAxis axis, int index, string mode)
    {
        var field = axis.Field?.Trim() ?? "";
        if (field.Length == 0) throw new SweepException($"axes[{index}].field", "is empty; name a field of the run spec, e.g. trainer.lrInit");
        var (parent, key) = Locate(canonical, field);
        var current = parent[key];
        if (current is JsonObject inner)
            throw new SweepException(field, $"is an object; sweep one of its fields: {string.Join(", ", inner.Select(p => field + "." + p.Key))}");

        if (axis.Values is not null && axis.Range is not null)
            throw new SweepException(field, "give values or a range, not both");
        if (axis.Range is { } range)
        {
            if (mode == Grid) throw new SweepException(field, "a range needs random mode (--random N); a grid takes values");
            if (current is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                throw new SweepException(field, $"is not a number (it is {Describe(current)}); a range needs a numeric field");
            if (!(double.IsFinite(range.Low) && double.IsFinite(range.High)) || range.Low >= range.High)
                throw new SweepException(field, $"the range {Format(range.Low)}:{Format(range.High)} is empty; low must be below high");
            if (range.Log && range.Low <= 0)
                throw new SweepException(field, $"a log range needs a positive low bound (got {Format(range.Low)})");
            bool integer = !Accepts(canonical, field, JsonValue.Create(0.5));
            if (integer && Math.Ceiling(range.Low) > Math.Floor(range.High))
                throw new SweepException(field, $"takes whole numbers and {Format(range.Low)}:{Format(range.High)} holds none");
            return new Axis(field, null, range, integer);
        }
        if (axis.Values is null || axis.Values.Count == 0)
            throw new SweepException(field, "has no values (give at least one value, or a range)");

        var values = axis.Values.Select(value => Coerce(current, value)).ToList();
        var repeated = values.GroupBy(v => v.GetRawText()).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new SweepException(field, $"the value {repeated.Key} is given twice");
        foreach (var value in values)
        {
            if (current is JsonValue existing && existing.GetValueKind() is var kind and (JsonValueKind.Number or JsonValueKind.String)
                && value.ValueKind != kind && value.ValueKind != JsonValueKind.Null)
                throw new SweepException(field, $"takes a {(kind == JsonValueKind.Number ? "number" : "string")}; {value.GetRawText()} is {Describe(JsonNode.Parse(value.GetRawText()))}");
            var problem = Problem(canonical, field, JsonNode.Parse(value.GetRawText()));
            if (problem is not null) throw new SweepException(field, $"the value {value.GetRawText()} is not accepted: {problem}");
        }
        return new Axis(field, values, null, false);
    }

    /// <summary>The object holding the path's last part, or an error naming the first part that is not there.</summary>
    static (JsonObject Parent, string Key) Locate(JsonObject canonical, string field)
    {
        var parts = field.Split('.');
        var node = canonical;
        for (int i = 0; i < parts.Length; i++)
        {
            var soFar = string.Join('.', parts.Take(i));
            if (!node.ContainsKey(parts[i]))
            {
                var near = node.Select(p => (soFar.Length > 0 ? soFar + "." : "") + p.Key);
                throw new SweepException(field, $"is not a field of the run spec; {(soFar.Length > 0 ? soFar : "the spec")} has: {string.Join(", ", near)}");
            }
            if (i == parts.Length - 1) return (node, parts[i]);
            if (node[parts[i]] is not JsonObject next)
                throw new SweepException(field, $"{string.Join('.', parts.Take(i + 1))} is {Describe(node[parts[i]])}, not an object with fields");
            node = next;
        }
        throw new SweepException(field, "is empty");
    }

    /// <summary>A command-line value for a string field stays the text the user typed (e.g. "0" for a string).</summary>
    static JsonElement Coerce(JsonNode? current, JsonElement value) =>
        current is JsonValue v && v.GetValueKind() == JsonValueKind.String && value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
            ? JsonSerializer.SerializeToElement(value.GetRawText())
            : value;

    static bool Accepts(JsonObject canonical, string field, JsonNode value) => Problem(canonical, field, value) is null;

    /// <summary>What the spec reader says of the base with only this field changed (null: accepted).</summary>
    static string? Problem(JsonObject canonical, string field, JsonNode? value)
    {
        var copy = canonical.DeepClone().AsObject();
        var (parent, key) = Locate(copy, field);
        parent[key] = value;
        try
        {
            RunSpec.FromJson(copy.ToJsonString(), "spec");
            return null;
        }
        catch (DataFormatException e)
        {
            return e.Problem;
        }
    }

    static IEnumerable<IReadOnlyList<JsonElement>> GridOf(IReadOnlyList<Axis> axes, int? budget)
    {
        long size = 1;
        foreach (var axis in axes) size = Math.Min(size * axis.Values!.Count, long.MaxValue / 1024);
        var limit = budget ?? MaxRuns;
        if (size > limit)
            throw new SweepException(budget is null ? "axes" : "budget",
                $"the grid has {size} runs ({string.Join(" × ", axes.Select(a => $"{a.Values!.Count} {a.Field}"))}), more than {(budget is null ? $"the most a sweep may have ({MaxRuns})" : $"the budget of {budget}")}; drop values or use random mode");
        IEnumerable<IReadOnlyList<JsonElement>> result = [[]];
        foreach (var axis in axes)
            result = result.SelectMany(prefix => axis.Values!.Select(v => (IReadOnlyList<JsonElement>)[.. prefix, v])).ToList();
        return result;
    }

    /// <summary><paramref name="count"/> distinct points drawn with <see cref="System.Random"/> seeded by <paramref name="seed"/>
    /// (its seeded sequence is fixed across .NET versions).</summary>
    static IEnumerable<IReadOnlyList<JsonElement>> Draw(IReadOnlyList<Axis> axes, int count, int seed)
    {
        double distinct = 1;
        foreach (var axis in axes)
            distinct *= axis.Values?.Count ?? (axis.Integer ? Math.Floor(axis.Range!.High) - Math.Ceiling(axis.Range.Low) + 1 : double.PositiveInfinity);
        if (distinct < count)
            throw new SweepException("budget", $"the axes have only {distinct} distinct combinations, fewer than the budget of {count}; lower the budget or use grid mode");
        var random = new Random(seed);
        var seen = new HashSet<string>();
        var points = new List<IReadOnlyList<JsonElement>>();
        for (int attempt = 0; points.Count < count; attempt++)
        {
            if (attempt > count * 1000) throw new SweepException("budget", $"drew only {points.Count} distinct points of {count}; lower the budget");
            var point = axes.Select(a => DrawOne(a, random)).ToList();
            if (seen.Add(string.Join('\u0001', point.Select(p => p.GetRawText())))) points.Add(point);
        }
        return points;
    }

    static JsonElement DrawOne(Axis axis, Random random)
    {
        if (axis.Values is { } values) return values[random.Next(values.Count)];
        var r = axis.Range!;
        double u = random.NextDouble();
        double x = r.Log ? Math.Exp(Math.Log(r.Low) + u * (Math.Log(r.High) - Math.Log(r.Low))) : r.Low + u * (r.High - r.Low);
        if (axis.Integer)
            return JsonSerializer.SerializeToElement((long)Math.Clamp(Math.Round(x), Math.Ceiling(r.Low), Math.Floor(r.High)));
        // Four significant digits: a value a person can read in a table and type again.
        return JsonSerializer.SerializeToElement(Math.Clamp(double.Parse(x.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), r.Low, r.High));
    }

    static SweepPoint Point(JsonObject canonical, IReadOnlyList<Axis> axes, IReadOnlyList<JsonElement> values, int index)
    {
        var copy = canonical.DeepClone().AsObject();
        for (int i = 0; i < axes.Count; i++)
        {
            var (parent, key) = Locate(copy, axes[i].Field);
            parent[key] = JsonNode.Parse(values[i].GetRawText());
        }
        var sweptValues = axes.Select((a, i) => new SweepValue(a.Field, values[i])).ToList();
        var label = string.Join(' ', sweptValues.Select(v => $"{v.Field}={v.Text}"));
        RunSpec spec;
        try { spec = RunSpec.FromJson(copy.ToJsonString(), "spec"); }
        catch (DataFormatException e) { throw new SweepException("axes", $"run {index + 1} ({label}): {e.Problem}"); }
        var problems = spec.Validate();
        if (problems.Count > 0) throw new SweepException("axes", $"run {index + 1} ({label}) is not a valid run: {string.Join("; ", problems)}");
        return new SweepPoint(index, spec, sweptValues);
    }

    static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.Number => "a number",
            JsonValueKind.String => "a string",
            JsonValueKind.True or JsonValueKind.False => "true/false",
            _ => "a value",
        },
        _ => "a value",
    };

    static string Format(double x) => x.ToString("G", CultureInfo.InvariantCulture);
}
