namespace Sensorium.Data.Format;

/// <summary>How meta/trials/trial_idx is stored: integers (pre-training mice, true presentation order) or 32-hex hashes (competition mice).</summary>
public enum TrialIdxKind { Integer, Hash }

/// <summary>
/// The per-trial and per-neuron metadata of one mouse (meta/trials, meta/neurons). Arrays indexed by trial follow the
/// trial file number; arrays indexed by neuron follow the order of the response vectors.
/// </summary>
/// <param name="Tiers">meta/trials/tiers.npy, one per trial (stored as unicode or bytes).</param>
/// <param name="TiersDType">The stored dtype of tiers.npy, e.g. "&lt;U10" or "|S10".</param>
/// <param name="FrameImageId">meta/trials/frame_image_id.npy; repeats of an image share it.</param>
/// <param name="TrialIdx">meta/trials/trial_idx.npy as strings (integers in invariant culture, or the hash); never parse as numbers.</param>
/// <param name="TrialIdxKind">Integer or Hash.</param>
/// <param name="UnitIds">meta/neurons/unit_ids.npy (non-contiguous ints), in response order.</param>
/// <param name="CellMotorCoordinates">meta/neurons/cell_motor_coordinates.npy, (N, 3) row-major: x, y, z in microns.</param>
public sealed record MouseMeta(
    Tier[] Tiers,
    string TiersDType,
    long[] FrameImageId,
    string[] TrialIdx,
    TrialIdxKind TrialIdxKind,
    long[] UnitIds,
    double[] CellMotorCoordinates)
{
    public int TrialCount => Tiers.Length;
    public int NeuronCount => UnitIds.Length;

    /// <summary>Trial indices (file numbers) of one tier, ascending — the order of the official sequential sampler.</summary>
    public int[] TrialsOf(Tier tier)
    {
        var list = new List<int>();
        for (int i = 0; i < Tiers.Length; i++) if (Tiers[i] == tier) list.Add(i);
        return list.ToArray();
    }

    /// <summary>(x, y, z) of neuron <paramref name="n"/>.</summary>
    public (double X, double Y, double Z) Coordinate(int n) =>
        (CellMotorCoordinates[3 * n], CellMotorCoordinates[3 * n + 1], CellMotorCoordinates[3 * n + 2]);
}
