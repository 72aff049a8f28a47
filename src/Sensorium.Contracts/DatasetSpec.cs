using System.Text.Json.Serialization;
using Sensorium.Data;

namespace Sensorium.Contracts;

/// <summary>
/// Which data a run trains on and how it is fed to the model. <see cref="Track"/> presets follow the starter kit:
/// <c>sensorium</c> = stimulus only on 26872-17-20; <c>sensorium+</c> = behaviour channels and pupil centre (for the
/// shifter) on 27204-5-13; <c>all</c> = every mouse of the dataset, stimulus only (one shared core).
/// <see cref="Mice"/> overrides the track's mice, so any dataset in the official layout can be trained.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DatasetSpec
{
    public const string SensoriumMouse = Sensorium.Data.Track.SensoriumMouse;
    public const string SensoriumPlusMouse = Sensorium.Data.Track.SensoriumPlusMouse;

    /// <summary>The <see cref="Track"/> value that trains every mouse of the dataset with one shared core (not a competition track).</summary>
    public const string AllMice = "all";

    /// <summary>
    /// The registered dataset, by its name in the workbench: what a spec sent to the web API or stored with a run says.
    /// Null in specs the CLI makes from a folder. The workbench resolves it to <see cref="Path"/> when it hands the
    /// spec to a worker (the worker's copy carries both).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>
    /// The folder a worker reads: the dataset root (folders and/or zips of mice in the official layout), or one mouse
    /// folder/zip. "" in a spec that only names a registered dataset (<see cref="Name"/>). Specs the workbench stored
    /// before <see cref="Name"/> existed hold the dataset's name here; the workbench reads them so (Sensorium.Web's
    /// <c>StoredDataset</c>), nothing else does.
    /// </summary>
    [JsonIgnore]
    public string Path { get; init; } = "";

    /// <summary><see cref="Path"/> in JSON, left out when empty (a spec that only names its dataset).</summary>
    [JsonInclude, JsonPropertyName("path"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private string? PathJson { get => Path.Length == 0 ? null : Path; init => Path = value ?? ""; }

    /// <summary>sensorium | sensorium+ | all.</summary>
    public string Track { get; init; } = Sensorium.Data.Track.SensoriumName;

    /// <summary>Explicit data keys; null = the track's.</summary>
    public IReadOnlyList<string>? Mice { get; init; }

    /// <summary>Image downscale factor of ScaleInputs (0.25 → 36×64 from 144×256).</summary>
    public double Scale { get; init; } = 0.25;

    /// <summary>Behaviour as three constant extra input channels; null = the track's (true only for sensorium+).</summary>
    public bool? IncludeBehavior { get; init; }

    /// <summary>Feed the pupil centre to the model (for its shifter); null = the track's (true only for sensorium+).</summary>
    public bool? IncludePupilCenter { get; init; }

    [JsonIgnore]
    public bool BehaviorChannels => IncludeBehavior ?? Sensorium.Data.Track.Find(Track)?.UsesBehavior ?? false;
    [JsonIgnore]
    public bool PupilCenter => IncludePupilCenter ?? Sensorium.Data.Track.Find(Track)?.UsesBehavior ?? false;

    /// <summary>The track's mice (null for "all": every mouse found in the dataset).</summary>
    [JsonIgnore]
    public IReadOnlyList<string>? TrackMice => Sensorium.Data.Track.Find(Track) is { } track ? [track.Mouse] : null;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path) && string.IsNullOrWhiteSpace(Name)) errors.Add("dataset path is required");
        if (Name is not null && string.IsNullOrWhiteSpace(Name)) errors.Add("dataset name, when given, must not be blank");
        if (Sensorium.Data.Track.Find(Track) is null && Track != AllMice)
            errors.Add($"track must be {string.Join(", ", Sensorium.Data.Track.Names)} or {AllMice} (got '{Track}')");
        if (Mice is { Count: 0 }) errors.Add("mice, when given, must name at least one data key");
        if (Mice is not null && Mice.Distinct(StringComparer.Ordinal).Count() != Mice.Count) errors.Add("mice lists a data key twice");
        if (!(Scale > 0 && Scale <= 1)) errors.Add($"scale must be in (0, 1] (got {Scale})");
        return errors;
    }
}
