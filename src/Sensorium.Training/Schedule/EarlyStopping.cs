namespace Sensorium.Training.Schedule;

/// <summary>What the schedule tells the trainer to do next (<see cref="EarlyStopping.Next"/>).</summary>
public enum EarlyStoppingStep
{
    /// <summary>Train epoch <see cref="EarlyStopping.Epoch"/>, then <see cref="EarlyStopping.Observe"/> its objective.</summary>
    Train,
    /// <summary>A round ended (patience exhausted): restore the best weights, then ask again.</summary>
    RoundEnded,
    /// <summary>The schedule is over (rounds or max epochs used up): restore the best weights and stop.</summary>
    Finished,
    /// <summary>The last objective was not finite: restore the best weights and stop.</summary>
    NotFinite,
}

/// <summary>What an evaluation meant (<see cref="EarlyStopping.Observe"/>).</summary>
public enum EarlyStoppingVerdict
{
    /// <summary>The objective improved by more than the tolerance: save the current weights as the best.</summary>
    Improved,
    /// <summary>No improvement; the patience counter went up.</summary>
    NotImproved,
}

/// <summary>
/// The early-stopping schedule of neuralpredictors 0.3.0 (<c>training/early_stopping.py</c>), as used by the
/// Sensorium <c>standard_trainer</c>, as a state object the trainer asks: evaluate before training (<see cref="Start"/>);
/// then rounds of at most <c>patience</c> non-improving evaluations (improvement = objective &gt; best + tolerance),
/// each round ending by restoring the best state; <c>lrDecaySteps</c> rounds at most, <c>maxEpochs</c> epochs at
/// most; the best state is restored at the end. The learning-rate schedule is stepped by the trainer with every
/// evaluation (see <see cref="PlateauLrSchedule"/>); the two are independent, exactly as in the reference, so the LR
/// cut usually lands on the first bad epoch of the next round.
/// </summary>
/// <remarks>The reference is a generator with callbacks; here the trainer's loop reads top to bottom:
/// <c>while (Next() is not Finished) { train; Observe(evaluate()); … }</c>.</remarks>
public sealed class EarlyStopping(int patience = 5, int maxEpochs = 200, int lrDecaySteps = 4, double tolerance = 1e-6)
{
    private bool finished;

    public int Patience { get; } = patience > 0 ? patience : throw new ArgumentOutOfRangeException(nameof(patience));
    public int MaxEpochs { get; } = maxEpochs >= 0 ? maxEpochs : throw new ArgumentOutOfRangeException(nameof(maxEpochs));
    public int LrDecaySteps { get; } = lrDecaySteps > 0 ? lrDecaySteps : throw new ArgumentOutOfRangeException(nameof(lrDecaySteps));
    public double Tolerance { get; } = tolerance;

    /// <summary>The epoch being trained (after <see cref="Next"/> said Train), or the last one trained.</summary>
    public int Epoch { get; private set; }

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

    /// <summary>The pre-training evaluation: it is the first best (save the weights as the best).</summary>
    public void Start(double objective)
    {
        BestObjective = CurrentObjective = objective;
        BestEpoch = Epoch = Round = PatienceCounter = 0;
        finished = false;
    }

    /// <summary>Continue a schedule saved in a checkpoint (no pre-training evaluation then).</summary>
    public void Resume(EarlyStoppingState state)
    {
        Epoch = state.Epoch;
        Round = state.Round;
        BestObjective = state.BestObjective;
        BestEpoch = state.BestEpoch;
        CurrentObjective = state.CurrentObjective;
        PatienceCounter = state.PatienceCounter;
        finished = false;
    }

    /// <summary>What to do next. After <see cref="EarlyStoppingStep.Train"/>, <see cref="Epoch"/> is the epoch to train.</summary>
    public EarlyStoppingStep Next()
    {
        while (true)
        {
            if (finished || Round >= LrDecaySteps)
            {
                finished = true;
                return EarlyStoppingStep.Finished;
            }
            if (PatienceCounter < Patience && Epoch < MaxEpochs)
            {
                if (!double.IsFinite(CurrentObjective))
                {
                    finished = true;
                    return EarlyStoppingStep.NotFinite;
                }
                Epoch++;
                return EarlyStoppingStep.Train;
            }
            // As in the reference, `repeat < lr_decay_steps` is always true here, so the best state is restored after
            // every round that ended before max_iter, including the last one (and once more at the end).
            bool restore = Epoch < MaxEpochs && LrDecaySteps > 1;
            Round++;
            PatienceCounter = 0;
            if (restore) return EarlyStoppingStep.RoundEnded;
        }
    }

    /// <summary>The objective after the epoch just trained.</summary>
    public EarlyStoppingVerdict Observe(double objective)
    {
        CurrentObjective = objective;
        if (objective > BestObjective + Tolerance)
        {
            BestObjective = objective;
            BestEpoch = Epoch;
            PatienceCounter = 0;
            return EarlyStoppingVerdict.Improved;
        }
        PatienceCounter++;
        return EarlyStoppingVerdict.NotImproved;
    }

    /// <summary>Forget the last objective after the trainer restored the best weights (a recovered divergence):
    /// the schedule goes on from the best state as if the failed epoch had not improved.</summary>
    public void RecoverFromNonFinite() => CurrentObjective = BestObjective;

    /// <summary>The schedule's position, for checkpoints (resume continues the same round with the same counters).</summary>
    public EarlyStoppingState Snapshot() => new(Epoch, Round, PatienceCounter, BestObjective, BestEpoch, CurrentObjective);
}

/// <summary>Saved position of an <see cref="EarlyStopping"/> schedule.</summary>
public sealed record EarlyStoppingState(int Epoch, int Round, int PatienceCounter, double BestObjective, int BestEpoch, double CurrentObjective);
