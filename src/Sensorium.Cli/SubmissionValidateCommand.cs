using System.Text.Json;
using Sensorium.Data.Submissions;

namespace Sensorium.Cli;

/// <summary>`sensorium submission validate`: checks a submission CSV against the dataset's trials and neurons.</summary>
public sealed class SubmissionValidateCommand : ICommand
{
    public string Name => "submission validate";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

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
