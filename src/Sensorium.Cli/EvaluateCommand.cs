using System.Text.Json;
using Sensorium.Data.Format;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>`sensorium evaluate`: the official metrics of a trained run on one tier, per mouse, as JSON.</summary>
public sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string run = args.Required("run");
        string? data = args.Optional("data");
        string? truth = args.Optional("truth");
        string tierText = args.Choice("tier", "validation", "validation", "test", "final_test", "train");
        string device = args.Choice("device", "auto", "auto", "cpu", "cuda");
        bool perNeuron = args.Flag("per-neuron");
        args.RejectUnknown();
        Tiers.TryParse(tierText, out var tier);
        var results = RunEvaluation.Evaluate(run, tier, data, truth, device, line => error.WriteLine("evaluate: " + line));
        output.WriteLine(JsonSerializer.Serialize(new
        {
            run = Path.GetFullPath(run),
            tier = tierText,
            mice = results.Select(r => new
            {
                data_key = r.DataKey,
                trials = r.Trials,
                neurons = r.Neurons,
                images = r.Images,
                single_trial_correlation = r.SingleTrialCorrelation,
                correlation_to_average = r.CorrelationToAverage,
                feve = r.Feve,
                feve_neurons = r.FeveNeurons,
                per_neuron = perNeuron ? r.PerNeuron : null,
            }),
        }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        return CommandLine.Ok;
    }
}
