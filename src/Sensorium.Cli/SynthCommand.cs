using System.Diagnostics;
using System.Globalization;
using Sensorium.Data.Synthetic;

namespace Sensorium.Cli;

/// <summary>`sensorium synth`: writes the seeded synthetic dataset (participant copy, host copy, README, summary).</summary>
public sealed class SynthCommand : ICommand
{
    public string Name => "synth";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string outDir = args.Required("out");
        var preset = args.Choice("preset", "small", "tiny", "small", "full") switch
        {
            "tiny" => SynthPreset.Tiny,
            "full" => SynthPreset.Full,
            _ => SynthPreset.Small,
        };
        string? seedText = args.Optional("seed");
        ulong seed = 2022;
        if (seedText is not null && !ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out seed))
            throw new UsageException($"--seed must be a non-negative integer (got '{seedText}')");
        var mice = args.List("mice");
        if (mice is not null)
        {
            var unknown = mice.Where(m => !SynthPresets.DataKeys.Contains(m)).ToArray();
            if (unknown.Length > 0 || mice.Length == 0)
                throw new UsageException($"--mice takes keys among {string.Join(",", SynthPresets.DataKeys)} (got '{string.Join(",", unknown)}')");
        }
        bool zips = !args.Flag("no-zip");
        bool hostZips = args.Flag("host-zips");
        int threads = args.Int("threads", 0, 0, 256);
        args.RejectUnknown();

        var options = new SynthOptions
        {
            OutputDirectory = outDir,
            Preset = preset,
            Seed = seed,
            Mice = mice,
            WriteZips = zips,
            WriteHostZips = hostZips,
            MaxDegreeOfParallelism = threads > 0 ? threads : null,
        };
        var clock = Stopwatch.StartNew();
        var progress = new StderrProgress(error, clock);
        var result = SyntheticDataset.Generate(options, progress);
        foreach (var m in result.Mice)
            error.WriteLine(FormattableString.Invariant(
                $"synth: {m.DataKey}: {m.Neurons} neurons, {m.TrialsPerTier.Values.Sum()} trials in {m.Seconds:F1} s; oracle live test single-trial {m.LiveTestOracle.SingleTrial:F3}, to-average {m.LiveTestOracle.CorrelationToAverage:F3}, image-only {m.LiveTestOracle.StimulusOnlySingleTrial:F3}"));
        error.WriteLine(FormattableString.Invariant($"synth: done in {result.Seconds:F1} s -> {result.OutputDirectory}"));
        output.WriteLine(SyntheticDataset.ToJson(result));
        return CommandLine.Ok;
    }

    /// <summary>Synchronous progress lines (no thread-pool posting), at most one per stage step of 10%.</summary>
    private sealed class StderrProgress(TextWriter error, Stopwatch clock) : IProgress<SynthProgress>
    {
        private readonly Lock _gate = new();
        private string _last = "";

        public void Report(SynthProgress p)
        {
            int decile = p.Total == 0 ? 10 : 10 * p.Done / p.Total;
            string key = $"{p.DataKey}/{p.Stage}/{decile}";
            lock (_gate)
            {
                if (key == _last) return;
                _last = key;
                error.WriteLine(FormattableString.Invariant($"synth: [{clock.Elapsed.TotalSeconds,6:F1} s] {p.DataKey} {p.Stage} {p.Done}/{p.Total}"));
            }
        }
    }
}
