using System.Globalization;
using System.Text;
using System.Text.Json;
using Sensorium.Data;
using Sensorium.Training;
using Sensorium.Training.Sweeps;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium sweep`: expands a base spec and axes (<see cref="SweepExpansion"/>), writes each run's spec under
/// OUT/run-NNN/ and trains them one after another with `train`; prints a table of best validation scores, the best
/// marked. A run whose summary.json is already there is not trained again, so a stopped sweep continues where it was.
/// </summary>
public sealed class SweepCommand : ICommand
{
    public string Name => "sweep";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        var sweep = Definition(args);
        string? outDir = args.Optional("out");
        bool dryRun = args.Flag("dry-run");
        args.RejectUnknown();
        if (outDir is null && !dryRun) throw new UsageException("--out is required (or --dry-run to list the runs only)");

        var points = SweepExpansion.Expand(sweep);
        if (outDir is not null) Write(sweep, points, outDir);
        if (dryRun)
        {
            output.Write(Table(points, null));
            error.WriteLine($"sweep: {points.Count} run(s){(outDir is null ? "" : $"; specs written under {outDir}")} (dry run, nothing trained)");
            return CommandLine.Ok;
        }

        var results = new SweepRunResult?[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            var runDir = RunDirectory(outDir!, points[i]);
            var summaryPath = Path.Combine(runDir, "summary.json");
            if (!File.Exists(summaryPath))
            {
                error.WriteLine($"sweep: run {i + 1} of {points.Count}: {points[i].Label}");
                var trainOut = new StringWriter();
                int code = new TrainCommand().Run(CliArgs.Parse(["--spec", Path.Combine(runDir, "spec.json"), "--out", runDir]), trainOut, error);
                if (code == TrainCommand.Cancelled)
                {
                    error.WriteLine($"sweep: cancelled during run {i + 1}; run the same command again to continue (finished runs are kept)");
                    output.Write(Table(points, results));
                    return code;
                }
                if (code != CommandLine.Ok && code != TrainCommand.Diverged)
                    throw new DataFormatException(runDir, $"run {i + 1} ({points[i].Label}) ended with exit code {code}");
            }
            else error.WriteLine($"sweep: run {i + 1} of {points.Count} already trained ({summaryPath})");
            results[i] = ReadResult(summaryPath);
        }
        output.Write(Table(points, results));
        var best = Best(results);
        File.WriteAllText(Path.Combine(outDir!, "results.json"), JsonSerializer.Serialize(points.Select((p, i) => new
        {
            run = i + 1,
            directory = RunDirectory(outDir!, p),
            values = p.Values.ToDictionary(v => v.Field, v => v.Value),
            validation = results[i]?.Validation,
            bestEpoch = results[i]?.BestEpoch,
            diverged = results[i]?.Diverged,
            best = i == best,
        }), SweepDefinition.Json));
        return CommandLine.Ok;
    }

    /// <summary>The sweep from --file, or from --spec with --grid/--range and --random/--budget.</summary>
    static SweepDefinition Definition(CliArgs args)
    {
        string? file = args.Optional("file");
        string? specFile = args.Optional("spec");
        var grids = args.Many("grid");
        var ranges = args.Many("range");
        string? random = args.Optional("random");
        string? budget = args.Optional("budget");
        string? seed = args.Optional("sweep-seed");
        if (file is not null)
        {
            if (specFile is not null || grids.Count > 0 || ranges.Count > 0 || random is not null || budget is not null || seed is not null)
                throw new UsageException("--file holds the whole sweep; give it alone (with --out/--dry-run)");
            if (!File.Exists(file)) throw new DataFormatException(file, "sweep file not found");
            var fromFile = SweepDefinition.FromJson(File.ReadAllText(file), file);
            if (fromFile.Base is null) throw new DataFormatException(file, "the sweep has no \"base\" run spec");
            return fromFile;
        }
        if (specFile is null) throw new UsageException("give --spec BASE.json with --grid/--range, or --file SWEEP.json");
        if (!File.Exists(specFile)) throw new DataFormatException(specFile, "spec file not found");
        if (grids.Count == 0 && ranges.Count == 0) throw new UsageException("give at least one --grid FIELD=V1,V2,… or --range FIELD=LOW:HIGH[:log]");
        using var baseJson = JsonDocument.Parse(File.ReadAllText(specFile), new JsonDocumentOptions { AllowTrailingCommas = false });
        int? Number(string name, string? text, int min) =>
            text is null ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min ? n
            : throw new UsageException($"--{name} must be an integer ≥ {min} (got '{text}')");
        int? randomCount = Number("random", random, 1);
        if (randomCount is not null && budget is not null) throw new UsageException("--random N is the budget of a random sweep; drop --budget");
        return new SweepDefinition
        {
            Base = baseJson.RootElement.Clone(),
            Mode = randomCount is null ? SweepExpansion.Grid : SweepExpansion.Random,
            Budget = randomCount ?? Number("budget", budget, 1),
            Seed = Number("sweep-seed", seed, 0) ?? 0,
            Axes = [.. grids.Select(SweepAxis.ParseGrid), .. ranges.Select(SweepAxis.ParseRange)],
        };
    }

    static string RunDirectory(string outDir, SweepPoint point) => Path.Combine(outDir, $"run-{point.Index + 1:D3}");

    static void Write(SweepDefinition sweep, IReadOnlyList<SweepPoint> points, string outDir)
    {
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "sweep.json"), sweep.ToJson());
        foreach (var point in points)
        {
            var dir = RunDirectory(outDir, point);
            Directory.CreateDirectory(dir);
            var specPath = Path.Combine(dir, "spec.json");
            var json = point.Spec.ToJson();
            // A finished run keeps its spec; a different one there means the sweep changed under it.
            if (File.Exists(Path.Combine(dir, "summary.json")) && File.Exists(specPath)
                && RunSpec.FromJson(File.ReadAllText(specPath), specPath) != point.Spec)
                throw new DataFormatException(specPath, $"run {point.Index + 1} was trained with another spec; use a new --out for a changed sweep");
            File.WriteAllText(specPath, json);
        }
    }

    sealed record SweepRunResult(double Validation, int BestEpoch, bool Diverged);

    static SweepRunResult ReadResult(string summaryPath)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        double Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
        return new SweepRunResult(Get("bestObjective"), (int)Get("bestEpoch"),
            root.TryGetProperty("diverged", out var d) && d.ValueKind == JsonValueKind.True);
    }

    static int Best(IReadOnlyList<SweepRunResult?> results)
    {
        int best = -1;
        for (int i = 0; i < results.Count; i++)
            if (results[i] is { } r && double.IsFinite(r.Validation) && (best < 0 || r.Validation > results[best]!.Validation)) best = i;
        return best;
    }

    /// <summary>One line per run: number, swept values, validation (best objective), best epoch; the best marked with *.</summary>
    static string Table(IReadOnlyList<SweepPoint> points, IReadOnlyList<SweepRunResult?>? results)
    {
        var fields = points.Count == 0 ? [] : points[0].Values.Select(v => v.Field).ToList();
        var header = new List<string> { "run" };
        header.AddRange(fields);
        if (results is not null) header.AddRange(["validation", "best epoch", ""]);
        var rows = new List<List<string>>();
        int best = results is null ? -1 : Best(results);
        for (int i = 0; i < points.Count; i++)
        {
            var row = new List<string> { (i + 1).ToString(CultureInfo.InvariantCulture) };
            row.AddRange(points[i].Values.Select(v => v.Text));
            if (results is not null)
            {
                var r = results[i];
                row.Add(r is null ? "not trained" : double.IsFinite(r.Validation) ? r.Validation.ToString("F4", CultureInfo.InvariantCulture) : "n/a");
                row.Add(r is null ? "" : r.BestEpoch.ToString(CultureInfo.InvariantCulture));
                row.Add(i == best ? "* best" : r is { Diverged: true } ? "diverged" : "");
            }
            rows.Add(row);
        }
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToList();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.AppendLine(string.Join("  ", cells.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        Line(header);
        foreach (var row in rows) Line(row);
        return text.ToString();
    }
}
