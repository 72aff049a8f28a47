using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Data;
using Sensorium.Data.Submissions;

namespace Sensorium.Cli;

/// <summary>What the submission commands share: --track/--mouse/--tier, targets from a dataset or a ground-truth CSV, JSON output.</summary>
internal static class SubmissionInputs
{
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,   // quotes in messages stay readable
    };

    /// <summary>(data key, tier) from --mouse or --track, and --tier.</summary>
    public static (string DataKey, string Tier) MouseAndTier(CliArgs args)
    {
        string? mouse = args.Optional("mouse");
        string? track = args.Optional("track");
        if (track is not null && Sensorium.Data.Track.Find(track) is null)
            throw new UsageException($"--track must be one of {string.Join("|", Sensorium.Data.Track.Names)} (got '{track}')");
        if (mouse is null && track is null) throw new UsageException("--track (or --mouse) is required");
        string tier = args.RequiredChoice("tier", SubmissionTiers.LiveTest, SubmissionTiers.FinalTest);
        return (mouse ?? SubmissionTiers.MouseOfTrack(track!), tier);
    }

    public static ValidationOptions Options(CliArgs args)
    {
        int maxErrors = args.Int("max-errors", ValidationOptions.Default.MaxErrors, 1);
        string? bytes = args.Optional("max-bytes");
        long maxBytes = ValidationOptions.Default.MaxBytes;
        if (bytes is not null && (!long.TryParse(bytes, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out maxBytes) || maxBytes < 1))
            throw new UsageException($"--max-bytes must be a positive integer (got '{bytes}')");
        return new ValidationOptions { MaxErrors = maxErrors, MaxBytes = maxBytes };
    }

    /// <summary>The ground truth from a ground-truth CSV, or from a dataset root / mouse folder / mouse zip.</summary>
    public static GroundTruth Truth(string path, string dataKey, string tier)
    {
        if (IsCsv(path)) return GroundTruthCsv.Read(path, dataKey, tier);
        using var mouse = DatasetTargets.OpenMouse(path, dataKey);
        return DatasetTargets.GroundTruth(mouse, tier);
    }

    /// <summary>The target only (no responses read) from a dataset, or from a ground-truth CSV.</summary>
    public static SubmissionTarget Target(string path, string dataKey, string tier)
    {
        if (IsCsv(path)) return GroundTruthCsv.Read(path, dataKey, tier).Target;
        using var mouse = DatasetTargets.OpenMouse(path, dataKey);
        return DatasetTargets.Target(mouse, tier);
    }

    public static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "not found");
    }

    private static bool IsCsv(string path) => File.Exists(path) && path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>The report as printed: valid, counts, and "file:line: message" strings.</summary>
    public static object ReportJson(ValidationReport r) => new
    {
        r.File,
        r.Valid,
        r.Rows,
        r.Neurons,
        r.StoppedEarly,
        Errors = r.Errors.Select(e => e.ToString()).ToArray(),
        Warnings = r.Warnings.Select(w => w.ToString()).ToArray(),
    };

    /// <summary>Prints an invalid report: JSON on stdout, a summary on stderr; returns exit code 1.</summary>
    public static int Invalid(ValidationReport r, string command, TextWriter output, TextWriter error)
    {
        output.WriteLine(JsonSerializer.Serialize(ReportJson(r), Json));
        error.WriteLine($"sensorium {command}: {r.File} is not a valid submission ({r.Errors.Count} error(s){(r.StoppedEarly ? ", stopped early" : "")}); first: {r.Errors[0]}");
        return CommandLine.InvalidInput;
    }
}
