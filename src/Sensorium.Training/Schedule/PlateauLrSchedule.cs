namespace Sensorium.Training.Schedule;

/// <summary>
/// PyTorch's <c>ReduceLROnPlateau</c> as the Sensorium trainer configures it: mode max, factor 0.3, patience 5,
/// absolute threshold 1e-6, min_lr 1e-4, no cooldown. Its best starts at −∞ and is stepped after every epoch's
/// evaluation; the LR is cut on the (patience+1)-th consecutive non-improving step.
/// </summary>
public sealed class PlateauLrSchedule(double initialLr, double factor = 0.3, int patience = 5, double threshold = 1e-6, double minLr = 1e-4)
{
    private const double Eps = 1e-8; // PyTorch's default: changes smaller than this are ignored

    public double LearningRate { get; private set; } = initialLr;
    public double Best { get; private set; } = double.NegativeInfinity;
    public int BadEpochs { get; private set; }

    /// <summary>Feeds one objective; returns true when the learning rate was reduced.</summary>
    public bool Step(double objective)
    {
        if (objective > Best + threshold)
        {
            Best = objective;
            BadEpochs = 0;
        }
        else BadEpochs++;

        if (BadEpochs <= patience) return false;
        BadEpochs = 0;
        double next = Math.Max(LearningRate * factor, minLr);
        if (LearningRate - next <= Eps) return false;
        LearningRate = next;
        return true;
    }

    /// <summary>Set a lower learning rate outside the plateau rule (the trainer's recovery from a divergence); the
    /// count of bad epochs starts again.</summary>
    public void Reduce(double learningRate)
    {
        LearningRate = learningRate;
        BadEpochs = 0;
    }

    public PlateauLrState Snapshot() => new(LearningRate, Best, BadEpochs);

    public void Restore(PlateauLrState state)
    {
        LearningRate = state.LearningRate;
        Best = state.Best;
        BadEpochs = state.BadEpochs;
    }
}

/// <summary>Saved state of a <see cref="PlateauLrSchedule"/>.</summary>
public sealed record PlateauLrState(double LearningRate, double Best, int BadEpochs);
