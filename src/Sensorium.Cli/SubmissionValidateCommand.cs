using System.Text.Json;
using Sensorium.Data.Submissions;

namespace Sensorium.Cli;

/// <summary>`sensorium submission validate`: checks a submission CSV against the dataset's trials and neurons.</summary>
public sealed class SubmissionValidateCommand : ICommand
{
    public string Name => "submission validate";
    public string Summary => "check a submission CSV against a dataset (or a ground-truth CSV); JSON report";
    public string Usage =>
        "usage: sensorium submission validate --file F --data DIR --track sensorium|sensorium+ --tier test|final_test\n" +
        "  --file F                       the submission CSV\n" +
        "  --data DIR                     dataset root, mouse folder or mouse zip (or a ground-truth CSV)\n" +
        SubmissionInputs.TrackTierUsage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string file = args.Required("file");
        string data = args.Required("data");
        var (dataKey, tier) = SubmissionInputs.MouseAndTier(args);
        var options = SubmissionInputs.Options(args);
        args.RejectUnknown();

        SubmissionInputs.RequireFile(file);
        var target = SubmissionInputs.Target(data, dataKey, tier);
        var report = SubmissionValidator.Validate(file, target, options);
        if (!report.Valid) return SubmissionInputs.Invalid(report, Name, output, error);
        output.WriteLine(JsonSerializer.Serialize(SubmissionInputs.ReportJson(report), SubmissionInputs.Json));
        foreach (var w in report.Warnings) error.WriteLine($"warning: {w}");
        return CommandLine.Ok;
    }
}
