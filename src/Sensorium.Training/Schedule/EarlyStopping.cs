namespace Sensorium.Training.Schedule;

/// <summary>What the early-stopping schedule tells the trainer after an evaluation.</summary>
public enum EarlyStoppingEvent
{
    /// <summary>The objective improved by more than the tolerance; the best state was saved.</summary>
    Improved,
    /// <summary>No improvement; patience counter went up.</summary>
    NotImproved,
    /// <summary>A round ended (patience exhausted) and the best state was restored before the next round.</summary>
    RestoredAfterRound,
    /// <summary>The objective was not finite: training stops and the best state is restored.</summary>
    NotFinite,
}

/// <summary>
/// The early-stopping schedule of neuralpredictors 0.3.0 (<c>training/early_stopping.py</c>), as used by the
/// Sensorium <c>standard_trainer</c>: evaluate before training; then rounds of at most <c>patience</c>
/// non-improving evaluations (improvement = objective &gt; best + tolerance), each round ending by restoring the best
/// state; <c>lrDecaySteps</c> rounds at most, <c>maxEpochs</c> epochs at most; the best state is restored at the end.
/// The learning-rate schedule is stepped with every evaluation (see <see cref="PlateauLrSchedule"/>); the two are
/// independent, exactly as in the reference, so the LR cut usually lands on the first bad epoch of the next round.
/// </summary>
/// <remarks>
/// Written as an iterator like the Python generator: <see cref="Epochs"/> yields the epoch number to train next;
/// the trainer runs one epoch per item. The callbacks do the model-specific work.
/// </remarks>
public sealed class EarlyStopping(
    int patience = 5,
    int maxEpochs = 200,
    int lrDecaySteps = 4,
    double tolerance = 1e-6,
    int interval = 1,
    int startEpoch = 0)
{
    public int Patience { get; } = patience > 0 ? patience : throw new ArgumentOutOfRangeException(nameof(patience));
    public int MaxEpochs { get; } = maxEpochs >= 0 ? maxEpochs : throw new ArgumentOutOfRangeException(nameof(maxEpochs));
    public int LrDecaySteps { get; } = lrDecaySteps > 0 ? lrDecaySteps : throw new ArgumentOutOfRangeException(nameof(lrDecaySteps));
    public double Tolerance { get; } = tolerance;
    public int Interval { get; } = interval > 0 ? interval : throw new ArgumentOutOfRangeException(nameof(interval));

    /// <summary>The best objective seen so far (the pre-training evaluation counts).</summary>
    public double BestObjective { get; private set; } = double.NaN;

    /// <summary>The epoch after which the best state was saved (0 = before training).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The most recent objective.</summary>
    public double CurrentObjective { get; private set; } = double.NaN;

    /// <summary>The round (0-based) currently running.</summary>
    public int Round { get; private set; }

    /// <summary>Non-improving evaluations in the current round.</summary>
    public int PatienceCounter { get; private set; }

    /// <param name="evaluate">Evaluates the model (in eval mode) and returns the objective (higher is better).</param>
    /// <param name="saveBest">Copies the current state as the best one.</param>
    /// <param name="restoreBest">Loads the best state into the model.</param>
    /// <param name="afterEvaluation">Called after each evaluation that follows an epoch (epoch, objective, event); the LR schedule is stepped here.</param>
    /// <param name="resume">When resuming: the state of a schedule saved in a checkpoint (then no pre-training evaluation is made).</param>
    public IEnumerable<int> Epochs(
        Func<double> evaluate,
        Action saveBest,
        Action restoreBest,
        Action<int, double, EarlyStoppingEvent> afterEvaluation,
        EarlyStoppingState? resume = null)
    {
        int epoch = startEpoch;
        int firstRound = 0;
        if (resume is null)
        {
            BestObjective = CurrentObjective = evaluate();
            BestEpoch = epoch;
            saveBest();
        }
        else
        {
            epoch = resume.Epoch;
            firstRound = resume.Round;
            BestObjective = resume.BestObjective;
            BestEpoch = resume.BestEpoch;
            CurrentObjective = resume.CurrentObjective;
            PatienceCounter = resume.PatienceCounter;
        }

        for (int repeat = firstRound; repeat < LrDecaySteps; repeat++)
        {
            Round = repeat;
            if (resume is null || repeat != firstRound) PatienceCounter = 0;
            while (PatienceCounter < Patience && epoch < MaxEpochs)
            {
                for (int i = 0; i < Interval; i++)
                {
                    epoch++;
                    if (!double.IsFinite(CurrentObjective))
                    {
                        restoreBest();
                        afterEvaluation(epoch - 1, CurrentObjective, EarlyStoppingEvent.NotFinite);
                        yield break;
                    }
                    yield return epoch;
                }
                CurrentObjective = evaluate();
                if (CurrentObjective > BestObjective + Tolerance)
                {
                    saveBest();
                    BestObjective = CurrentObjective;
                    BestEpoch = epoch;
                    PatienceCounter = 0;
                    afterEvaluation(epoch, CurrentObjective, EarlyStoppingEvent.Improved);
                }
                else
                {
                    PatienceCounter++;
                    afterEvaluation(epoch, CurrentObjective, EarlyStoppingEvent.NotImproved);
                }
            }
            // As in the reference, `repeat < lr_decay_steps` is always true here, so the best state is restored after
            // every round that ended before max_iter, including the last one.
            if (epoch < MaxEpochs && LrDecaySteps > 1)
            {
                restoreBest();
                afterEvaluation(epoch, BestObjective, EarlyStoppingEvent.RestoredAfterRound);
            }
        }
        restoreBest();
    }

    /// <summary>The schedule's position, for checkpoints (resume continues the same round with the same counters).</summary>
    public EarlyStoppingState Snapshot(int epoch) => new(epoch, Round, PatienceCounter, BestObjective, BestEpoch, CurrentObjective);
}

/// <summary>Saved position of an <see cref="EarlyStopping"/> schedule.</summary>
public sealed record EarlyStoppingState(int Epoch, int Round, int PatienceCounter, double BestObjective, int BestEpoch, double CurrentObjective);
