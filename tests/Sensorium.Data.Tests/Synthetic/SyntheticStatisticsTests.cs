using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticStatisticsTests(TinyDataset data)
{
    /// <summary>
    /// Statistics equal those recomputed from the true (host) data files: over all trials for pre-training mice, over
    /// train + validation for competition mice (nothing withheld leaks). Both copies carry the same statistics files.
    /// </summary>
    [Theory]
    [InlineData(TinyDataset.Sensorium, "responses")]
    [InlineData(TinyDataset.Sensorium, "behavior")]
    [InlineData(TinyDataset.SensoriumPlus, "pupil_center")]
    [InlineData(TinyDataset.PreTraining, "responses")]
    [InlineData(TinyDataset.PreTraining, "behavior")]
    [InlineData(TinyDataset.PreTraining, "pupil_center")]
    public void ColumnStatisticsMatchTheData(string key, string kind)
    {
        string host = data.Host(key), participant = data.Participant(key);
        var tiers = TinyDataset.Tiers(host);
        bool competition = key != TinyDataset.PreTraining;
        var rows = TinyDataset.Rows(host, kind).Where((_, i) => !competition || tiers[i] is "train" or "validation").ToArray();
        int columns = rows[0].Length;
        for (int j = 0; j < columns; j++)
        {
            var col = rows.Select(r => (double)r[j]).Order().ToArray();
            double mean = col.Average(), std = Math.Sqrt(col.Select(v => (v - mean) * (v - mean)).Average());
            double median = col.Length % 2 == 1 ? col[col.Length / 2] : (col[col.Length / 2 - 1] + col[col.Length / 2]) / 2;
            double[] expected = [mean, std, col[0], col[^1], median];
            for (int s = 0; s < DatasetStatistics.Names.Length; s++)
            {
                string file = $"meta/statistics/{kind}/all/{DatasetStatistics.Names[s]}.npy";
                double actual = TinyDataset.Read(participant, file).ToFloat64()[j];
                Assert.Equal(expected[s], actual, 1e-4 * Math.Max(1, Math.Abs(expected[s])));
                Assert.Equal(File.ReadAllBytes(Path.Combine(participant, file)), File.ReadAllBytes(Path.Combine(host, file)));
            }
        }
    }

    [Fact]
    public void ImageStatisticsCoverEveryPixelOfEveryTrial()
    {
        string f = data.Participant(TinyDataset.PreTraining);
        int trials = TinyDataset.Tiers(f).Length;
        double sum = 0, sq = 0;
        long n = 0;
        int min = 255, max = 0;
        for (int i = 0; i < trials; i++)
            foreach (byte b in TinyDataset.Read(f, $"data/images/{i}.npy").Data)
            {
                sum += b; sq += (double)b * b; n++;
                min = Math.Min(min, b); max = Math.Max(max, b);
            }
        double mean = sum / n;
        Assert.Equal(mean, TinyDataset.Read(f, "meta/statistics/images/all/mean.npy").ToFloat64()[0], 1e-6);
        Assert.Equal(Math.Sqrt(sq / n - mean * mean), TinyDataset.Read(f, "meta/statistics/images/all/std.npy").ToFloat64()[0], 1e-6);
        Assert.Equal(min, TinyDataset.Read(f, "meta/statistics/images/all/min.npy").ToFloat64()[0]);
        Assert.Equal(max, TinyDataset.Read(f, "meta/statistics/images/all/max.npy").ToFloat64()[0]);
    }

    [Fact]
    public void SensoriumBehaviourStatisticsAreNotDegenerate()
    {
        var std = TinyDataset.Read(data.Participant(TinyDataset.Sensorium), "meta/statistics/behavior/all/std.npy").ToFloat32();
        Assert.All(std, s => Assert.True(s > 0));
    }
}
