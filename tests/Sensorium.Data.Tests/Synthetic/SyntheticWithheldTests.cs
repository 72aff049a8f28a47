namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticWithheldTests(TinyDataset data)
{
    private static bool IsTest(string tier) => tier is "test" or "final_test";

    [Theory]
    [InlineData(TinyDataset.Sensorium)]
    [InlineData(TinyDataset.SensoriumPlus)]
    public void CompetitionMiceHaveZeroTestResponsesThatTheHostKeeps(string key)
    {
        var tiers = TinyDataset.Tiers(data.Participant(key));
        var participant = TinyDataset.Rows(data.Participant(key), "responses");
        var host = TinyDataset.Rows(data.Host(key), "responses");
        for (int i = 0; i < tiers.Length; i++)
        {
            if (IsTest(tiers[i])) Assert.All(participant[i], v => Assert.Equal(0f, v));
            else Assert.Equal(host[i], participant[i]);
        }
        Assert.Contains(Enumerable.Range(0, tiers.Length), i => IsTest(tiers[i]) && host[i].Any(v => v > 0));
    }

    [Theory]
    [InlineData(TinyDataset.Sensorium)]
    [InlineData(TinyDataset.SensoriumPlus)]
    public void CompetitionMiceHaveHashedTrialIdsAndTheHostMapsThem(string key)
    {
        var hashed = TinyDataset.Read(data.Participant(key), "meta/trials/trial_idx.npy");
        Assert.Equal("<U32", hashed.DType.ToDescr());
        var ids = hashed.ToStrings();
        Assert.All(ids, s => Assert.Matches("^[0-9a-f]{32}$", s));
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.Equal(ids, TinyDataset.Read(data.Host(key), "meta/trials/trial_idx.npy").ToStrings());
        var order = TinyDataset.Read(data.Host(key), "meta/trials/true_trial_idx.npy").ToInt64();
        Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => (long)i), order.Order());
    }

    [Fact]
    public void SensoriumMouseHasNoBehaviourInTheParticipantCopy()
    {
        foreach (string kind in new[] { "behavior", "pupil_center" })
        {
            Assert.All(TinyDataset.Rows(data.Participant(TinyDataset.Sensorium), kind), r => Assert.All(r, v => Assert.Equal(0f, v)));
            Assert.All(TinyDataset.Rows(data.Host(TinyDataset.Sensorium), kind), r => Assert.Contains(r, v => v != 0));
            Assert.Equal(TinyDataset.Rows(data.Host(TinyDataset.SensoriumPlus), kind), TinyDataset.Rows(data.Participant(TinyDataset.SensoriumPlus), kind));
        }
    }

    [Fact]
    public void PreTrainingMouseIsIdenticalInBothCopiesExceptTheOracle()
    {
        string p = data.Participant(TinyDataset.PreTraining), h = data.Host(TinyDataset.PreTraining);
        var participantFiles = Directory.GetFiles(p, "*", SearchOption.AllDirectories).Select(x => Path.GetRelativePath(p, x)).Order().ToArray();
        var hostFiles = Directory.GetFiles(h, "*", SearchOption.AllDirectories).Select(x => Path.GetRelativePath(h, x))
            .Where(x => !x.StartsWith(Path.Combine("meta", "oracle"))).Order().ToArray();
        Assert.Equal(participantFiles, hostFiles);
        foreach (string f in participantFiles.Where((_, i) => i % 5 == 0))
            Assert.Equal(File.ReadAllBytes(Path.Combine(p, f)), File.ReadAllBytes(Path.Combine(h, f)));
    }

    [Theory]
    [InlineData(TinyDataset.Sensorium)]
    [InlineData(TinyDataset.SensoriumPlus)]
    public void CopiesShareImagesUnitIdsAndFileIndices(string key)
    {
        string p = data.Participant(key), h = data.Host(key);
        Assert.Equal(TinyDataset.Read(p, "meta/neurons/unit_ids.npy").ToInt64(), TinyDataset.Read(h, "meta/neurons/unit_ids.npy").ToInt64());
        Assert.Equal(TinyDataset.ImageIds(p), TinyDataset.ImageIds(h));
        Assert.Equal(TinyDataset.Tiers(p), TinyDataset.Tiers(h));
        Assert.Equal(File.ReadAllBytes(Path.Combine(p, "data/images/3.npy")), File.ReadAllBytes(Path.Combine(h, "data/images/3.npy")));
        Assert.False(Directory.Exists(Path.Combine(p, "meta", "oracle")));
    }
}
