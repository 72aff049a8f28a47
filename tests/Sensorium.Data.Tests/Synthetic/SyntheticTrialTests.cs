using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticTrialTests(TinyDataset data)
{
    private static HashSet<long> ImagesOf(string folder, string tier)
    {
        var tiers = TinyDataset.Tiers(folder);
        return TinyDataset.ImageIds(folder).Where((_, i) => tiers[i] == tier).ToHashSet();
    }

    [Fact]
    public void LiveTestImagesAreTheSameInEveryMouse()
    {
        var sizes = SynthPresets.For(SynthPreset.Tiny);
        var sets = TinyDataset.Keys.Select(k => ImagesOf(data.Participant(k), "test")).ToArray();
        Assert.Equal(sizes.TestImages, sets[0].Count);
        Assert.All(sets, s => Assert.True(s.SetEquals(sets[0])));
        // Same ids show the same pixels in every mouse.
        long id = sets[0].First();
        var bytes = TinyDataset.Keys.Select(k =>
        {
            string f = data.Participant(k);
            int i = Array.IndexOf(TinyDataset.ImageIds(f), id);
            return File.ReadAllBytes(Path.Combine(f, "data", "images", $"{i}.npy"));
        }).ToArray();
        Assert.All(bytes, b => Assert.Equal(bytes[0], b));
    }

    [Fact]
    public void FinalTestOnlyInCompetitionMiceWithItsOwnImages()
    {
        var final = ImagesOf(data.Participant(TinyDataset.Sensorium), "final_test");
        Assert.Equal(SynthPresets.For(SynthPreset.Tiny).FinalTestImages, final.Count);
        Assert.True(final.SetEquals(ImagesOf(data.Participant(TinyDataset.SensoriumPlus), "final_test")));
        Assert.Empty(ImagesOf(data.Participant(TinyDataset.PreTraining), "final_test"));
        Assert.Empty(final.Intersect(ImagesOf(data.Participant(TinyDataset.Sensorium), "test")));
    }

    [Theory]
    [InlineData(TinyDataset.Sensorium)]
    [InlineData(TinyDataset.PreTraining)]
    public void TrainAndValidationImagesAreUniqueAndTestImagesRepeatUnevenly(string key)
    {
        string f = data.Participant(key);
        var tiers = TinyDataset.Tiers(f);
        var ids = TinyDataset.ImageIds(f);
        var once = ids.Where((_, i) => tiers[i] is "train" or "validation").ToArray();
        Assert.Equal(once.Length, once.Distinct().Count());
        var sizes = SynthPresets.For(SynthPreset.Tiny);
        foreach (string tier in new[] { "test", "final_test" })
        {
            var repeats = ids.Where((_, i) => tiers[i] == tier).GroupBy(x => x).Select(g => g.Count()).ToArray();
            if (repeats.Length == 0) continue;
            Assert.All(repeats, r => Assert.InRange(r, sizes.MinRepeats, sizes.MaxRepeats));
            Assert.True(repeats.Distinct().Count() > 1, $"{tier} repeat counts are all {repeats[0]}");
            Assert.Empty(once.Intersect(ids.Where((_, i) => tiers[i] == tier)));
        }
        var spec = sizes.Mice.Single(m => m.DataKey == key);
        Assert.Equal(spec.Train, tiers.Count(t => t == "train"));
        Assert.Equal(spec.Validation, tiers.Count(t => t == "validation"));
        Assert.Equal(spec.TestTrials, tiers.Count(t => t == "test"));
        Assert.Equal(spec.FinalTestTrials, tiers.Count(t => t == "final_test"));
    }

    [Fact]
    public void PreTrainingTrialIdxIsThePresentationOrderAndFilesAreShuffled()
    {
        string f = data.Participant(TinyDataset.PreTraining);
        var idx = TinyDataset.Read(f, "meta/trials/trial_idx.npy").ToInt64();
        Assert.Equal(Enumerable.Range(0, idx.Length).Select(i => (long)i), idx.Order());
        Assert.NotEqual(idx.Order(), idx);
        var tiers = TinyDataset.Tiers(f);
        Assert.NotEqual(tiers.Order(StringComparer.Ordinal), tiers);
        // Timestamps follow the presentation order.
        var ts = TinyDataset.Read(f, "meta/trials/frame_trial_ts.npy").ToStrings();
        var byOrder = Enumerable.Range(0, idx.Length).OrderBy(i => idx[i]).Select(i => ts[i]).ToArray();
        Assert.Equal(byOrder.Order(StringComparer.Ordinal), byOrder);
    }

    [Fact]
    public void RepeatCountsSumToTheTrialsAndStayInRange()
    {
        var rng = new SynthRandom(3);
        var counts = TrialDesign.RepeatCounts(100, 990, 8, 12, rng);
        Assert.Equal(990, counts.Sum());
        Assert.All(counts, c => Assert.InRange(c, 8, 12));
        Assert.True(counts.Distinct().Count() >= 3);
    }
}
