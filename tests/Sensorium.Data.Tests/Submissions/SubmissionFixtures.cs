using Sensorium.Data.Submissions;

namespace Sensorium.Data.Tests.Submissions;

/// <summary>Builds targets and matrices from the official metric fixtures (MANIFEST §5).</summary>
internal static class SubmissionFixtures
{
    public static string[] Strings(string file) => Sensorium.Data.Npy.Npy.Read(TestPaths.Official(file)).ToStrings();
    public static long[] Longs(string file) => Sensorium.Data.Npy.Npy.Read(TestPaths.Official(file)).ToInt64();
    public static double[] Doubles(string file) => Sensorium.Data.Npy.Npy.Read(TestPaths.Official(file)).ToFloat64();

    public static T[,] Matrix<T>(T[] flat, int rows, int columns)
    {
        var m = new T[rows, columns];
        for (int i = 0; i < rows; i++) for (int j = 0; j < columns; j++) m[i, j] = flat[i * columns + j];
        return m;
    }

    /// <summary>The ground truth of the fake test set, in ground-truth CSV order.</summary>
    public static GroundTruth Truth()
    {
        var target = new SubmissionTarget("fake-mouse", SubmissionTiers.LiveTest, Strings("metrics_gt_trial_indices.npy"),
            Longs("metrics_gt_image_ids.npy"), Longs("metrics_gt_neuron_ids.npy"));
        return new GroundTruth(target, Matrix(Doubles("metrics_gt_responses.npy"), target.Trials, target.Neurons));
    }

    /// <summary>The submission's own row and column order (its CSV order), with its predictions as float32.</summary>
    public static (SubmissionTarget Target, float[,] Predictions) SubmissionOrder()
    {
        var target = new SubmissionTarget("fake-mouse", SubmissionTiers.LiveTest, Strings("metrics_sub_trial_indices.npy"),
            Longs("metrics_sub_image_ids.npy"), Longs("metrics_sub_neuron_ids.npy"));
        var p = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("metrics_sub_predictions.npy")).ToFloat32();
        return (target, Matrix(p, target.Trials, target.Neurons));
    }

    /// <summary>A tiny target for malformed-file tests: 3 trials (2 images), 3 neurons.</summary>
    public static SubmissionTarget Tiny() => new("26872-17-20", SubmissionTiers.LiveTest, ["a1", "b2", "c3"], [7, 7, 9], [10, 30, 20]);

    public const string TinyNeurons = "\"[10, 30, 20]\"";

    /// <summary>A valid tiny file; rows can be replaced by tests.</summary>
    public static string TinyFile(params string[] rows) =>
        SubmissionCsv.SubmissionHeader + "\n" + string.Join("", rows.Select(r => r + "\n"));

    public static string Row(string trial, long image, string prediction = "\"[0.5, 1.25, 2.0]\"", string neurons = TinyNeurons) =>
        $"{trial},{image},{prediction},{neurons}";

    public static string[] GoodRows => [Row("a1", 7), Row("b2", 7), Row("c3", 9)];
}
