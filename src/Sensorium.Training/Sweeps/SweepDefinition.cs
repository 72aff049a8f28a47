using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sensorium.Training.Sweeps;

/// <summary>
/// A sweep: a base run spec plus values or a range for some of its fields (dotted JSON paths of the spec, e.g.
/// <c>trainer.lrInit</c>, <c>model.core.hiddenChannels</c>, <c>seed</c>). <c>grid</c> trains every combination of
/// the values (at most <see cref="Budget"/>, when given); <c>random</c> draws <see cref="Budget"/> distinct points,
/// seeded by <see cref="Seed"/> so the same definition always gives the same runs. The same JSON is a sweep file of
/// <c>sensorium sweep --file</c> and the body of <c>POST /api/sweeps</c>; <see cref="SweepExpansion.Expand"/> turns
/// it into run specs.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SweepDefinition
{
    public string? Name { get; init; }

    /// <summary>The base run spec (a JSON object, as <see cref="RunSpec.FromJson"/> reads it).</summary>
    public JsonElement? Base { get; init; }

    /// <summary><see cref="SweepExpansion.Grid"/> (default) or <see cref="SweepExpansion.Random"/>.</summary>
    public string Mode { get; init; } = SweepExpansion.Grid;

    /// <summary>Runs at most (grid: optional, the grid must fit; random: required, the number of points drawn).</summary>
    public int? Budget { get; init; }

    /// <summary>Seeds the random draws (random mode only; not the runs' own <c>seed</c>, which can be an axis).</summary>
    public int Seed { get; init; }

    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>The JSON options of sweep files and the API (camelCase, unknown keys are errors).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads a sweep file; malformed JSON and unknown keys name the JSON path.</summary>
    public static SweepDefinition FromJson(string json, string source = "sweep")
    {
        try
        {
            return JsonSerializer.Deserialize<SweepDefinition>(json, Json) ?? throw new SweepException(source, "the sweep is null");
        }
        catch (JsonException e)
        {
            throw new SweepException(source, $"invalid sweep at {e.Path ?? "$"}: {e.Message}");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>One swept field: either <see cref="Values"/> (grid or random choice) or a numeric <see cref="Range"/> (random only).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SweepAxis
{
    /// <summary>The dotted path of the field in the run spec, e.g. <c>trainer.lrInit</c>.</summary>
    public string Field { get; init; } = "";

    public IReadOnlyList<JsonElement>? Values { get; init; }

    public SweepRange? Range { get; init; }

    /// <summary>From the command line's <c>FIELD=V1,V2,…</c>: each value is read as JSON when it is a number,
    /// true, false or null, else as a string.</summary>
    public static SweepAxis ParseGrid(string text)
    {
        var (field, rest) = SplitField(text, "--grid", "FIELD=V1,V2,…");
        var values = rest.Split(',', StringSplitOptions.TrimEntries);
        if (values.Any(v => v.Length == 0))
            throw new SweepException(field, $"an empty value in '{rest}' (--grid FIELD=V1,V2,…)");
        return new SweepAxis { Field = field, Values = values.Select(ValueFromText).ToArray() };
    }

    /// <summary>From the command line's <c>FIELD=LOW:HIGH[:log]</c>.</summary>
    public static SweepAxis ParseRange(string text)
    {
        var (field, rest) = SplitField(text, "--range", "FIELD=LOW:HIGH[:log]");
        var parts = rest.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != "log"))
            throw new SweepException(field, $"'{rest}' is not LOW:HIGH or LOW:HIGH:log");
        double Bound(string s, string which) =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
                ? x : throw new SweepException(field, $"the {which} bound '{s}' is not a finite number");
        return new SweepAxis { Field = field, Range = new SweepRange(Bound(parts[0], "low"), Bound(parts[1], "high"), parts.Length == 3) };
    }

    static (string Field, string Text) SplitField(string text, string option, string form)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new SweepException(option, $"'{text}' is not {form}");
        return (text[..eq].Trim(), text[(eq + 1)..].Trim());
    }

    static JsonElement ValueFromText(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null)
                return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // not a JSON literal: a string
        }
        return JsonSerializer.SerializeToElement(value);
    }

    public override string ToString() => Range is { } r
        ? $"{Field}={r.Low.ToString(CultureInfo.InvariantCulture)}:{r.High.ToString(CultureInfo.InvariantCulture)}{(r.Log ? ":log" : "")}"
        : $"{Field}={string.Join(',', (Values ?? []).Select(v => v.GetRawText()))}";
}

/// <summary>A numeric range [<see cref="Low"/>, <see cref="High"/>], drawn uniformly or log-uniformly; whole numbers for an integer field.</summary>
public sealed record SweepRange(double Low, double High, bool Log = false);

/// <summary>A sweep that cannot be expanded. <see cref="DataFormatException.FileName"/> is the field or option at fault.</summary>
public sealed class SweepException(string field, string problem) : Sensorium.Data.DataFormatException(field, problem)
{
    public string Field => FileName;
}
