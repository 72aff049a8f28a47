using System.Globalization;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// Which image each trial of one mouse shows, in which tier, when, and under which file index. Indexed by file index
/// <c>i</c> (the <c>&lt;i&gt;.npy</c> name); <see cref="TrialIdx"/> is the true presentation order (0 = first trial).
/// Live-test images are shared by all mice, final-test images only by the competition mice, train and validation
/// images are shown once. Repeat counts vary between <see cref="PresetSizes.MinRepeats"/> and MaxRepeats.
/// </summary>
public sealed class TrialDesign
{
    public const string Train = "train", Validation = "validation", Test = "test", FinalTest = "final_test";
    public static readonly string[] Tiers = [Train, Validation, Test, FinalTest];

    public required string[] Tier { get; init; }
    public required long[] ImageId { get; init; }
    public required long[] TrialIdx { get; init; }
    /// <summary>Onset of each trial, seconds after the session start.</summary>
    public required long[] OnsetSeconds { get; init; }
    public required DateTime SessionStart { get; init; }

    public int Count => Tier.Length;

    /// <summary>File indices of one tier, ascending.</summary>
    public int[] IndicesOf(string tier) => Enumerable.Range(0, Count).Where(i => Tier[i] == tier).ToArray();

    /// <summary>
    /// Image ids of the whole dataset, drawn once for all seven mice so that a mouse's ids do not depend on which
    /// mice are generated: live test, final test, then each mouse's train and validation images.
    /// </summary>
    public sealed record ImageIds(long[] LiveTest, long[] FinalTest, IReadOnlyDictionary<string, long[]> TrainValidation);

    public static ImageIds AllocateImageIds(ulong seed, PresetSizes sizes)
    {
        int needed = sizes.TestImages + sizes.FinalTestImages + sizes.Mice.Sum(m => m.Train + m.Validation);
        int pool = Math.Max(100_000, 2 * needed);
        var ids = new int[pool];
        for (int i = 0; i < pool; i++) ids[i] = i;
        var rng = SynthRandom.For(seed, "image-ids");
        for (int i = 0; i < needed; i++) // partial Fisher–Yates: the first `needed` entries are a random sample
        {
            int j = i + rng.NextInt(pool - i);
            (ids[i], ids[j]) = (ids[j], ids[i]);
        }
        int at = 0;
        long[] Take(int n) { var r = ids.AsSpan(at, n).ToArray().Select(x => (long)x).ToArray(); at += n; return r; }
        var live = Take(sizes.TestImages);
        var final = Take(sizes.FinalTestImages);
        var perMouse = new Dictionary<string, long[]>();
        foreach (var m in sizes.Mice) perMouse[m.DataKey] = Take(m.Train + m.Validation);
        return new ImageIds(live, final, perMouse);
    }

    public static TrialDesign Create(MouseSpec mouse, PresetSizes sizes, ImageIds ids, ulong mouseSeed)
    {
        var rng = SynthRandom.For(mouseSeed, "design");
        int total = mouse.TotalTrials;
        var tier = new List<string>(total);
        var image = new List<long>(total);
        var own = ids.TrainValidation[mouse.DataKey];
        for (int k = 0; k < mouse.Train; k++) { tier.Add(Train); image.Add(own[k]); }
        for (int k = 0; k < mouse.Validation; k++) { tier.Add(Validation); image.Add(own[mouse.Train + k]); }
        AddRepeats(Test, ids.LiveTest, mouse.TestTrials);
        if (mouse.FinalTestTrials > 0) AddRepeats(FinalTest, ids.FinalTest, mouse.FinalTestTrials);

        void AddRepeats(string name, long[] images, int trials)
        {
            int[] counts = RepeatCounts(images.Length, trials, sizes.MinRepeats, sizes.MaxRepeats, rng);
            for (int k = 0; k < images.Length; k++)
                for (int r = 0; r < counts[k]; r++) { tier.Add(name); image.Add(images[k]); }
        }

        // Presentation order: all trials interleaved at random. File order: an independent random permutation.
        var presentation = Enumerable.Range(0, total).ToArray();
        rng.Shuffle(presentation.AsSpan()); // presentation[trial] = its position in the session
        var fileOf = Enumerable.Range(0, total).ToArray();
        rng.Shuffle(fileOf.AsSpan()); // fileOf[trial] = its file index

        var byPosition = new long[total];
        long t = 0;
        for (int p = 0; p < total; p++)
        {
            byPosition[p] = t;
            t += 1 + rng.NextInt(2); // ~1.5 s per trial (0.5 s image + blank + jitter), whole seconds
            if (rng.Chance(0.004)) t += 20 + rng.NextInt(100); // occasional pause
        }
        var result = new TrialDesign
        {
            Tier = new string[total],
            ImageId = new long[total],
            TrialIdx = new long[total],
            OnsetSeconds = new long[total],
            SessionStart = new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Unspecified)
                .AddDays(rng.NextInt(900)).AddHours(9 + rng.NextInt(8)).AddMinutes(rng.NextInt(60)).AddSeconds(rng.NextInt(60)),
        };
        for (int trial = 0; trial < total; trial++)
        {
            int i = fileOf[trial];
            result.Tier[i] = tier[trial];
            result.ImageId[i] = image[trial];
            result.TrialIdx[i] = presentation[trial];
            result.OnsetSeconds[i] = byPosition[presentation[trial]];
        }
        return result;
    }

    /// <summary>
    /// Repeats per image summing to <paramref name="trials"/>, each in [lo, hi] where possible, and not all equal:
    /// start even, then move single repeats between random images.
    /// </summary>
    internal static int[] RepeatCounts(int images, int trials, int lo, int hi, SynthRandom rng)
    {
        var counts = new int[images];
        for (int k = 0; k < images; k++) counts[k] = trials / images + (k < trials % images ? 1 : 0);
        rng.Shuffle(counts.AsSpan());
        for (int move = 0; move < 3 * images; move++)
        {
            int from = rng.NextInt(images), to = rng.NextInt(images);
            if (from != to && counts[from] > lo && counts[to] < hi) { counts[from]--; counts[to]++; }
        }
        return counts;
    }

    /// <summary>The release's timestamp strings, e.g. <c>Timestamp('2019-06-24 15:32:10')</c>.</summary>
    public string[] TimestampStrings() =>
        OnsetSeconds.Select(s => "Timestamp('" + SessionStart.AddSeconds(s).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "')").ToArray();
}
