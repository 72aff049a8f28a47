using Sensorium.Training;

namespace Sensorium.Cli.Tests;

/// <summary>`sensorium stop` and `train --max-minutes`: arguments, errors and the stop request they write.</summary>
public sealed class StopCommandTests : IDisposable
{
    private readonly Sensorium.Data.Tests.TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] argv) => Cli.Run(argv);

    private string RunDir(string name, bool finished = false)
    {
        string run = Path.Combine(_dir.Path, name);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, Checkpoint.SpecFile), "{}");
        if (finished) File.WriteAllText(Path.Combine(run, Checkpoint.ModelFile), "x");
        return run;
    }

    [Fact]
    public void Stop_writes_the_request_a_training_reads_and_asking_again_keeps_the_first()
    {
        string run = RunDir("training");
        var (code, output, error) = Run("stop", "--out", run, "--by", "alice");
        Assert.True(code == 0, error);
        Assert.Contains("stop requested by alice", output);
        Assert.Equal("alice", StopRequest.Read(run)!.By);
        (code, output, _) = Run("stop", "--out", run, "--by", "bob");
        Assert.Equal(0, code);
        Assert.Contains("stop requested by alice", output);
        Assert.Equal("alice", StopRequest.Read(run)!.By);
    }

    [Fact]
    public void Stop_refuses_a_folder_that_is_no_run_or_a_finished_run_and_wrong_usage()
    {
        var (code, _, error) = Run("stop", "--out", Path.Combine(_dir.Path, "nothing"));
        Assert.Equal(1, code);
        Assert.Contains("not a run directory", error);
        string done = RunDir("done", finished: true);
        (code, _, error) = Run("stop", "--out", done);
        Assert.Equal(1, code);
        Assert.Contains("already finished", error);
        Assert.Null(StopRequest.Read(done));

        (code, _, error) = Run("stop");
        Assert.Equal(2, code);
        Assert.Contains("either --out RUNDIR", error);
        (code, _, error) = Run("stop", "--out", done, "--run", "3");
        Assert.Equal(2, code);
        (code, _, error) = Run("stop", "--run", "abc", "--server", "http://127.0.0.1:1", "--token", "t");
        Assert.Equal(2, code);
        Assert.Contains("--run must be a run id", error);
        Environment.SetEnvironmentVariable("SENSORIUM_TOKEN", null);
        (code, _, error) = Run("stop", "--run", "3", "--server", "http://127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("--token", error);
        (code, _, error) = Run("stop", "--run", "3", "--server", "ftp://x", "--token", "t");
        Assert.Equal(2, code);
        Assert.Contains("http(s)", error);
        (code, _, error) = Run("stop", "--run", "3", "--server", "http://127.0.0.1:1", "--token", "t");
        Assert.Equal(1, code);
        Assert.Contains("could not reach", error);
        Assert.Contains("usage: sensorium stop", Run("stop", "--help").Out);
    }

    [Fact]
    public void Train_max_minutes_sets_the_time_limit_and_bad_values_are_usage_errors_naming_the_option()
    {
        Assert.Equal(12.5, TrainCommand.MaxMinutes(CliArgs.Parse(["--max-minutes", "12.5"])));
        Assert.Null(TrainCommand.MaxMinutes(CliArgs.Parse(["--out", "x"])));
        foreach (var bad in new[] { "0", "-3", "abc", "20000", "NaN" })
        {
            var (code, _, error) = Run("train", "--data", "/nonexistent", "--out", Path.Combine(_dir.Path, "x"), "--max-minutes", bad);
            Assert.Equal(2, code);
            Assert.Contains("--max-minutes must be", error);
        }
        var (c, _, e) = Run("train", "--resume", "--out", Path.Combine(_dir.Path, "x"), "--max-minutes", "5");
        Assert.Equal(2, c);
        Assert.Contains("cannot change a resumed run", e);
        Assert.Contains("--max-minutes X", Run("train", "--help").Out);
    }
}
