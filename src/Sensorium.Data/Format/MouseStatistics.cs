namespace Sensorium.Data.Format;

/// <summary>One meta/statistics/&lt;group&gt;/all/ folder: mean, std, min, max, median, each of the group's length.</summary>
public sealed record FeatureStatistics(double[] Mean, double[] Std, double[] Min, double[] Max, double[] Median)
{
    public static readonly IReadOnlyList<string> FileNames = ["mean", "std", "min", "max", "median"];
}

/// <summary>
/// meta/statistics/{images,responses,behavior,pupil_center}/all — the statistics the loader normalizes with
/// (stats_source "all"). Images: length 1 (scalar); responses: N; behavior: 3; pupil_center: 2.
/// </summary>
public sealed record MouseStatistics(
    FeatureStatistics Images,
    FeatureStatistics Responses,
    FeatureStatistics Behavior,
    FeatureStatistics PupilCenter);
