using System.Text.Json;
using Sensorium.Cli;

namespace Sensorium.Cli.Tests.Submissions;

public class SubmissionCommandTests
{
    private static string Official(string file) => Sensorium.Data.Tests.TestPaths.Official(file);

    private static (int Code, string Out, string Err) Run(params string[] argv) => Cli.Run(argv);

    private static readonly string Submission = Official("metrics_submission_file_live_test.csv");
    private static readonly string Truth = Official("metrics_ground_truth_file_test.csv");

    [Fact]
    public void Validate_a_good_file_prints_a_valid_report()
    {
        var (code, output, error) = Run("submission", "validate", "--file", Submission, "--data", Truth, "--track", "sensorium", "--tier", "test");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal(392, json.RootElement.GetProperty("rows").GetInt32());
        Assert.Equal(50, json.RootElement.GetProperty("neurons").GetInt32());
    }

    [Theory]
    [InlineData("metrics_submission_file_live_test.csv", "metrics_ground_truth_file_test.csv", 0.4894058024026345, 0.7019173758328716, 0.7434254868977664)]
    [InlineData("metrics_int_submission.csv", "metrics_int_ground_truth.csv", 0.8445812425779042, 0.9779858298426237, 0.9090764068291868)]
    public void Score_prints_the_official_numbers(string submission, string truth, double single, double average, double feve)
    {
        var (code, output, error) = Run("submission", "score", "--file", Official(submission), "--truth", Official(truth), "--mouse", "x", "--tier", "test");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(single, root.GetProperty("single_trial_correlation").GetDouble(), 1e-9);
        Assert.Equal(average, root.GetProperty("correlation_to_average").GetDouble(), 1e-9);
        Assert.Equal(feve, root.GetProperty("feve").GetDouble(), 1e-9);
    }

    [Fact]
    public void Score_per_neuron_lists_every_neuron()
    {
        var (code, output, _) = Run("submission", "score", "--file", Submission, "--truth", Truth, "--track", "sensorium+", "--tier", "test", "--per-neuron");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(50, json.RootElement.GetProperty("per_neuron").GetProperty("fev").GetArrayLength());
        Assert.Equal("27204-5-13", json.RootElement.GetProperty("mouse").GetString());
    }

    [Fact]
    public void Invalid_file_exits_1_with_the_report_on_stdout_and_a_message_on_stderr()
    {
        string dir = Directory.CreateTempSubdirectory("sensorium-cli-").FullName;
        try
        {
            string bad = Path.Combine(dir, "bad.csv");
            var lines = File.ReadAllLines(Submission);
            lines[5] = new System.Text.RegularExpressions.Regex("\"\\[[^,]+,").Replace(lines[5], "\"[nan,", 1);
            File.WriteAllLines(bad, lines[..^1]);
            foreach (string command in new[] { "validate", "score" })
            {
                var (code, output, error) = Run("submission", command, "--file", bad, command == "validate" ? "--data" : "--truth", Truth, "--track", "sensorium", "--tier", "test");
                Assert.Equal(1, code);
                using var json = JsonDocument.Parse(output);
                Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
                var errors = json.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
                Assert.Contains(errors, e => e.StartsWith("bad.csv:6: prediction[0] is 'nan'", StringComparison.Ordinal));
                Assert.Contains(errors, e => e.Contains("1 of the 392 'test' trials are missing"));
                Assert.Contains("bad.csv is not a valid submission (2 error(s))", error);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("submission validate --data x --track sensorium --tier test", "--file is required")]
    [InlineData("submission validate --file x --data y --tier test", "--track (or --mouse) is required")]
    [InlineData("submission validate --file x --data y --track mouse --tier test", "--track must be one of sensorium|sensorium+")]
    [InlineData("submission score --file x --truth y --track sensorium --tier live", "--tier must be one of test|final_test")]
    [InlineData("submission score --file x --truth y --track sensorium --tier test --bogus 1", "unknown option(s): --bogus")]
    [InlineData("submission score --file x --truth y --track sensorium --tier test --max-bytes -5", "--max-bytes must be a positive integer")]
    public void Usage_errors_exit_2(string argv, string message)
    {
        var (code, _, error) = Run(argv.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Missing_inputs_exit_1()
    {
        var (code, _, error) = Run("submission", "validate", "--file", "/nonexistent/sub.csv", "--data", Truth, "--track", "sensorium", "--tier", "test");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/sub.csv: not found", error);
        (code, _, error) = Run("submission", "score", "--file", Submission, "--truth", "/nonexistent/data", "--track", "sensorium", "--tier", "test");
        Assert.Equal(1, code);
        Assert.Contains("not found", error);
    }

    [Fact]
    public void Size_limit_refuses_the_file()
    {
        var (code, output, _) = Run("submission", "validate", "--file", Submission, "--data", Truth, "--track", "sensorium", "--tier", "test", "--max-bytes", "1000");
        Assert.Equal(1, code);
        Assert.Contains("over the limit of 1000 bytes; it was not read", output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bench_score_runs_small(bool pythonFloats)
    {
        string[] argv = ["bench", "score", "--neurons", "50", "--trials", "60", "--repeat", "1"];
        if (pythonFloats) argv = [.. argv, "--python-floats"];
        var (code, output, error) = Run(argv);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(60, json.RootElement.GetProperty("trials").GetInt32());
        Assert.True(json.RootElement.GetProperty("feve").GetDouble() > 0);
        Assert.Single(json.RootElement.GetProperty("score_s").EnumerateArray());
    }
}

/// <summary>The commands on a dataset folder (the data branch's reader), not a CSV.</summary>
public class SubmissionDatasetCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] argv) => Cli.Run(argv);

    [Fact]
    public void Validate_and_score_against_a_dataset_folder()
    {
        string dir = Directory.CreateTempSubdirectory("sensorium-cli-").FullName;
        try
        {
            var writer = new Sensorium.Data.Tests.Format.TestMouseWriter
            {
                Name = "static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6", Trials = 60, Neurons = 14,
            };
            writer.WriteFolder(dir);
            // The mouse's own normalized test responses as the submission: a perfect score.
            using (var mouse = Sensorium.Data.Submissions.DatasetTargets.OpenMouse(dir, "21067-10-18"))
            {
                var truth = Sensorium.Data.Submissions.DatasetTargets.GroundTruth(mouse, "test");
                Sensorium.Data.Submissions.SubmissionWriter.WriteFile(dir, truth.Target, truth.Responses);
            }
            string file = Path.Combine(dir, "submission_file_live_test.csv");

            var (code, output, error) = Run("submission", "validate", "--file", file, "--data", dir, "--mouse", "21067-10-18", "--tier", "test");
            Assert.True(code == 0, error);
            Assert.Contains("\"valid\": true", output);

            (code, output, error) = Run("submission", "score", "--file", file, "--truth", dir, "--mouse", "21067-10-18", "--tier", "test");
            Assert.True(code == 0, error);
            using var json = JsonDocument.Parse(output);
            Assert.Equal(1.0, json.RootElement.GetProperty("single_trial_correlation").GetDouble(), 1e-6);
            Assert.Equal(12, json.RootElement.GetProperty("trials").GetInt32());

            (code, _, error) = Run("submission", "validate", "--file", file, "--data", dir, "--track", "sensorium", "--tier", "test");
            Assert.Equal(1, code);
            Assert.Contains("mouse 26872-17-20 not found; it holds 21067-10-18", error);

            (code, _, error) = Run("submission", "validate", "--file", file, "--data", dir, "--mouse", "21067-10-18", "--tier", "final_test");
            Assert.Equal(1, code);
            Assert.Contains("is not a 'final_test' trial of 21067-10-18", error);   // the writer gives every mouse final_test trials
        }
        finally { Directory.Delete(dir, true); }
    }
}
