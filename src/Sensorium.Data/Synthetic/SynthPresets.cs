namespace Sensorium.Data.Synthetic;

/// <summary>One of the seven official mice, with the trial and neuron counts a preset gives it.</summary>
public sealed record MouseSpec(
    string DataKey,
    bool Competition,
    int Neurons,
    int Train,
    int Validation,
    int TestTrials,
    int FinalTestTrials)
{
    /// <summary>Folder (and zip, without .zip) name of the official release.</summary>
    public string FolderName => $"static{DataKey}-GrayImageNet-94c6ff995dac583098847cfecd43e7b6";

    public string Role => DataKey switch
    {
        SynthPresets.SensoriumMouse => "SENSORIUM competition mouse (behaviour withheld)",
        SynthPresets.SensoriumPlusMouse => "SENSORIUM+ competition mouse",
        _ => "pre-training",
    };

    public int TotalTrials => Train + Validation + TestTrials + FinalTestTrials;

    public int AnimalId => int.Parse(DataKey.Split('-')[0]);
    public int Session => int.Parse(DataKey.Split('-')[1]);
    public int ScanIdx => int.Parse(DataKey.Split('-')[2]);
}

/// <summary>Sizes of one preset: the mice, and the number of test images shared by all of them.</summary>
public sealed record PresetSizes(IReadOnlyList<MouseSpec> Mice, int TestImages, int FinalTestImages, int MinRepeats, int MaxRepeats);

/// <summary>The three presets. <c>full</c> is the table of SENSORIUM.md §1.1; the others scale it down.</summary>
public static class SynthPresets
{
    public const string SensoriumMouse = Track.SensoriumMouse;
    public const string SensoriumPlusMouse = Track.SensoriumPlusMouse;

    /// <summary>Official counts (SENSORIUM.md §1.1): key, competition, neurons, train, validation, test, final_test.</summary>
    private static readonly MouseSpec[] Official =
    [
        new(SensoriumMouse, true, 7776, 4474, 496, 990, 995),
        new(SensoriumPlusMouse, true, 7538, 4471, 497, 995, 996),
        new("21067-10-18", false, 8372, 4473, 523, 998, 0),
        new("22846-10-16", false, 7344, 4498, 500, 999, 0),
        new("23343-5-17", false, 7334, 4466, 496, 989, 0),
        new("23656-14-22", false, 8107, 4477, 496, 993, 0),
        new("23964-4-22", false, 8098, 4490, 499, 994, 0),
    ];

    /// <summary>The seven data keys in the official order (competition mice first).</summary>
    public static IReadOnlyList<string> DataKeys { get; } = Official.Select(m => m.DataKey).ToArray();

    public static PresetSizes For(SynthPreset preset) => preset switch
    {
        // Full: the real counts; 100 live-test and 100 final-test images with 8–12 repeats (about 10 on average).
        SynthPreset.Full => new PresetSizes(Official, 100, 100, 8, 12),
        // Small: a tenth of the neurons, a third of the train trials, 50 test images with ~8 repeats (6–10).
        SynthPreset.Small => new PresetSizes(Official.Select(m => m with
        {
            Neurons = m.Neurons / 10,
            Train = m.Train / 3,
            Validation = m.Validation / 3,
            TestTrials = 400 + (m.TestTrials - 990) / 2,
            FinalTestTrials = m.FinalTestTrials == 0 ? 0 : 400 + (m.FinalTestTrials - 990) / 2,
        }).ToArray(), 50, 50, 6, 10),
        // Tiny: for tests; 6 test images with 3–7 repeats, ~60 neurons, ~230 trials.
        SynthPreset.Tiny => new PresetSizes(Official.Select((m, i) => m with
        {
            Neurons = 56 + 2 * i,
            Train = 150 + i,
            Validation = 30,
            TestTrials = 30 + i % 3,
            FinalTestTrials = m.FinalTestTrials == 0 ? 0 : 29 + i,
        }).ToArray(), 6, 6, 3, 7),
        _ => throw new ArgumentOutOfRangeException(nameof(preset)),
    };
}
