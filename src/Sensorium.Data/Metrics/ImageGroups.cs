namespace Sensorium.Data.Metrics;

/// <summary>
/// Trials grouped by the image they showed, as the official metrics do: the images are the sorted unique
/// frame_image_ids, and each image has however many repeats it has (never assume a fixed count).
/// </summary>
public sealed class ImageGroups
{
    /// <summary>The distinct image ids, ascending (numpy's <c>np.unique</c> order).</summary>
    public long[] ImageIds { get; }

    /// <summary>For each trial, the index into <see cref="ImageIds"/> of its image.</summary>
    public int[] GroupOfTrial { get; }

    /// <summary>How many trials showed each image.</summary>
    public int[] Repeats { get; }

    public int Trials => GroupOfTrial.Length;
    public int Images => ImageIds.Length;

    private ImageGroups(long[] imageIds, int[] groupOfTrial, int[] repeats)
    {
        ImageIds = imageIds;
        GroupOfTrial = groupOfTrial;
        Repeats = repeats;
    }

    /// <summary>Groups trials by their image id (one id per trial, in trial order).</summary>
    public static ImageGroups FromImageIds(ReadOnlySpan<long> imageIdOfTrial)
    {
        long[] unique = imageIdOfTrial.ToArray();
        Array.Sort(unique);
        int count = 0;
        for (int i = 0; i < unique.Length; i++)
            if (i == 0 || unique[i] != unique[count - 1]) unique[count++] = unique[i];
        Array.Resize(ref unique, count);

        var group = new int[imageIdOfTrial.Length];
        var repeats = new int[count];
        for (int t = 0; t < group.Length; t++)
        {
            int k = Array.BinarySearch(unique, imageIdOfTrial[t]);
            group[t] = k;
            repeats[k]++;
        }
        return new ImageGroups(unique, group, repeats);
    }
}
