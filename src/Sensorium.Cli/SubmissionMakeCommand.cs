using System.Text.Json;
using Sensorium.Data;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium submission make`: the official live-test and final-test CSVs of a track from a trained run.</summary>
public sealed class SubmissionMakeCommand : ICommand
{
    public string Name => "submission make";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

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
