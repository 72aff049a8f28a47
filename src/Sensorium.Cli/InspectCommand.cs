using System.Text.Json;
using Sensorium.Data.Format;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium inspect PATH`: describes the mice of a dataset root, a mouse folder or a mouse zip as JSON — data key,
/// source, trials per tier, neurons, image shape, stored dtypes, whether test-tier responses look withheld (all
/// zeros) and whether trial_idx holds integers or hashes. Fails on the first malformed mouse.
/// </summary>
public sealed class InspectCommand : ICommand
{
    public string Name => "inspect";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        args.RejectUnknown(maxPositional: 1);
        if (args.Positional.Count != 1) throw new UsageException("PATH is required");
        string path = Path.GetFullPath(args.Positional[0]);
        var entries = SensoriumDataset.Discover(path);
        if (entries.Count == 0) throw new Data.DataFormatException(path, "holds no mouse folders or zips named static<animal>-<session>-<scan>-GrayImageNet-<hash>");

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("path", path);
            json.WriteStartArray("mice");
            foreach (var entry in entries)
            {
                using var mouse = entry.Open();
                WriteMouse(json, entry, mouse);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        return CommandLine.Ok;
    }

    private static void WriteMouse(Utf8JsonWriter json, MouseEntry entry, SensoriumMouse mouse)
    {
        json.WriteStartObject();
        json.WriteString("dataKey", mouse.DataKey);
        json.WriteString("name", entry.Name);
        json.WriteString("source", mouse.Source);
        json.WriteString("sourceKind", mouse.SourceKind == MouseSourceKind.Zip ? "zip" : "folder");
        if (entry.FolderPath is not null && entry.ZipPath is not null) json.WriteString("alsoAvailable", mouse.SourceKind == MouseSourceKind.Zip ? entry.FolderPath : entry.ZipPath);
        json.WriteNumber("trials", mouse.TrialCount);
        json.WriteStartObject("trialsPerTier");
        foreach (var tier in Tiers.All) json.WriteNumber(tier.ToOfficialString(), mouse.Meta.TrialsOf(tier).Length);
        json.WriteEndObject();
        json.WriteNumber("neurons", mouse.NeuronCount);
        json.WriteStartArray("imageShape");
        json.WriteNumberValue(mouse.ImageShape.Channels);
        json.WriteNumberValue(mouse.ImageShape.Height);
        json.WriteNumberValue(mouse.ImageShape.Width);
        json.WriteEndArray();
        json.WriteStartObject("dtypes");
        json.WriteString("images", mouse.DTypes.Images);
        json.WriteString("responses", mouse.DTypes.Responses);
        json.WriteString("behavior", mouse.DTypes.Behavior);
        json.WriteString("pupil_center", mouse.DTypes.PupilCenter);
        json.WriteString("tiers", mouse.Meta.TiersDType);
        json.WriteEndObject();
        json.WriteStartObject("testResponsesWithheld");
        foreach (var tier in new[] { Tier.Test, Tier.FinalTest })
        {
            bool? zero = mouse.ResponsesAllZero(tier);
            if (zero is not null) json.WriteBoolean(tier.ToOfficialString(), zero.Value);
        }
        json.WriteEndObject();
        json.WriteString("trialIdxKind", mouse.Meta.TrialIdxKind == TrialIdxKind.Hash ? "hash" : "integer");
        json.WriteEndObject();
    }
}
