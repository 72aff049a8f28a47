using Sensorium.Training.Schedule;

namespace Sensorium.Training.Tests.Schedule;

public class EarlyStoppingTests
{
    /// <summary>Runs the schedule against a scripted sequence of objectives, recording what it did.</summary>
    private static (List<string> Log, List<double> LearningRates) Simulate(double[] objectives, int maxEpochs = 200, int decaySteps = 4)
    {
        var log = new List<string>();
        var lrs = new List<double>();
        int next = 0;
        double state = double.NaN, best = double.NaN;
        var lr = new PlateauLrSchedule(0.009);
        var es = new EarlyStopping(patience: 5, maxEpochs: maxEpochs, lrDecaySteps: decaySteps);
        es.Start(state = objectives[next++]);
        best = state; log.Add($"save {state}");
        while (true)
        {
            var step = es.Next();
            if (step is EarlyStoppingStep.Finished or EarlyStoppingStep.NotFinite)
            {
                log.Add($"restore {best}");
                break;
            }
            if (step == EarlyStoppingStep.RoundEnded)
            {
                log.Add($"restore {best}");
                continue;
            }
            log.Add($"epoch {es.Epoch}");
            state = objectives[Math.Min(next++, objectives.Length - 1)];
            if (es.Observe(state) == EarlyStoppingVerdict.Improved) { best = state; log.Add($"save {state}"); }
            if (lr.Step(state)) log.Add($"lr {lr.LearningRate:G4} at {es.Epoch}");
            lrs.Add(lr.LearningRate);
        }
        return (log, lrs);
    }

    [Fact]
    public void RoundsEndAfterFiveBadEpochsAndTheLrCutLandsOnTheNextRoundsFirstBadEpoch()
    {
        // before training 0.1; epoch 1 improves to 0.2; then nothing ever beats it.
        double[] objectives = [0.1, 0.2, .. Enumerable.Repeat(0.15, 100)];
        var (log, lrs) = Simulate(objectives);

        // Round 1: epochs 1..6 (improvement at 1, five bad at 2..6) then restore; rounds 2-4: five bad epochs each.
        Assert.Equal(1 + 5 * 4, log.Count(l => l.StartsWith("epoch")));
        Assert.Equal(["save 0.1", "epoch 1", "save 0.2"], log.Take(3));
        Assert.Equal(4 + 1, log.Count(l => l.StartsWith("restore"))); // after each of 4 rounds + final
        // ReduceLROnPlateau: best 0.2 at epoch 1, bad epochs 2..6 = 5 (not > patience), epoch 7 -> 6th bad -> cut.
        Assert.Contains("lr 0.0027 at 7", log);
        Assert.Contains("lr 0.00081 at 13", log);
        Assert.Contains("lr 0.000243 at 19", log);
        Assert.Equal(0.009, lrs[5]);
        Assert.Equal(0.0027, lrs[6], 12);
    }

    [Fact]
    public void MaxEpochsCapsTraining()
    {
        double[] objectives = Enumerable.Range(0, 50).Select(i => i * 0.01).ToArray(); // always improving
        var (log, _) = Simulate(objectives, maxEpochs: 7);
        Assert.Equal(7, log.Count(l => l.StartsWith("epoch")));
        Assert.Equal("restore 0.07", log[^1]); // final restore of the best (= last) state
    }

    [Fact]
    public void ToleranceMeansTinyGainsDoNotCount()
    {
        double[] objectives = [0.5, 0.5000001, 0.5000005, 0.5000009, 0.5000002, 0.4999, 0.6];
        var es = new EarlyStopping(patience: 5, maxEpochs: 100, lrDecaySteps: 1);
        var events = new List<EarlyStoppingVerdict>();
        es.Start(objectives[0]);
        int i = 1;
        while (es.Next() == EarlyStoppingStep.Train) events.Add(es.Observe(objectives[Math.Min(i++, objectives.Length - 1)]));
        Assert.Equal(Enumerable.Repeat(EarlyStoppingVerdict.NotImproved, 5), events);
        Assert.Equal(0.5, es.BestObjective);
    }

    [Fact]
    public void NonFiniteObjectiveStopsAndRestores()
    {
        double[] objectives = [0.1, 0.2, double.NaN];
        var (log, _) = Simulate(objectives);
        Assert.Equal(2, log.Count(l => l.StartsWith("epoch")));
        Assert.Equal("restore 0.2", log[^1]);
    }

    [Fact]
    public void LrNeverGoesBelowTheFloor()
    {
        var lr = new PlateauLrSchedule(0.009);
        for (int i = 0; i < 200; i++) lr.Step(0.0);
        Assert.Equal(1e-4, lr.LearningRate, 15);
    }

    [Fact]
    public void CyclerVisitsEveryTrainTrialOncePerMouseAndRoundRobins()
    {
        int[] a = Enumerable.Range(0, 10).ToArray();
        int[] b = Enumerable.Range(100, 25).ToArray();
        var steps = MiceCycler.Epoch([a, b], batchSize: 4, new Random(1));
        // b has 7 batches (last partial), a has 3 and is cycled: 2 mice x 7 steps.
        Assert.Equal(14, steps.Count);
        Assert.Equal([0, 1, 0, 1], steps.Take(4).Select(s => s.Mouse));
        Assert.Equal(b.OrderBy(x => x), steps.Where(s => s.Mouse == 1).SelectMany(s => s.Trials).OrderBy(x => x));
        Assert.Equal(a.OrderBy(x => x), steps.Where(s => s.Mouse == 0).Take(3).SelectMany(s => s.Trials).OrderBy(x => x));
        Assert.Equal(steps[0].Trials, steps.Where(s => s.Mouse == 0).ElementAt(3).Trials); // replayed like itertools.cycle
        Assert.Equal(steps.Select(s => s.Trials), MiceCycler.Epoch([a, b], 4, new Random(1)).Select(s => s.Trials)); // seeded
    }
}
