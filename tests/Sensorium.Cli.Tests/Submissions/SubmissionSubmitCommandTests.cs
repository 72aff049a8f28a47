namespace Sensorium.Cli.Tests.Submissions;

/// <summary>`submission submit` argument handling; the round trip with a server is tested in Sensorium.Web.Tests.</summary>
public class SubmissionSubmitCommandUsageTests
{
    static (int Code, string Err) Run(params string[] argv)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (CommandLine.Run(argv, output, error), error.ToString());
    }

    [Fact]
    public void Without_a_token_or_with_a_bad_server_it_is_a_usage_error()
    {
        string file = Path.GetTempFileName();
        try
        {
            Environment.SetEnvironmentVariable("SENSORIUM_TOKEN", null);
            var (code, error) = Run("submission", "submit", "--file", file, "--track", "sensorium", "--tier", "test", "--server", "http://localhost:1");
            Assert.Equal(2, code);
            Assert.Contains("--token", error);
            (code, error) = Run("submission", "submit", "--file", file, "--track", "sensorium", "--tier", "test", "--server", "ftp://x", "--token", "t");
            Assert.Equal(2, code);
            Assert.Contains("http(s)", error);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void A_missing_file_or_an_unreachable_server_is_invalid_input()
    {
        var (code, error) = Run("submission", "submit", "--file", "/nonexistent.csv", "--track", "sensorium", "--tier", "test", "--server", "http://127.0.0.1:1", "--token", "t");
        Assert.Equal(1, code);
        Assert.Contains("not found", error);

        string file = Path.GetTempFileName();
        try
        {
            (code, error) = Run("submission", "submit", "--file", file, "--track", "sensorium", "--tier", "test", "--server", "http://127.0.0.1:1", "--token", "t");
            Assert.Equal(1, code);
            Assert.Contains("could not reach", error);
        }
        finally { File.Delete(file); }
    }
}
