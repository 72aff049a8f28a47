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

    /// <summary>Dataset root (folders and/or zips of mice in the official layout), or one mouse folder/zip.</summary>
    public string Path { get; init; } = "";

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
        if (string.IsNullOrWhiteSpace(Path)) errors.Add("dataset path is required");
        if (Sensorium.Data.Track.Find(Track) is null && Track != AllMice)
            errors.Add($"track must be {string.Join(", ", Sensorium.Data.Track.Names)} or {AllMice} (got '{Track}')");
        if (Mice is { Count: 0 }) errors.Add("mice, when given, must name at least one data key");
        if (Mice is not null && Mice.Distinct(StringComparer.Ordinal).Count() != Mice.Count) errors.Add("mice lists a data key twice");
        if (!(Scale > 0 && Scale <= 1)) errors.Add($"scale must be in (0, 1] (got {Scale})");
        return errors;
    }
}
