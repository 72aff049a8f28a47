using System.Text.Json;
using Sensorium.Data;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium submission make`: the official live-test and final-test CSVs of a track from a trained run.</summary>
public sealed class SubmissionMakeCommand : ICommand
{
    public string Name => "submission make";
    public string Summary => "write and validate a run's live-test and final-test submission CSVs for a track";
    public string Usage => """
        usage: sensorium submission make --run RUNDIR --track sensorium|sensorium+ --out DIR [--data DIR] [--mouse KEY]
                                         [--device auto|cpu|cuda]
          --track   sensorium: mouse 26872-17-20; sensorium+: mouse 27204-5-13 (the run must have been trained on it)
          --data    the dataset to read the mouse from (default: the run's own)
          --mouse   another data key (e.g. a pre-training mouse's live test)
        Writes DIR/submission_file_live_test.csv and DIR/submission_file_final_test.csv (when the mouse has a final
        test), validates each, and prints a JSON report. Exit code 1 if a written file does not validate.
        """;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string run = args.Required("run");
        string track = args.RequiredChoice("track", [.. Track.Names]);
        string outDir = args.Required("out");
        string? data = args.Optional("data");
        string? mouse = args.Optional("mouse");
        string device = args.Choice("device", "auto", "auto", "cpu", "cuda");
        args.RejectUnknown();
        var made = SubmissionMaker.Make(run, track, outDir, data, mouse, device, line => error.WriteLine("submission make: " + line));
        var report = new SubmissionMakeReport(Path.GetFullPath(run), track, made.Select(m => new MadeSubmissionFile(
            m.Tier, m.Path, m.Report.Valid, m.Report.Rows, m.Report.Neurons, m.Report.Errors.Select(e => e.ToString()).ToList())).ToList());
        output.WriteLine(JsonSerializer.Serialize(report, SubmissionMakeReport.Json));
        return made.All(m => m.Report.Valid) ? CommandLine.Ok : CommandLine.InvalidInput;
    }
}
