using Sensorium.Data.Submissions;

namespace Sensorium.Data;

/// <summary>The official metric a track ranks by (SENSORIUM.md §4).</summary>
public enum RankingMetric
{
    /// <summary>Pearson correlation of the trial-averaged predictions and responses per image (Sensorium).</summary>
    CorrelationToAverage,

    /// <summary>Pearson correlation of single-trial predictions and responses (Sensorium+).</summary>
    SingleTrialCorrelation,
}

/// <summary>
/// A competition track of Sensorium 2022, the one place that spells one: its name, its competition mouse, the metric
/// it ranks by, the slug that stands for it in URLs and folder names, and whether its models see behaviour (three
/// extra input channels and a pupil-centre shifter). <c>sensorium</c>: image only, mouse 26872-17-20, ranked by
/// correlation to average; <c>sensorium+</c>: image and behaviour, mouse 27204-5-13, ranked by single-trial
/// correlation. (A run may also train on "all" mice; that is a choice of mice, not a track: DatasetSpec.AllMice.)
/// </summary>
public sealed class Track
{
    public const string SensoriumName = "sensorium", SensoriumPlusName = "sensorium+";

    /// <summary>The competition mice as constants (for switch cases and attributes); otherwise use <see cref="Mouse"/>.</summary>
    public const string SensoriumMouse = "26872-17-20", SensoriumPlusMouse = "27204-5-13";

    public static readonly Track Sensorium = new(SensoriumName, SensoriumMouse, RankingMetric.CorrelationToAverage, "sensorium", behavior: false);
    public static readonly Track SensoriumPlus = new(SensoriumPlusName, SensoriumPlusMouse, RankingMetric.SingleTrialCorrelation, "sensorium-plus", behavior: true);

    /// <summary>Both tracks, Sensorium first.</summary>
    public static IReadOnlyList<Track> All { get; } = [Sensorium, SensoriumPlus];

    /// <summary>"sensorium", "sensorium+".</summary>
    public static IReadOnlyList<string> Names { get; } = [SensoriumName, SensoriumPlusName];

    Track(string name, string mouse, RankingMetric rankedBy, string slug, bool behavior)
    {
        Name = name;
        Mouse = mouse;
        RankedBy = rankedBy;
        Slug = slug;
        UsesBehavior = behavior;
    }

    /// <summary>"sensorium" or "sensorium+", as stored with a submission and written in a run spec.</summary>
    public string Name { get; }

    /// <summary>The competition mouse (data key) whose test tiers the track's submissions cover.</summary>
    public string Mouse { get; }

    /// <summary>The official ranking metric.</summary>
    public RankingMetric RankedBy { get; }

    /// <summary>The metric's name in the scorer's and the API's JSON: "correlation_to_average" or "single_trial_correlation".</summary>
    public string RankingMetricName => RankedBy == RankingMetric.CorrelationToAverage ? "correlation_to_average" : "single_trial_correlation";

    /// <summary>The name in a URL segment or a folder name ("sensorium-plus": no '+' to escape).</summary>
    public string Slug { get; }

    /// <summary>Whether the track's baseline feeds behaviour channels and the pupil centre (sensorium+).</summary>
    public bool UsesBehavior { get; }

    /// <summary>The official file name of the track's submission for a tier (the same names for both tracks).</summary>
    public string SubmissionFileName(string tier) => SubmissionTiers.FileName(tier);

    /// <summary>The file an imported ground-truth CSV of a tier is kept in, under a folder of its own: "&lt;slug&gt;/&lt;tier&gt;.csv".</summary>
    public string GroundTruthFile(string tier) => System.IO.Path.Combine(Slug, tier + ".csv");

    /// <summary>The track of this name, or null.</summary>
    public static Track? Find(string? name) => name switch
    {
        SensoriumName => Sensorium,
        SensoriumPlusName => SensoriumPlus,
        _ => null,
    };

    /// <summary>The track of this name; <see cref="ArgumentException"/> naming the two otherwise.</summary>
    public static Track Named(string? name) =>
        Find(name) ?? throw new ArgumentException($"track must be '{SensoriumName}' or '{SensoriumPlusName}' (got '{name}')");

    /// <summary>The track of a URL segment: its slug or its name (and "sensorium plus", a '+' decoded as a space).</summary>
    public static Track? FromSlug(string? slug) =>
        Find(slug) ?? All.FirstOrDefault(t => t.Slug == slug) ?? (slug == "sensorium plus" ? SensoriumPlus : null);

    public override string ToString() => Name;
}
