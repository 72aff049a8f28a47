namespace Sensorium.Training;

/// <summary>
/// One mouse's preprocessed arrays as the trainer consumes them (normalized units, SENSORIUM.md §2), contiguous,
/// made once at load. Behaviour channels are not stored as planes: the trainer appends them per batch on the device.
/// </summary>
/// <param name="DataKey">e.g. "26872-17-20".</param>
/// <param name="Images">(T, 1, H, W) z-scored, downscaled images, row-major.</param>
/// <param name="Height">H (36 at scale 0.25).</param>
/// <param name="Width">W (64 at scale 0.25).</param>
/// <param name="Responses">(T, N) responses × precision.</param>
/// <param name="NeuronCount">N.</param>
/// <param name="Behavior">(T, 3) behaviour ÷ std.</param>
/// <param name="PupilCenter">(T, 2) z-scored pupil centre.</param>
/// <param name="Train">Trial indices of the train tier, ascending.</param>
/// <param name="Validation">Trial indices of the validation tier, ascending.</param>
/// <param name="CorticalX">x of every neuron (cell_motor_coordinates[:, 0]).</param>
/// <param name="CorticalY">y of every neuron (cell_motor_coordinates[:, 1]).</param>
public sealed record MouseTrainingData(
    string DataKey,
    float[] Images,
    int Height,
    int Width,
    float[] Responses,
    int NeuronCount,
    float[] Behavior,
    float[] PupilCenter,
    int[] Train,
    int[] Validation,
    double[] CorticalX,
    double[] CorticalY)
{
    /// <summary>Trials of every tier: the starter kit scales the loss by √(this / batch size).</summary>
    public int TrialCount => Responses.Length / NeuronCount;

    public void Check()
    {
        int t = TrialCount;
        if (Responses.Length != t * NeuronCount) throw new ArgumentException($"{DataKey}: responses hold {Responses.Length} values, not a multiple of {NeuronCount} neurons");
        if (Images.Length != t * Height * Width) throw new ArgumentException($"{DataKey}: images hold {Images.Length} values, expected {t}×{Height}×{Width}");
        if (Behavior.Length != t * 3) throw new ArgumentException($"{DataKey}: behaviour holds {Behavior.Length} values, expected {t}×3");
        if (PupilCenter.Length != t * 2) throw new ArgumentException($"{DataKey}: pupil centre holds {PupilCenter.Length} values, expected {t}×2");
        if (CorticalX.Length != NeuronCount || CorticalY.Length != NeuronCount) throw new ArgumentException($"{DataKey}: cortical coordinates for {CorticalX.Length} neurons, expected {NeuronCount}");
        if (Train.Length == 0) throw new ArgumentException($"{DataKey}: no train trials");
        if (Validation.Length == 0) throw new ArgumentException($"{DataKey}: no validation trials (early stopping needs them)");
        foreach (int i in Train.Concat(Validation))
            if (i < 0 || i >= t) throw new ArgumentException($"{DataKey}: trial index {i} outside 0..{t - 1}");
    }
}
