using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Sensorium.Data.Format;
using Sensorium.Data.Tests.Format;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests.Views;

/// <summary>Dataset summaries of two tiny mice written in the official layout (a folder and a zip).</summary>
public sealed class DatasetSummaryTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("sensorium-summary-").FullName;
    readonly TestMouseWriter first = new() { Trials = 40, Neurons = 15, Height = 9, Width = 16 };
    readonly TestMouseWriter second = new()
    {
        Name = "static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6", Trials = 30, Neurons = 7, Seed = 2, ImageDescr = "<f4",
    };

    public DatasetSummaryTests()
    {
        first.WriteFolder(root);
        second.WriteZip(root);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Summary_counts_tiers_and_neurons_and_reads_every_trials_behaviour()
    {
        var summary = DatasetSummaries.Compute(root, DateTimeOffset.UnixEpoch);
        Assert.Empty(summary.Problems);
        Assert.Equal(["21067-10-18", "26872-17-20"], summary.Mice.Select(m => m.DataKey));

        var mouse = summary.Mice[1];
        Assert.Equal(40, mouse.Trials);
        Assert.Equal(15, mouse.Neurons);
        Assert.Equal(Enumerable.Range(0, 40).GroupBy(first.TierOf).ToDictionary(g => g.Key, g => g.Count()), mouse.TrialsPerTier);
        Assert.Equal(40, mouse.PupilSize.Total);
        Assert.Equal(40, mouse.RunningSpeed.Total);
        Assert.Equal(Enumerable.Range(0, 40).Min(t => (double)first.Behavior(t)[0]), mouse.PupilSize.Min, 6);
        Assert.Equal(Enumerable.Range(0, 40).Max(t => (double)first.Behavior(t)[2]), mouse.RunningSpeed.Max, 6);
        Assert.False(mouse.BehaviorAllZero);
        Assert.Equal(40, mouse.PupilCenter.Count);
        Assert.Equal(15, mouse.NeuronPositions.Count);
        Assert.Equal((10.0, 11.0, 12.0), (mouse.NeuronPositions[1].X, mouse.NeuronPositions[1].Y, mouse.NeuronPositions[1].Value));

        Assert.Equal(4, mouse.Examples.Count);
        Assert.Equal(["train", "validation", "test", "final_test"], mouse.Examples.OrderBy(e => Array.IndexOf(["train", "validation", "test", "final_test"], e.Tier)).Select(e => e.Tier));
        var png = Convert.FromBase64String(mouse.Examples[0].PngDataUrl["data:image/png;base64,".Length..]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(16, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(9, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal("<f4", summary.Mice[0].ImageDType); // float images are encoded too
    }

    [Fact]
    public void Png_holds_the_pixels()
    {
        byte[] pixels = [0, 64, 128, 255, 1, 2];
        var png = GrayPng.Encode(pixels, 3, 2);
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat - 4));
        using var zlib = new System.IO.Compression.ZLibStream(new MemoryStream(png, idat + 4, length), System.IO.Compression.CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Assert.Equal([0, 0, 64, 128, 0, 255, 1, 2], raw.ToArray());
    }

    [Fact]
    public void Large_mice_are_subsampled_for_the_scatter_plots()
    {
        var big = new TestMouseWriter { Name = "static23343-5-17-GrayImageNet-94c6ff995dac583098847cfecd43e7b6", Trials = 10, Neurons = 2 * MouseSummarizer.MaxPoints + 5 };
        var folder = big.WriteFolder(root);
        var mouse = MouseSummarizer.Summarize(SensoriumDataset.Discover(folder).Single());
        Assert.InRange(mouse.NeuronPositions.Count, MouseSummarizer.MaxPoints / 2, MouseSummarizer.MaxPoints);
        Assert.Equal(big.Neurons, mouse.Neurons);
    }

    [Fact]
    public async Task Summaries_are_computed_once_and_kept_in_a_file_across_restarts()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("sensorium-summary-data-").FullName;
        try
        {
            var options = Options.Create(new WorkbenchOptions { DataDirectory = dataDirectory });
            var dataset = new Dataset { Id = 5, Name = "tiny", Path = root };
            var summaries = new DatasetSummaries(options, TimeProvider.System, NullLogger<DatasetSummaries>.Instance);
            Assert.Null(summaries.Peek(dataset));
            var computed = await summaries.GetAsync(dataset);
            Assert.Same(computed, await summaries.GetAsync(dataset));
            Assert.Same(computed, summaries.Peek(dataset));
            Assert.True(File.Exists(Path.Combine(dataDirectory, "cache", "datasets", "5.json")));

            var afterRestart = await new DatasetSummaries(options, TimeProvider.System, NullLogger<DatasetSummaries>.Instance).GetAsync(dataset);
            Assert.Equal(computed.ComputedAt, afterRestart.ComputedAt); // read back, not recomputed
            Assert.Equal(computed.Mice.Select(m => m.PupilSize.Counts.Sum()), afterRestart.Mice.Select(m => m.PupilSize.Counts.Sum()));
            Assert.Equal(computed.Mice[0].NeuronPositions, afterRestart.Mice[0].NeuronPositions);

            var recomputed = await summaries.GetAsync(dataset, recompute: true);
            Assert.NotSame(computed, recomputed);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Dataset_page_lists_the_mice_and_draws_their_data()
    {
        using var app = new WorkbenchApp();
        var dataset = await app.Get<DatasetStore>().CreateAsync("tiny", root, null);

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<DatasetRegistry>());
        context.Services.AddSingleton(app.Get<DatasetSummaries>());
        context.AddAuthorization().SetAuthorized("viewer");

        var cut = context.Render<DatasetPage>(p => p.Add(c => c.DatasetId, dataset.Id));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".dataset-mice tbody tr").Count), TimeSpan.FromSeconds(20));
        Assert.Contains("26872-17-20", cut.Markup);
        Assert.NotEmpty(cut.FindAll("img.stimulus"));
        Assert.Equal(3, cut.FindAll("figure.histogram-chart svg").Count);
        Assert.NotEmpty(cut.FindAll(".chart-colorbar"));
    }
}
