namespace Sensorium.Training.Schedule;

/// <summary>
/// The order of training batches in one epoch, as neuralpredictors' <c>LongCycler</c>: round-robin over the mice,
/// n_mice × (most batches of any mouse) steps; a mouse with fewer batches starts its list over (Python's
/// <c>itertools.cycle</c> replays the same batches). Each mouse's train indices are shuffled afresh every epoch with
/// the run's seeded generator (<c>SubsetRandomSampler</c>); the last partial batch is kept.
/// </summary>
public static class MiceCycler
{
    /// <summary>One step: which mouse and which trial indices (into that mouse's arrays).</summary>
    public readonly record struct Step(int Mouse, int[] Trials);

    public static List<Step> Epoch(IReadOnlyList<int[]> trainIndicesPerMouse, int batchSize, Random rng)
    {
        var batches = new List<int[]>[trainIndicesPerMouse.Count];
        for (int m = 0; m < batches.Length; m++)
        {
            var order = (int[])trainIndicesPerMouse[m].Clone();
            rng.Shuffle(order);
            batches[m] = order.Chunk(batchSize).ToList();
        }
        int maxBatches = batches.Max(b => b.Count);
        var steps = new List<Step>(maxBatches * batches.Length);
        for (int k = 0; k < maxBatches; k++)
            for (int m = 0; m < batches.Length; m++)
                if (batches[m].Count > 0) steps.Add(new Step(m, batches[m][k % batches[m].Count]));
        return steps;
    }
}
