namespace Sensorium.Web.Tests;

/// <summary>
/// The worker protocol reads what workers wrote before it was one assembly: these lines are an events.jsonl and a
/// summary line in the format `sensorium train` wrote before the protocol moved to Sensorium.Contracts (typed here by
/// hand, not produced by the code under test). Crash recovery replays such files from runs already on disk.
/// </summary>
public sealed class WorkerProtocolTests
{
    const string Mouse = "26872-17-20";

    static readonly string[] EventsLog =
    [
        """{"type":"started","device":"cpu","threads":1,"parameters":1000,"batchesPerEpoch":2,"validationBefore":{"26872-17-20":0.01},"startEpoch":0}""",
        """{"type":"batch","epoch":1,"batch":2,"batchesPerEpoch":2,"dataKey":"26872-17-20","loss":9.5,"samplesPerSecond":100,"epochEtaSeconds":0}""",
        """{"type":"batch","epoch":2,"batch":1,"batchesPerEpoch":2,"dataKey":"26872-17-20","loss":"NaN","samplesPerSecond":100,"epochEtaSeconds":1.5}""",
        """{"type":"epoch","epoch":1,"trainLoss":9,"validation":{"26872-17-20":0.1104},"objective":0.1104,"learningRate":0.009,"epochSeconds":2,"samplesPerSecond":100,"improved":true,"bestObjective":0.1104,"bestEpoch":1,"round":1,"etaSeconds":20}""",
        """{"type":"checkpoint","epoch":1,"path":"/runs/7/checkpoint"}""",
        """{"type":"restored","epoch":6,"bestObjective":0.1104,"bestEpoch":1}""",
        """{"type":"diverged","epoch":3,"batch":4,"what":"loss NaN","recovered":true,"learningRate":0.0027,"recoveries":1,"bestObjective":0.18,"bestEpoch":1,"message":"diverged at epoch 3, batch 4 (loss NaN)"}""",
        """{"type":"finished","epochs":6,"bestObjective":0.1104,"bestEpoch":1,"bestValidation":{"26872-17-20":0.1104},"reason":"early stop","seconds":12.5,"diverged":false,"recoveries":1}""",
    ];

    const string SummaryLine =
        """{"type":"summary","run":"/runs/7","best_validation_correlation":{"26872-17-20":0.1104},"best_objective":0.1104,"best_epoch":1,"epochs":6,"stopped_by":"early stop","diverged":false,"recoveries":1,"seconds":12.5,"device":"cpu","model":"/runs/7/model.pth"}""";

    [Fact]
    public void Specs_and_events_live_in_one_contracts_assembly_that_needs_no_TorchSharp()
    {
        var contracts = typeof(WorkerProtocol).Assembly;
        Type[] shared =
        [
            typeof(Sensorium.Training.RunSpec), typeof(DatasetSpec), typeof(TrainerSpec), typeof(Sensorium.Models.ModelSpec),
            typeof(Sensorium.Models.Cores.CoreSpec), typeof(Sensorium.Models.Cores.Stacked2dCoreSpec),
            typeof(Sensorium.Models.Cores.ConvCoreSpec), typeof(Sensorium.Models.Cores.VitCoreSpec),
            typeof(Sensorium.Models.Readouts.ReadoutSpec), typeof(Sensorium.Models.Shifters.ShifterSpec),
            typeof(TrainingStarted), typeof(BatchProgress), typeof(EpochCompleted), typeof(TrainingFinished),
        ];
        Assert.All(shared, t => Assert.Same(contracts, t.Assembly));
        var references = contracts.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, name => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Sensorium.Models", references);
        Assert.DoesNotContain("Sensorium.Training", references);
        Assert.DoesNotContain(contracts.GetTypes(), t => t.Namespace?.StartsWith("TorchSharp", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void An_events_log_in_the_earlier_format_reads_as_typed_events_and_writes_back_byte_for_byte()
    {
        var events = EventsLog.Select(WorkerProtocol.Parse).ToList();
        Assert.All(events, Assert.NotNull);
        Assert.Equal([typeof(TrainingStarted), typeof(BatchProgress), typeof(BatchProgress), typeof(EpochCompleted),
            typeof(CheckpointSaved), typeof(BestRestored), typeof(Diverged), typeof(TrainingFinished)], events.Select(e => e!.GetType()));

        var batch = (BatchProgress)events[1]!;
        Assert.Equal((1, 2, 2, Mouse, 9.5), (batch.Epoch, batch.Batch, batch.BatchesPerEpoch, batch.DataKey, batch.Loss));
        Assert.True(double.IsNaN(((BatchProgress)events[2]!).Loss));
        var epoch = (EpochCompleted)events[3]!;
        Assert.Equal((1, 0.1104, 0.1104, 20.0), (epoch.Epoch, epoch.Objective, epoch.Validation[Mouse], epoch.EtaSeconds));
        Assert.Equal("/runs/7/checkpoint", ((CheckpointSaved)events[4]!).Path);
        Assert.Equal((3, (int?)4, true), (((Diverged)events[6]!).Epoch, ((Diverged)events[6]!).Batch, ((Diverged)events[6]!).Recovered));
        Assert.Equal("early stop", ((TrainingFinished)events[7]!).Reason);
        Assert.Equal([null, 1, 2, 1, 1, 6, null, null], events.Select(e => WorkerProtocol.EpochOf(e!))); // recovery skips what the store has, by epoch

        Assert.Equal(EventsLog, events.Select(e => WorkerProtocol.Line(e!))); // the format itself did not change
    }

    [Fact]
    public void The_summary_line_is_a_typed_event_with_the_finished_training_s_data()
    {
        var summary = Assert.IsType<TrainingSummary>(WorkerProtocol.Parse(SummaryLine));
        Assert.Equal(("/runs/7", 0.1104, 1, 6, "early stop", false, 1, "cpu", "/runs/7/model.pth"),
            (summary.Run, summary.BestObjective, summary.BestEpoch, summary.Epochs, summary.StoppedBy, summary.Diverged,
             summary.Recoveries, summary.Device, summary.Model));
        Assert.Equal(0.1104, summary.BestValidationCorrelation![Mouse]);
        Assert.Equal(SummaryLine, WorkerProtocol.Line(summary));

        var finished = (TrainingFinished)WorkerProtocol.Parse(EventsLog[^1])!;
        Assert.Equal(SummaryLine, WorkerProtocol.Line(TrainingSummary.Of(finished, "/runs/7", "cpu", "/runs/7/model.pth")));

        // What an older worker's reader saw: a summary with only some keys, still a summary and not a message.
        Assert.IsType<TrainingSummary>(WorkerProtocol.Parse("""{"type":"summary","run":"x","diverged":true}"""));
    }

    [Theory]
    [InlineData("train: epoch 1 batch 2/12 loss 12.5")] // a message
    [InlineData("""{"type":"batch","epoch":3,"ba""")] // torn by a kill
    [InlineData("""{"type":"nonsense","epoch":1}""")] // not an event of the protocol
    [InlineData("""{"type":"batch","epoch":1,"unknownKey":2}""")] // a key the protocol does not have
    public void What_is_not_an_event_of_the_protocol_is_not_read_as_one(string line) => Assert.Null(WorkerProtocol.Parse(line));
}
