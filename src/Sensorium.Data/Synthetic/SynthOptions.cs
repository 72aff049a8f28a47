namespace Sensorium.Data.Synthetic;

/// <summary>How big the synthetic dataset is. See <see cref="SynthPresets"/> for the numbers.</summary>
public enum SynthPreset
{
    /// <summary>For tests: a few hundred trials and ~60 neurons per mouse; seconds.</summary>
    Tiny,
    /// <summary>The app's default: ~2,000 trials and ~750 neurons per mouse (a tenth of the real neurons).</summary>
    Small,
    /// <summary>The real per-mouse trial, tier and neuron counts of the 2022 release (SENSORIUM.md §1.1).</summary>
    Full,
}

/// <summary>What to generate and where. Immutable; the same options and seed give byte-identical files.</summary>
public sealed record SynthOptions
{
    /// <summary>Target directory: the participant copy goes directly under it, the host copy under <c>host/</c>.</summary>
    public required string OutputDirectory { get; init; }

    public SynthPreset Preset { get; init; } = SynthPreset.Small;

    /// <summary>Dataset seed; every image, neuron and trial derives from it.</summary>
    public ulong Seed { get; init; } = 2022;

    /// <summary>Data keys to write (null = all seven). A mouse's files do not depend on which other mice are written.</summary>
    public IReadOnlyList<string>? Mice { get; init; }

    /// <summary>Also write the official <c>.zip</c> next to each participant folder.</summary>
    public bool WriteZips { get; init; } = true;

    /// <summary>Also zip the host copy (off by default: organisers read the folders; saves a quarter of the disk).</summary>
    public bool WriteHostZips { get; init; }

    /// <summary>Worker threads (null = all cores). The files do not depend on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}

/// <summary>A progress report: <paramref name="Stage"/> of mouse <paramref name="DataKey"/>, <paramref name="Done"/> of <paramref name="Total"/>.</summary>
public sealed record SynthProgress(string DataKey, string Stage, int Done, int Total);

/// <summary>What was written for one mouse.</summary>
public sealed record SynthMouseResult(
    string DataKey,
    string Role,
    string Folder,
    string? Zip,
    string HostFolder,
    string? HostZip,
    int Neurons,
    IReadOnlyDictionary<string, int> TrialsPerTier,
    int TestImages,
    int FinalTestImages,
    OracleScores LiveTestOracle,
    double Seconds);

/// <summary>What <see cref="SyntheticDataset.Generate"/> wrote.</summary>
public sealed record SynthResult(
    string OutputDirectory,
    string HostDirectory,
    string Preset,
    ulong Seed,
    IReadOnlyList<SynthMouseResult> Mice,
    double Seconds);

/// <summary>
/// Scores of the ground-truth model's noise-free expected responses against the noisy responses of one tier, with the
/// official definitions (SENSORIUM.md §4): the ceiling a perfect model would reach. <see cref="StimulusOnlySingleTrial"/>
/// is the same single-trial correlation for the expectation over behaviour and eye position (what a model that sees
/// only the image can at best reach).
/// </summary>
public sealed record OracleScores(double SingleTrial, double CorrelationToAverage, double StimulusOnlySingleTrial);
