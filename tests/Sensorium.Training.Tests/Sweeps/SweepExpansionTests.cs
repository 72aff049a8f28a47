using System.Text.Json;
using Sensorium.Models.Cores;
using Sensorium.Training.Sweeps;

namespace Sensorium.Training.Tests.Sweeps;

/// <summary>The pure expansion of a sweep (base spec + axes) into run specs, and its errors naming the field.</summary>
public sealed class SweepExpansionTests
{
    const string Base = """{"dataset":{"path":"small"},"trainer":{"maxEpochs":3},"seed":42}""";

    static JsonElement[] Values(params object[] values) => values.Select(v => JsonSerializer.SerializeToElement(v)).ToArray();

    static SweepAxis Axis(string field, params object[] values) => new() { Field = field, Values = Values(values) };

    static IReadOnlyList<SweepPoint> Expand(string mode, int? budget, params SweepAxis[] axes) =>
        SweepExpansion.Expand(Base, axes, mode, budget, seed: 7);

    static SweepException Fails(string mode, int? budget, params SweepAxis[] axes) =>
        Assert.Throws<SweepException>(() => Expand(mode, budget, axes));

    [Fact]
    public void A_grid_is_every_combination_in_axis_order_with_the_rest_of_the_base_kept()
    {
        var points = Expand("grid", null, Axis("trainer.lrInit", 0.003, 0.009), Axis("model.core.hiddenChannels", 16, 32, 64));
        Assert.Equal(6, points.Count);
        Assert.Equal([0.003, 0.003, 0.003, 0.009, 0.009, 0.009], points.Select(p => p.Spec.Trainer.LrInit));
        Assert.Equal([16, 32, 64, 16, 32, 64], points.Select(p => ((Stacked2dCoreSpec)p.Spec.Model.Core).HiddenChannels));
        Assert.All(points, p => Assert.Equal((3, 42, "small"), (p.Spec.Trainer.MaxEpochs, p.Spec.Seed, p.Spec.Dataset.Path)));
        Assert.Equal("trainer.lrInit=0.003 model.core.hiddenChannels=32", points[1].Label);
        Assert.Equal(Enumerable.Range(0, 6), points.Select(p => p.Index));
    }

    [Fact]
    public void The_runs_own_seed_is_a_field_like_any_other()
    {
        var points = Expand("grid", 3, Axis("seed", 1, 2, 3));
        Assert.Equal([1, 2, 3], points.Select(p => p.Spec.Seed));
    }

    [Fact]
    public void Random_draws_are_reproducible_distinct_within_the_range_and_whole_for_integer_fields()
    {
        SweepAxis[] axes =
        [
            new() { Field = "trainer.lrInit", Range = new SweepRange(1e-4, 1e-1, Log: true) },
            new() { Field = "model.core.layers", Range = new SweepRange(2, 5) },
            Axis("trainer.batchSize", 32, 64),
        ];
        var first = SweepExpansion.Expand(Base, axes, "random", 12, seed: 3);
        var again = SweepExpansion.Expand(Base, axes, "random", 12, seed: 3);
        var other = SweepExpansion.Expand(Base, axes, "random", 12, seed: 4);
        Assert.Equal(first.Select(p => p.Spec), again.Select(p => p.Spec));
        Assert.NotEqual(first.Select(p => p.Spec), other.Select(p => p.Spec));
        Assert.Equal(12, first.Select(p => p.Label).Distinct().Count());
        Assert.All(first, p => Assert.InRange(p.Spec.Trainer.LrInit, 1e-4, 1e-1));
        Assert.All(first, p => Assert.InRange(((Stacked2dCoreSpec)p.Spec.Model.Core).Layers, 2, 5));
        Assert.All(first, p => Assert.Contains(p.Spec.Trainer.BatchSize, new[] { 32, 64 }));
        // Log-uniform over three decades: some draws in each decade.
        Assert.Contains(first, p => p.Spec.Trainer.LrInit < 1e-3);
        Assert.Contains(first, p => p.Spec.Trainer.LrInit > 1e-2);
        Assert.All(first, p => Assert.Equal(JsonValueKind.Number, p.Values[1].Value.ValueKind));
        Assert.All(first, p => Assert.DoesNotContain(".", p.Values[1].Text));
    }

    [Fact]
    public void A_string_field_takes_the_text_typed_on_the_command_line()
    {
        var axis = SweepAxis.ParseGrid("trainer.onDivergence=recover,stop");
        var points = Expand("grid", null, axis, SweepAxis.ParseGrid("trainer.lrInit=1e-3,0.01"));
        Assert.Equal(["recover", "recover", "stop", "stop"], points.Select(p => p.Spec.Trainer.OnDivergence));
        Assert.Equal([0.001, 0.01, 0.001, 0.01], points.Select(p => p.Spec.Trainer.LrInit));
        var range = SweepAxis.ParseRange("trainer.lrInit=0.001:0.1:log");
        Assert.Equal(new SweepRange(0.001, 0.1, true), range.Range);
    }

    [Theory]
    [InlineData("trainer.lr", "trainer.lr", "trainer.lrInit")] // unknown: lists what is there
    [InlineData("modle.core.layers", "modle.core.layers", "model")]
    [InlineData("model.core", "model.core", "model.core.layers")] // an object: lists its fields
    [InlineData("seed.x", "seed.x", "seed is a number")]
    public void An_unknown_path_names_the_field_and_what_exists(string field, string named, string hint)
    {
        var e = Fails("grid", null, Axis(field, 1, 2));
        Assert.Equal(named, e.Field);
        Assert.Contains(hint, e.Message);
    }

    [Fact]
    public void Wrong_types_empty_axes_and_oversized_grids_are_errors_naming_the_field()
    {
        Assert.Contains("takes a number", Fails("grid", null, Axis("trainer.lrInit", "fast")).Message);
        var whole = Fails("grid", null, Axis("model.core.layers", 2.5));
        Assert.Equal("model.core.layers", whole.Field);
        Assert.Contains("2.5", whole.Message);
        Assert.Equal("trainer.lrInit", Fails("grid", null, new SweepAxis { Field = "trainer.lrInit", Values = [] }).Field);
        Assert.Equal("trainer.lrInit", Fails("grid", null, new SweepAxis { Field = "trainer.lrInit" }).Field);
        Assert.Equal("axes", Fails("grid", null).Field);
        var big = Fails("grid", 5, Axis("seed", 1, 2, 3), Axis("trainer.lrInit", 0.001, 0.01));
        Assert.Equal("budget", big.Field);
        Assert.Contains("6 runs", big.Message);
        Assert.Equal("trainer.lrInit", Fails("grid", null, new SweepAxis { Field = "trainer.lrInit", Range = new SweepRange(0.001, 0.01) }).Field);
        Assert.Equal("budget", Fails("random", null, Axis("seed", 1, 2)).Field);
        Assert.Equal("budget", Fails("random", 3, Axis("seed", 1, 2)).Field); // only two distinct runs
        Assert.Equal("mode", Fails("bayes", 3, Axis("seed", 1, 2)).Field);
        Assert.Equal("seed", Fails("grid", null, Axis("seed", 1, 1)).Field);
        Assert.Equal("seed", Fails("grid", null, Axis("seed", 1), Axis("seed", 2)).Field);
        Assert.Equal("trainer.lrInit", Fails("random", 2, new SweepAxis { Field = "trainer.lrInit", Range = new SweepRange(0, 0.1, Log: true) }).Field);
        Assert.Equal("trainer.lrInit", Fails("random", 2, new SweepAxis { Field = "trainer.lrInit", Range = new SweepRange(0.1, 0.01) }).Field);
        Assert.Equal("trainer.device", Fails("random", 2, new SweepAxis { Field = "trainer.device", Range = new SweepRange(1, 2) }).Field);
        // A value the trainer refuses for the field (out of its bounds) is named with the field.
        var bad = Fails("grid", null, Axis("trainer.batchSize", 64, 0));
        Assert.Equal("axes", bad.Field);
        Assert.Contains("batchSize", bad.Message);
    }

    [Fact]
    public void A_bad_base_is_an_error_of_the_base()
    {
        var e = Assert.Throws<SweepException>(() => SweepExpansion.Expand("""{"dataset":{"path":"x"},"trainr":{}}""", [Axis("seed", 1)], "grid", null, 0));
        Assert.Equal("base", e.Field);
        Assert.Contains("trainr", e.Message);
    }

    [Fact]
    public void A_sweep_file_reads_and_expands_the_same_as_its_parts()
    {
        var sweep = SweepDefinition.FromJson("""
            {"name": "lr", "base": {"dataset":{"path":"small"}}, "mode": "random", "budget": 3, "seed": 5,
             "axes": [{"field": "trainer.lrInit", "range": {"low": 0.001, "high": 0.01, "log": true}}, {"field": "seed", "values": [1, 2]}]}
            """);
        var points = SweepExpansion.Expand(sweep);
        Assert.Equal(3, points.Count);
        Assert.Equal(points.Select(p => p.Spec), SweepExpansion.Expand(SweepDefinition.FromJson(sweep.ToJson())).Select(p => p.Spec));
        var e = Assert.Throws<SweepException>(() => SweepDefinition.FromJson("""{"base": {}, "axis": []}"""));
        Assert.Contains("axis", e.Message);
    }
}
