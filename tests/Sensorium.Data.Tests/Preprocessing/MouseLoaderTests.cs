using Sensorium.Data.Format;
using Sensorium.Data.Preprocessing;
using Sensorium.Data.Tests.Format;
using NpyFile = Sensorium.Data.Npy.Npy;
using Sensorium.Data.Npy;

namespace Sensorium.Data.Tests.Preprocessing;

public class MouseLoaderTests
{
    // 40×48 images (10×12 at scale 0.25), 23 trials, 6 neurons.
    private static TestMouseWriter Writer() => new() { Trials = 23, Height = 40, Width = 48 };

    [Fact]
    public void PreprocessesEveryArrayAsTheReference()
    {
        using var dir = new TempDir();
        var w = Writer();
        var m = MouseLoader.Load(w.WriteFolder(dir.Path));
        Assert.Equal("26872-17-20", m.DataKey);
        Assert.Equal((23, 6, 10, 12), (m.TrialCount, m.NeuronCount, m.Height, m.Width));
        Assert.Equal(new ImageShape(1, 40, 48), m.SourceImageShape);
        Assert.Equal(23 * 120, m.Images.Length);
        Assert.Equal(4L * (23 * 120 + 23 * 6 + 23 * 3 + 23 * 2), m.ArrayBytes);

        double[] precision = Enumerable.Range(0, 6).Select(j => 1 / w.ResponseStd(j)).ToArray();
        double mean = Enumerable.Range(0, 6).Select(w.ResponseStd).Average();
        precision[1] = 1 / (0.01 * mean); // std 0.001 is under the floor
        Assert.Equal(precision, m.ResponsePrecision);

        for (int i = 0; i < 23; i++)
        {
            var bytes = w.ImageBytes(i);
            var image = m.Image(i);
            for (int o = 0; o < 10; o++)
                for (int p = 0; p < 12; p++)
                {
                    double sum = 0;
                    foreach (int y in new[] { 4 * o + 1, 4 * o + 2 })
                        foreach (int x in new[] { 4 * p + 1, 4 * p + 2 })
                            sum += (bytes[y * 48 + x] - 110.5) / 40.25;
                    Assert.Equal(sum / 4, image[o * 12 + p], 1e-6);
                }
            var r = w.Responses(i);
            Assert.Equal(r.Select((v, j) => (float)(v * precision[j])), m.ResponsesOf(i).ToArray());
            var b = w.Behavior(i);
            Assert.Equal([(float)(b[0] / 2.0), (float)(b[1] / 0.5), (float)(b[2] / 4.0)], m.BehaviorOf(i).ToArray());
            var pc = w.PupilCenter(i);
            Assert.Equal([(float)((pc[0] - 10) / 2.0), (float)((pc[1] + 3) / 4.0)], m.PupilCenterOf(i).ToArray());
        }

        Assert.Equal([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22], m.TrialsOf(Tier.Train));
        Assert.Equal([6, 16], m.TrialsOf(Tier.Validation));
        Assert.Equal([7, 8, 17, 18], m.TrialsOf(Tier.Test));
        Assert.Equal([9, 19], m.TrialsOf(Tier.FinalTest));
    }

    [Fact]
    public void FolderZipAndParallelismGiveIdenticalArrays()
    {
        using var dir = new TempDir();
        var w = Writer();
        var a = MouseLoader.Load(w.WriteFolder(dir.Path), new LoadOptions(MaxParallelism: 1));
        var b = MouseLoader.Load(w.WriteZip(dir.Path), new LoadOptions(MaxParallelism: 2));
        var c = MouseLoader.Load(Path.Combine(dir.Path, w.Name + ".zip"), new LoadOptions(MaxParallelism: 5));
        foreach (var other in new[] { b, c })
        {
            Assert.Equal(a.Images, other.Images);
            Assert.Equal(a.Responses, other.Responses);
            Assert.Equal(a.Behavior, other.Behavior);
            Assert.Equal(a.PupilCenter, other.PupilCenter);
        }
    }

    [Fact]
    public void FullResolutionKeepsTheNormalizedImage()
    {
        using var dir = new TempDir();
        var w = Writer();
        var m = MouseLoader.Load(w.WriteFolder(dir.Path), new LoadOptions(Scale: 1.0));
        Assert.Equal((40, 48), (m.Height, m.Width));
        Assert.Equal(w.ImageBytes(5).Select(v => (float)((v - 110.5) / 40.25)), m.Image(5).ToArray());
    }

    [Fact]
    public void FloatImagesGiveTheSameResultAsUint8()
    {
        using var dir = new TempDir();
        var a = MouseLoader.Load(Writer().WriteFolder(Path.Combine(dir.Path, "a")));
        var b = MouseLoader.Load(new TestMouseWriter { Trials = 23, Height = 40, Width = 48, ImageDescr = "<f4" }.WriteFolder(Path.Combine(dir.Path, "b")));
        Assert.Equal(a.Images, b.Images);
    }

    [Fact]
    public void BatchWithBehaviorChannels()
    {
        using var dir = new TempDir();
        var m = MouseLoader.Load(Writer().WriteFolder(dir.Path));
        int[] trials = [4, 9];
        var one = new float[2 * 1 * 120];
        m.FillInputs(trials, one, behaviorAsChannels: false);
        Assert.Equal(m.Image(9).ToArray(), one[120..]);

        var four = new float[2 * 4 * 120]; // (B, 4, H, W)
        m.FillInputs(trials, four, behaviorAsChannels: true);
        Assert.Equal(4, PreprocessedMouse.InputChannels(true));
        for (int b = 0; b < 2; b++)
        {
            Assert.Equal(m.Image(trials[b]).ToArray(), four.AsSpan(b * 480, 120).ToArray());
            for (int k = 0; k < 3; k++)
                Assert.All(four.AsSpan(b * 480 + (1 + k) * 120, 120).ToArray(), v => Assert.Equal(m.BehaviorOf(trials[b])[k], v));
        }

        var responses = new float[2 * 6];
        m.FillResponses(trials, responses);
        Assert.Equal(m.ResponsesOf(9).ToArray(), responses[6..]);
        var pupil = new float[4];
        m.FillPupilCenter(trials, pupil);
        Assert.Equal(m.PupilCenterOf(4).ToArray(), pupil[..2]);
        var behavior = new float[6];
        m.FillBehavior(trials, behavior);
        Assert.Equal(m.BehaviorOf(9).ToArray(), behavior[3..]);
        Assert.Throws<ArgumentException>(() => m.FillInputs(trials, new float[10], true));
    }

    [Fact]
    public void TheLowestBadTrialIsReportedWhateverTheParallelism()
    {
        using var dir = new TempDir();
        var w = Writer();
        w.Overrides["data/responses/20.npy"] = NpyFile.ToBytes(NpyArray.FromFloat32([1f]));
        w.Overrides["data/images/13.npy"] = NpyFile.ToBytes(new NpyArray(NpyDType.UInt8, [1, 40, 47], new byte[40 * 47]));
        string zip = w.WriteZip(dir.Path);
        foreach (int p in new[] { 1, 2, 3 })
        {
            var e = Assert.Throws<DataFormatException>(() => MouseLoader.Load(zip, new LoadOptions(MaxParallelism: p)));
            Assert.Contains("data/images/13.npy: shape (1, 40, 47), expected (1, 40, 48)", e.Message);
        }
    }

    [Fact]
    public void CancellationStopsTheLoad()
    {
        using var dir = new TempDir();
        string folder = Writer().WriteFolder(dir.Path);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => MouseLoader.Load(folder, null, cts.Token));
    }
}
