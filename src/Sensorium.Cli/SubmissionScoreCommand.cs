using System.Text.Json;
using Sensorium.Data.Submissions;

namespace Sensorium.Cli;

/// <summary>`sensorium submission score`: the official evaluate() of a submission against the ground truth.</summary>
public sealed class SubmissionScoreCommand : ICommand
{
    public string Name => "submission score";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string file = args.Required("file");
        string truthPath = args.Required("truth");
        var (dataKey, tier) = SubmissionInputs.MouseAndTier(args);
        var options = SubmissionInputs.Options(args);
        bool perNeuron = args.Flag("per-neuron");
        args.RejectUnknown();

        SubmissionInputs.RequireFile(file);
        var truth = SubmissionInputs.Truth(truthPath, dataKey, tier);
        if (AllZero(truth.Responses))
            error.WriteLine($"warning: the '{tier}' responses of {dataKey} are all zero (withheld by the competition); these scores mean nothing");
        var score = SubmissionScorer.Score(file, truth, options);
        if (score.Metrics is not { } m) return SubmissionInputs.Invalid(score.Report, Name, output, error);
        foreach (var w in score.Report.Warnings) error.WriteLine($"warning: {w}");

        var result = new Dictionary<string, object>
        {
            ["mouse"] = dataKey,
            ["tier"] = tier,
            ["trials"] = truth.Target.Trials,
            ["neurons"] = truth.Target.Neurons,
            ["single_trial_correlation"] = m.SingleTrialCorrelation,
            ["correlation_to_average"] = m.CorrelationToAverage,
            ["feve"] = m.Feve,
            ["feve_neurons"] = m.FeveNeurons,
        };
        if (perNeuron)
            result["per_neuron"] = new
            {
                NeuronIds = score.NeuronIds,
                m.PerNeuron.SingleTrialCorrelation,
                m.PerNeuron.CorrelationToAverage,
                m.PerNeuron.Fev,
                m.PerNeuron.Feve,
            };
        output.WriteLine(JsonSerializer.Serialize(result, SubmissionInputs.Json));
        return CommandLine.Ok;
    }

    private static bool AllZero(double[,] values)
    {
        foreach (double v in values) if (v != 0) return false;
        return values.Length > 0;
    }
}
