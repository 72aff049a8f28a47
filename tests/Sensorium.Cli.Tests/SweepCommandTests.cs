using System.Text.Json;

namespace Sensorium.Cli.Tests;

/// <summary>`sensorium sweep` on the tiny dataset: the dry-run expansion, errors naming the field, a real 2-run sweep.</summary>
[Collection("tiny dataset")]
public sealed class SweepCommandTests(TinyDatasetFixture dataset)
{
    string BaseSpec(string name)
    {
        var path = dataset.Path_(name + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            dataset = new { path = dataset.Data, track = "sensorium" },
            model = new { core = new { kind = "stacked2d", hiddenChannels = 8, layers = 2 } },
            trainer = new { maxEpochs = 1, device = "cpu", threads = 1, batchSize = 32 },
            seed = 1,
        }));
        return path;
    }

    [Fact]
    public void A_dry_run_lists_every_combination_and_writes_their_specs_without_training()
    {
        var spec = BaseSpec("sweep-dry");
        var outDir = dataset.Path_("sweep-dry");
        var (code, output, error) = Cli.Run("sweep", "--spec", spec, "--grid", "trainer.lrInit=0.003,0.009",
            "--grid", "model.core.hiddenChannels=8,16", "--out", outDir, "--dry-run");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["run", "trainer.lrInit", "model.core.hiddenChannels"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["4", "0.009", "16"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(5, lines.Length);
        var written = Sensorium.Training.RunSpec.FromJson(File.ReadAllText(Path.Combine(outDir, "run-004", "spec.json")));
        Assert.Equal((0.009, 1), (written.Trainer.LrInit, written.Seed));
        Assert.False(File.Exists(Path.Combine(outDir, "run-001", "summary.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "sweep.json")));

        // The sweep file it wrote is a sweep file: the same runs from --file.
        var (again, againOut, againErr) = Cli.Run("sweep", "--file", Path.Combine(outDir, "sweep.json"), "--dry-run");
        Assert.True(again == 0, againErr);
        Assert.Equal(output, againOut);

        var (random, randomOut, randomErr) = Cli.Run("sweep", "--spec", spec, "--random", "3", "--range", "trainer.lrInit=0.001:0.01:log",
            "--grid", "seed=1,2", "--dry-run", "--sweep-seed", "9");
        Assert.True(random == 0, randomErr);
        Assert.Equal(randomOut, Cli.Run("sweep", "--spec", spec, "--random", "3", "--range", "trainer.lrInit=0.001:0.01:log",
            "--grid", "seed=1,2", "--dry-run", "--sweep-seed", "9").Out); // seeded: the same draws
        Assert.Equal(4, randomOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Bad_sweeps_are_refused_naming_the_field()
    {
        var spec = BaseSpec("sweep-bad");
        var (code, _, error) = Cli.Run("sweep", "--spec", spec, "--grid", "trainer.lr=0.1,0.2", "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("sensorium sweep: trainer.lr: is not a field of the run spec", error);
        Assert.Contains("trainer.lrInit", error);

        (code, _, error) = Cli.Run("sweep", "--spec", spec, "--grid", "seed=1,2,3", "--budget", "2", "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("budget", error);

        (code, _, error) = Cli.Run("sweep", "--spec", spec, "--grid", "model.core.layers=two", "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("model.core.layers: takes a number", error);

        (code, _, error) = Cli.Run("sweep", "--spec", spec, "--range", "trainer.lrInit=0.01:0.1", "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("random mode", error);

        (code, _, error) = Cli.Run("sweep", "--spec", spec, "--grid", "seed=1,2"); // neither --out nor --dry-run
        Assert.Equal(2, code);
        Assert.Contains("--out is required", error);
    }

    [Fact]
    public void A_two_run_sweep_trains_each_run_prints_the_table_with_the_best_marked_and_continues_where_it_was()
    {
        var spec = BaseSpec("sweep-real");
        var outDir = dataset.Path_("sweep-real");
        var (code, output, error) = Cli.Run("sweep", "--spec", spec, "--grid", "seed=1,2", "--out", outDir);
        Assert.True(code == 0, error);
        foreach (var run in new[] { "run-001", "run-002" })
            Assert.True(File.Exists(Path.Combine(outDir, run, "model.pth")), run);

        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["1", "2"], rows.Select(r => r[1]));
        Assert.Single(rows, r => r.Contains("best"));
        var scores = rows.Select(r => double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var bestRow = rows.FindIndex(r => r.Contains("best"));
        Assert.Equal(scores.Max(), scores[bestRow]);

        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var stored = results.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, stored.Count);
        Assert.True(stored[bestRow].GetProperty("best").GetBoolean());
        Assert.Equal(scores[0], stored[0].GetProperty("validation").GetDouble(), 4);

        // Run again: nothing is trained twice, the same table comes back.
        var modelTime = File.GetLastWriteTimeUtc(Path.Combine(outDir, "run-001", "model.pth"));
        var (again, againOut, againErr) = Cli.Run("sweep", "--spec", spec, "--grid", "seed=1,2", "--out", outDir);
        Assert.True(again == 0, againErr);
        Assert.Contains("already trained", againErr);
        Assert.Equal(output, againOut);
        Assert.Equal(modelTime, File.GetLastWriteTimeUtc(Path.Combine(outDir, "run-001", "model.pth")));
    }
}
