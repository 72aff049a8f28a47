using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;

namespace Sensorium.Models;

/// <summary>
/// Reads and writes <see cref="ModelSpec"/>: writes the role format (<c>core</c>, <c>readout</c>, <c>shifter</c>);
/// reads it, and reads the flat format of earlier versions as the same model. An object is in the role format when
/// it has a <c>core</c> or <c>readout</c> key, or a <c>shifter</c> that is an object or null (the flat one's is a
/// boolean). An error names the model's path in the document (the serializer adds it) and the path inside the model.
/// </summary>
public sealed class ModelSpecJson : JsonConverter<ModelSpec>
{
    public override ModelSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("A model spec must be a JSON object.");
        try
        {
            return IsRoleFormat(reader) // a copy: the look-ahead leaves the reader where it is
                ? (JsonSerializer.Deserialize<RoleFormat>(ref reader, options) ?? new RoleFormat()).ToSpec()
                : (JsonSerializer.Deserialize<FlatFormat>(ref reader, options) ?? new FlatFormat()).ToSpec();
        }
        catch (JsonException e) when (e.Path is { Length: > 1 } inner)
        {
            // The nested call's path starts at the model ("$.core.layers"); without a path of its own, the exception
            // gets the model's path in the document from the serializer ("$.model").
            throw new JsonException($"at {inner[1..].TrimStart('.')} of the model: {e.Message}", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, ModelSpec value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, new RoleFormat { Core = value.Core, Readout = value.Readout, Shifter = value.Shifter }, options);

    private static bool IsRoleFormat(Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            string name = reader.GetString()!;
            reader.Read();
            if (name.Equals("core", StringComparison.OrdinalIgnoreCase) || name.Equals("readout", StringComparison.OrdinalIgnoreCase))
                return true;
            if (name.Equals("shifter", StringComparison.OrdinalIgnoreCase)
                && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.Null)
                return true;
            reader.Skip();
        }
        return false;
    }

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    private sealed record RoleFormat
    {
        public CoreSpec Core { get; init; } = new Stacked2dCoreSpec();
        public ReadoutSpec Readout { get; init; } = new FullGaussian2dReadoutSpec();
        public ShifterSpec? Shifter { get; init; }

        public ModelSpec ToSpec() => new()
        {
            Core = Core ?? throw new JsonException("model.core is null."),
            Readout = Readout ?? throw new JsonException("model.readout is null."),
            Shifter = Shifter,
        };
    }

    /// <summary>The nonlinearity flag of the flat format: "Sota" (ELU core) or "Ln" (linear core).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<FlatKind>))]
    private enum FlatKind { Sota, Ln }

    /// <summary>The flat format of earlier versions, with its defaults (the SOTA baseline).</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    private sealed record FlatFormat
    {
        public FlatKind Kind { get; init; } = FlatKind.Sota;
        public int Layers { get; init; } = 4;
        public int HiddenChannels { get; init; } = 64;
        public int InputKernel { get; init; } = 9;
        public int HiddenKernel { get; init; } = 7;
        public int InputChannels { get; init; } = 1;
        public double GammaInput { get; init; } = 6.3831;
        public double GammaReadout { get; init; } = 0.0076;
        public double InitSigma { get; init; } = 0.1;
        public double BatchNormMomentum { get; init; } = 0.9;
        public int GridPredictorHiddenFeatures { get; init; } = 30;
        public int GridPredictorHiddenLayers { get; init; } = 1;
        public bool ReadoutBias { get; init; } = true;
        public bool Shifter { get; init; }
        public int ShifterHiddenChannels { get; init; } = 5;
        public int ShifterLayers { get; init; } = 3;

        public ModelSpec ToSpec() => new()
        {
            Core = new Stacked2dCoreSpec
            {
                InputChannels = InputChannels, Layers = Layers, HiddenChannels = HiddenChannels, InputKernel = InputKernel,
                HiddenKernel = HiddenKernel, Linear = Kind == FlatKind.Ln, GammaInput = GammaInput,
                BatchNormMomentum = BatchNormMomentum,
            },
            Readout = new FullGaussian2dReadoutSpec
            {
                GammaReadout = GammaReadout, InitSigma = InitSigma, GridPredictorHiddenFeatures = GridPredictorHiddenFeatures,
                GridPredictorHiddenLayers = GridPredictorHiddenLayers, Bias = ReadoutBias,
            },
            Shifter = Shifter ? new MlpShifterSpec { HiddenChannels = ShifterHiddenChannels, Layers = ShifterLayers } : null,
        };
    }
}
