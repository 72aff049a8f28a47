using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sensorium.Contracts;

/// <summary>
/// How a worker (`sensorium train`, `submission make`, `insilico`) and the process that launched it talk: one
/// <see cref="TrainingEvent"/> per JSON line on stdout (and in the run's <see cref="EventsLogFile"/>), typed reports
/// for the other commands, and the exit codes below. The web app and the CLI use these and nothing else, so a worker
/// on another machine only has to speak this.
/// </summary>
public static class WorkerProtocol
{
    /// <summary>Exit code of a worker stopped by SIGTERM/SIGINT; a training keeps its checkpoint.</summary>
    public const int CancelledExitCode = 130;

    /// <summary>Exit code of a training that stopped on non-finite numbers (the run keeps the best model before them).</summary>
    public const int DivergedExitCode = 4;

    /// <summary>The worker appends every event here too (<c>--events-log</c>), so a server that died can read back what it missed.</summary>
    public const string EventsLogFile = "events.jsonl";

    /// <summary>
    /// One event per line: camelCase keys after a "type" discriminator, NaN and ±Infinity as strings (a diverging
    /// run's numbers), unknown keys an error. Reading accepts the discriminator anywhere in the object.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        AllowOutOfOrderMetadataProperties = true,
    };

    /// <summary>The JSON line of an event (with its "type").</summary>
    public static string Line(TrainingEvent e) => JsonSerializer.Serialize(e, Json);

    /// <summary>The event on a line, or null when the line is not one (a message, a torn last line of a killed worker).</summary>
    public static TrainingEvent? Parse(string line)
    {
        if (!line.StartsWith('{')) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainingEvent>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null; // no or an unknown "type"
        }
    }

    /// <summary>The epoch an event belongs to (null for those of no epoch: started, finished, summary).</summary>
    public static int? EpochOf(TrainingEvent e) => e switch
    {
        BatchProgress b => b.Epoch,
        EpochCompleted c => c.Epoch,
        CheckpointSaved c => c.Epoch,
        BestRestored r => r.Epoch,
        _ => null,
    };
}

/// <summary>What `sensorium submission make` prints: the run, the track and each file it wrote with its validation.</summary>
public sealed record SubmissionMakeReport(string Run, string Track, IReadOnlyList<MadeSubmissionFile> Files)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>One file of a <see cref="SubmissionMakeReport"/>: its tier ("test" or "final_test"), path and validation.</summary>
public sealed record MadeSubmissionFile(string Tier, string Path, bool Valid, int Rows, int Neurons, IReadOnlyList<string> Errors);

/// <summary>A progress line of `sensorium insilico … --events -`: an experiment's stage, <see cref="Done"/> of <see cref="Total"/>.</summary>
public sealed record InSilicoProgressLine(
    [property: JsonPropertyName("experiment")] string Experiment,
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("done")] int Done,
    [property: JsonPropertyName("total")] int Total)
{
    [JsonPropertyName("event"), JsonPropertyOrder(-1)] public string Event { get; init; } = "progress";

    /// <summary>The progress on a line, or null when the line is another one (the result, a message).</summary>
    public static InSilicoProgressLine? Parse(string line)
    {
        if (!line.StartsWith('{')) return null;
        try
        {
            var p = JsonSerializer.Deserialize<InSilicoProgressLine>(line);
            return p is { Event: "progress", Experiment: not null } ? p : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
