using Bunit;
using MudBlazor.Services;
using Sensorium.Web.Features.Charts;

namespace Sensorium.Web.Tests.Views;

/// <summary>The hand-written SVG charts under bUnit: what they draw, and what they do with little or no data.</summary>
public sealed class ChartTests
{
    static BunitContext CreateContext()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        return context;
    }

    static ChartPoint[] Points(params double[] ys) => ys.Select((y, i) => new ChartPoint(i + 1, y)).ToArray();

    [Fact]
    public async Task Line_chart_draws_each_series_with_axis_titles_legend_and_markers()
    {
        await using var context = CreateContext();
        var cut = context.Render<LineChart>(p => p
            .Add(c => c.Title, "Validation correlation")
            .Add(c => c.XLabel, "epoch")
            .Add(c => c.YLabel, "correlation")
            .Add(c => c.Series, [new ChartSeries("26872-17-20", "#123456", Points(0.1, 0.2, 0.25)), new ChartSeries("mean", "#000000", Points(0.12, 0.22, 0.3))])
            .Add(c => c.Markers, [new ChartMarker(3, "best: epoch 3")]));

        var series = cut.FindAll("g.chart-series");
        Assert.Equal(["26872-17-20", "mean"], series.Select(s => s.GetAttribute("data-series")));
        Assert.All(series, s => Assert.Equal("3", s.GetAttribute("data-points")));
        Assert.All(series, s => Assert.StartsWith("M", s.QuerySelector("path")!.GetAttribute("d")));
        Assert.Equal("epoch", cut.Find(".chart-x-label").TextContent);
        Assert.Equal("correlation", cut.Find(".chart-y-label").TextContent);
        Assert.Contains("best: epoch 3", cut.Find(".chart-marker").TextContent);
        Assert.Contains("0.3", cut.FindAll(".chart-legend-item")[1].TextContent); // the last value next to the name
        Assert.NotEmpty(cut.FindAll(".chart-y-tick text"));
    }

    [Fact]
    public async Task Line_chart_without_points_says_so_and_draws_no_svg()
    {
        await using var context = CreateContext();
        var cut = context.Render<LineChart>(p => p
            .Add(c => c.Series, [new ChartSeries("loss", "#000", [])])
            .Add(c => c.EmptyText, "No batch has been trained yet."));
        Assert.Equal("No batch has been trained yet.", cut.Find(".chart-empty").TextContent);
        Assert.Empty(cut.FindAll("svg"));
    }

    [Fact]
    public async Task Line_chart_draws_a_single_point_as_a_dot()
    {
        await using var context = CreateContext();
        var cut = context.Render<LineChart>(p => p.Add(c => c.Series, [new ChartSeries("mean", "#000", [new ChartPoint(1, 0.2)])]));
        var series = cut.Find("g.chart-series");
        Assert.Empty(series.QuerySelectorAll("path"));
        Assert.Single(series.QuerySelectorAll("circle"));
        Assert.DoesNotContain("NaN", cut.Markup);
    }

    [Fact]
    public async Task Step_series_on_a_log_axis_draws_horizontal_then_vertical_segments_and_decade_ticks()
    {
        await using var context = CreateContext();
        var cut = context.Render<LineChart>(p => p
            .Add(c => c.LogY, true)
            .Add(c => c.Series, [new ChartSeries("learning rate", "#000", Points(0.009, 0.009, 0.0027, 0.00081, 0.000243)) { Step = true }]));
        var d = cut.Find("g.chart-series path").GetAttribute("d")!;
        Assert.Contains("H", d);
        Assert.Contains("V", d);
        // One notation for the whole axis (the learning rate once read "0.01" beside "5e-3").
        var labels = cut.FindAll(".chart-y-tick text").Select(t => t.TextContent).ToList();
        Assert.Contains("1e-3", labels);
        Assert.All(labels, l => Assert.Contains("e", l));
    }

    [Fact]
    public void Smoothing_is_an_unbiased_exponential_average_and_zero_keeps_the_points()
    {
        var points = Points(10, 0, 10, 0);
        Assert.Same(points, Smoothing.Ema(points, 0));
        var smoothed = Smoothing.Ema(points, 0.5);
        Assert.Equal(10, smoothed[0].Y, 9); // not pulled toward 0 at the start
        Assert.Equal((0.5 * 5 + 0) / 0.75, smoothed[1].Y, 9);
        Assert.InRange(smoothed[3].Y, 3, 6); // the trend, not the noise
        Assert.Equal(points.Select(p => p.X), smoothed.Select(p => p.X));
    }

    [Fact]
    public async Task Histogram_and_scatter_render_their_data()
    {
        await using var context = CreateContext();
        var histogram = context.Render<HistogramChart>(p => p.Add(c => c.Data, Histogram.Of([1, 2, 2, 3, 3, 3], bins: 3)).Add(c => c.YLabel, "neurons"));
        Assert.Equal(3, histogram.FindAll("rect.histogram-bar").Count);
        Assert.Equal("neurons", histogram.Find(".chart-y-label").TextContent); // the label given, not a fixed "trials"

        var scatter = context.Render<ScatterChart>(p => p
            .Add(c => c.Points, [new ChartPoint(0, 0, 100), new ChartPoint(500, 300, 300)])
            .Add(c => c.ValueLabel, "depth z (µm)")
            .Add(c => c.EqualAspect, true));
        Assert.Equal("2", scatter.Find(".scatter-points").GetAttribute("data-points"));
        Assert.Contains("depth z (µm)", scatter.Find(".chart-colorbar").TextContent);
        var fills = scatter.FindAll(".scatter-points circle").Select(c => c.GetAttribute("fill")).ToList();
        Assert.Equal([Svg.Viridis(0), Svg.Viridis(1)], fills);
    }

    [Fact]
    public void Histogram_counts_every_finite_value_and_gives_flat_data_one_bin()
    {
        var h = Histogram.Of([0, 0.5, 1, double.NaN, 10], bins: 10);
        Assert.Equal(4, h.Total);
        Assert.Equal([2, 1], h.Counts[..2]); // [0, 1), [1, 2)
        Assert.Equal(1, h.Counts[^1]);
        var flat = Histogram.Of([0, 0, 0]);
        Assert.Equal([3], flat.Counts);
        Assert.True(flat.Max > flat.Min);
        Assert.Equal(0, Histogram.Of([]).Total);
    }

    [Theory]
    [InlineData(0, 1, "0.0,0.2,0.4,0.6,0.8,1.0")]
    [InlineData(0.12, 0.31, "0.15,0.20,0.25,0.30")]
    [InlineData(0, 20000, "0,5k,10k,15k,20k")]
    public void Linear_ticks_are_round_numbers_with_the_decimals_they_need(double min, double max, string expected)
    {
        var scale = new ChartScale(min, max, 0, 100);
        Assert.Equal(expected, string.Join(",", scale.Ticks(5).Select(t => t.Label)));
    }
}
