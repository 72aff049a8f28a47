using Sensorium.Data.Synthetic;

namespace Sensorium.Data.Tests.Synthetic;

[Collection(TinyDatasetCollection.Name)]
public class SyntheticOracleTests(TinyDataset data)
{
    [Theory]
    [InlineData(TinyDataset.SensoriumPlus)]
    [InlineData(TinyDataset.PreTraining)]
    public void OracleCoversTheTestTrialsAndPredictsTheNoisyResponses(string key)
    {
        string host = data.Host(key);
        var tiers = TinyDataset.Tiers(host);
        var index = TinyDataset.Read(host, "meta/oracle/trial_indices.npy").ToInt64();
        Assert.Equal(Enumerable.Range(0, tiers.Length).Where(i => tiers[i] is "test" or "final_test").Select(i => (long)i), index);
        var oracle = TinyDataset.Read(host, "meta/oracle/expected_responses.npy");
        int n = TinyDataset.Read(host, "meta/neurons/unit_ids.npy").Shape[0];
        Assert.Equal([index.Length, n], oracle.Shape);
        var expected = oracle.ToFloat32();
        Assert.All(expected, v => Assert.True(v > 0));

        var responses = index.Select(i => TinyDataset.Read(host, $"data/responses/{i}.npy").ToFloat32()).ToArray();
        // Trivial predictor: the image's mean luminance, for every neuron.
        var luminance = index.Select(i => TinyDataset.Read(host, $"data/images/{i}.npy").Data.Average(b => (double)b)).ToArray();
        double oracleCorr = 0, trivialCorr = 0;
        for (int j = 0; j < n; j++)
        {
            var r = responses.Select(row => (double)row[j]).ToArray();
            var e = Enumerable.Range(0, index.Length).Select(t => (double)expected[t * n + j]).ToArray();
            oracleCorr += OracleScoring.Correlation(e, r) / n;
            trivialCorr += OracleScoring.Correlation(luminance, r) / n;
        }
        Assert.InRange(oracleCorr, 0.35, 0.8);
        Assert.True(oracleCorr > trivialCorr + 0.25, $"oracle {oracleCorr:F3} vs trivial {trivialCorr:F3}");
        var summary = data.Result.Mice.Single(m => m.DataKey == key).LiveTestOracle;
        Assert.True(summary.SingleTrial > summary.StimulusOnlySingleTrial, "behaviour and eye position carry information");
    }

    [Fact]
    public void ReceptiveFieldsFollowTheCorticalMap()
    {
        var rng = new SynthRandom(11);
        int n = 400;
        var cortex = new double[n, 3];
        for (int k = 0; k < n; k++) { cortex[k, 0] = rng.Uniform(-300, 300); cortex[k, 1] = rng.Uniform(-300, 300); }
        var model = new GroundTruthV1(n, cortex, 5);
        // A linear fit of each RF coordinate on the cortical position explains most of its variance.
        foreach (var rf in new[] { model.RfX, model.RfY })
            Assert.True(RSquared(cortex, rf) > 0.6, $"R² {RSquared(cortex, rf):F2}");
        Assert.InRange(model.Complex.Count(c => c) / (double)n, 0.3, 0.6);
        Assert.InRange(model.WeaklyDriven.Count(c => c) / (double)n, 0.1, 0.3);
    }

    private static double RSquared(double[,] x, double[] y)
    {
        int n = y.Length;
        // Least squares y ~ a + b x0 + c x1 via the normal equations.
        var m = new double[3, 4];
        for (int k = 0; k < n; k++)
        {
            double[] row = [1, x[k, 0], x[k, 1]];
            for (int i = 0; i < 3; i++) { for (int j = 0; j < 3; j++) m[i, j] += row[i] * row[j]; m[i, 3] += row[i] * y[k]; }
        }
        for (int i = 0; i < 3; i++)
            for (int r = 0; r < 3; r++)
            {
                if (r == i) continue;
                double f = m[r, i] / m[i, i];
                for (int c = 0; c < 4; c++) m[r, c] -= f * m[i, c];
            }
        double[] beta = [m[0, 3] / m[0, 0], m[1, 3] / m[1, 1], m[2, 3] / m[2, 2]];
        double mean = y.Average(), ssTot = 0, ssRes = 0;
        for (int k = 0; k < n; k++)
        {
            double fit = beta[0] + beta[1] * x[k, 0] + beta[2] * x[k, 1];
            ssRes += (y[k] - fit) * (y[k] - fit);
            ssTot += (y[k] - mean) * (y[k] - mean);
        }
        return 1 - ssRes / ssTot;
    }

    [Fact]
    public void BehaviourDriftsSlowlyAndPupilFollowsRunning()
    {
        var b = Behavior.Simulate(3000, 42);
        double[] pupil = b.Pupil.Select(v => (double)v).ToArray(), running = b.Running.Select(v => (double)v).ToArray();
        Assert.True(OracleScoring.Correlation(pupil, running) > 0.2);
        Assert.True(OracleScoring.Correlation(pupil[..^1], pupil[1..]) > 0.8, "pupil size drifts slowly over trials");
        Assert.All(running, v => Assert.True(v >= 0));
        Assert.True(running.Count(v => v > 5) > 100 && running.Count(v => v < 1) > 100, "both resting and running trials");
    }
}
