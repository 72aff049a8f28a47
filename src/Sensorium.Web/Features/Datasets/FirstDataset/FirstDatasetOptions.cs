using Sensorium.Data.Synthetic;

namespace Sensorium.Web.Features.Datasets.FirstDataset;

/// <summary>
/// Section <c>FirstDataset</c>: on a workbench with no dataset, generate a synthetic one in the background (so a new
/// team can train at once) and register it. Tests switch it off or use the <c>tiny</c> preset.
/// </summary>
public sealed class FirstDatasetOptions
{
    public const string Section = "FirstDataset";

    public bool Enabled { get; set; } = true;

    /// <summary>tiny (seconds, for tests), small (the default: minutes) or full (the real sizes; hours).</summary>
    public SynthPreset Preset { get; set; } = SynthPreset.Small;

    /// <summary>The dataset's name and its folder under <c>DatasetRoot</c>; default: <c>synthetic-&lt;preset&gt;</c>.</summary>
    public string? Name { get; set; }

    public ulong Seed { get; set; } = 2022;

    public string DatasetName => Name ?? $"synthetic-{Preset.ToString().ToLowerInvariant()}";
}
