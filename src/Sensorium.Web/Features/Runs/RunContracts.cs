using System.Text.Json;
using System.Text.Json.Serialization;
using Sensorium.Storage.Runs;

namespace Sensorium.Web.Features.Runs;

/// <summary>POST /api/runs: queue a run. <see cref="Spec"/> is the whole run spec as a JSON object.</summary>
public sealed record RunRequest(string? Name, JsonElement? Spec, string? Device);

/// <summary>PATCH /api/runs/{id}: new notes and/or tags (a field left out keeps what the run has).</summary>
public sealed record RunLabelsRequest(string? Notes, string?[]? Tags);

/// <summary>A run as the API shows it to its team. <see cref="Spec"/> only on single-run reads.</summary>
public sealed record RunResponse(
    long Id, string Name, RunStatus Status, string? RequestedDevice, string? Device,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    double Progress, double? BestScore, string? Error, string Notes, IReadOnlyList<string> Tags,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Spec)
{
    public static RunResponse From(Run run, bool withSpec = false) => new(
        run.Id, run.Name, run.Status, run.RequestedDevice, run.Device, run.CreatedAt, run.StartedAt, run.FinishedAt,
        run.Progress, run.BestScore, run.Error, run.Notes, run.TagList, withSpec ? ParseSpec(run.SpecJson) : null)
        { StopReason = run.StopReason };

    /// <summary>Why its training ended ("early stopping", "time limit … reached after epoch N; best epoch B", "stopped by
    /// U after epoch N; best epoch B", …); null while it has not.</summary>
    public string? StopReason { get; init; }

    /// <summary>Who asked a running run to stop and keep its best model (answer of POST …/stop); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StopRequestedBy { get; init; }

    /// <summary>What the server did (answer of POST …/stop); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    static JsonElement ParseSpec(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>Outcome of queueing: the run, or errors by field (name, spec, device, queue).</summary>
public sealed record QueueResult(Run? Run, IDictionary<string, string[]> Errors)
{
    public static QueueResult Queued(Run run) => new(run, new Dictionary<string, string[]>());
    public static QueueResult Invalid(IDictionary<string, string[]> errors) => new(null, errors);
}

public enum RunChangeOutcome { Done, NotFound, NotAllowed }

/// <summary>Outcome of cancel or resume.</summary>
public sealed record RunChangeResult(RunChangeOutcome Outcome, Run? Run, string? Message = null);

/// <summary>
/// One device's slots as one team may see them: its own runs by id and its own jobs (<see cref="OwnJobs"/>), other
/// teams' runs and jobs only as "taken" (<see cref="OtherTeamsRunning"/>).
/// </summary>
public sealed record DeviceOccupancy(string Device, int Slots, IReadOnlyList<long> OwnRunIds, int OtherTeamsRunning,
    IReadOnlyList<SlotJobEntry>? OwnJobs = null)
{
    public int Free => Math.Max(0, Slots - OwnRunIds.Count - (OwnJobs?.Count ?? 0) - OtherTeamsRunning);
}

/// <summary>
/// A job besides a run that holds (<see cref="Running"/>, on <see cref="Device"/>) or waits for a slot (then
/// <see cref="Device"/> is the one asked for, null for any): a run's in-silico experiments or an ensemble's evaluation.
/// </summary>
public sealed record SlotJobEntry(Scheduling.SlotWork Kind, long Id, long TeamId, string TeamName, string? Device, bool Running, DateTimeOffset? CreatedAt)
{
    /// <summary>What it is, for people: "in-silico experiments", "ensemble #3 evaluation".</summary>
    public string What => Kind switch
    {
        Scheduling.SlotWork.InSilicoJob => "in-silico experiments",
        Scheduling.SlotWork.Ensemble => $"ensemble #{Id} evaluation",
        _ => $"{Kind} #{Id}",
    };
}

/// <summary>The whole picture for one team: devices, plus how many runs and jobs wait (own and in total).</summary>
public sealed record QueueOccupancy(IReadOnlyList<DeviceOccupancy> Devices, int OwnQueued, int TotalQueued,
    int OwnQueuedJobs = 0, int TotalQueuedJobs = 0);
