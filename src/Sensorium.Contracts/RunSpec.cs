using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Contracts;
using Sensorium.Models;

namespace Sensorium.Training;

/// <summary>
/// Everything that defines a training run: (dataset, model, trainer, seed). Stored whole with the run and embedded
/// in every checkpoint, so a checkpoint rebuilds its model and resumes its training by itself.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RunSpec
{
    public DatasetSpec Dataset { get; init; } = new();
    public ModelSpec Model { get; init; } = ModelSpec.Sota;
    public TrainerSpec Trainer { get; init; } = new();

    /// <summary>Seeds weights, shuffling and the readout's position noise (42 as in the notebooks).</summary>
    public int Seed { get; init; } = 42;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        AllowOutOfOrderMetadataProperties = true, // a part's "kind" may come after its fields in hand-written specs
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a spec; unknown keys and malformed values are errors that name the JSON path.</summary>
    public static RunSpec FromJson(string json, string source = "spec")
    {
        try
        {
            return JsonSerializer.Deserialize<RunSpec>(json, Json) ?? throw new Sensorium.Data.DataFormatException(source, "the spec is null");
        }
        catch (JsonException e)
        {
            throw new Sensorium.Data.DataFormatException(source, $"invalid run spec at {e.Path ?? "$"}: {Readable(e)}");
        }
    }

    /// <summary>
    /// System.Text.Json's message in the user's words: a value of the wrong type says what the field takes ("the value
    /// must be a number", not "could not be converted to System.Nullable`1[System.Double]"), and the " Path: … |
    /// LineNumber: …" tail goes (the path is named before it).
    /// </summary>
    internal static string Readable(JsonException e)
    {
        string message = e.Message;
        int tail = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (tail > 0) message = message[..tail];
        var type = System.Text.RegularExpressions.Regex.Match(message, @"could not be converted to (?:System\.Nullable`1\[)?([\w.`\[\]]+?)\]?\.?$");
        if (!type.Success) return message;
        string takes = type.Groups[1].Value switch
        {
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" or "System.Byte" => "a whole number",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            var t when t.Contains("List`") || t.Contains("Collection`") || t.EndsWith("[]", StringComparison.Ordinal) => "a list",
            _ => "an object",
        };
        return $"the value must be {takes}";
    }

    /// <summary>Every problem with the spec, one message each (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        errors.AddRange(Dataset.Validate().Select(e => "dataset: " + e));
        errors.AddRange(Trainer.Validate().Select(e => "trainer: " + e));
        try { Model.Validate(); }
        catch (ArgumentException e) { errors.Add("model: " + e.Message); }
        int expectedChannels = Dataset.BehaviorChannels ? 4 : 1;
        if (Model.InputChannels != expectedChannels)
            errors.Add($"model: inputChannels is {Model.InputChannels} but the dataset feeds {expectedChannels} (behaviour channels {(Dataset.BehaviorChannels ? "on" : "off")})");
        if (Dataset.Validate().Count == 0 && Model.Core.ScaleMismatch(Dataset.Scale) is { } mismatch)
            errors.Add("model: " + mismatch);
        if (Model.HasShifter && !Dataset.PupilCenter)
            errors.Add("model: a shifter needs the pupil centre (dataset includePupilCenter)");
        return errors;
    }
}
