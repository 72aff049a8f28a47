using System.Net;
using System.Text;
using Sensorium.Data;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Tests.Submissions;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>Issue 15.11: answers that say what is wrong.</summary>
[Collection("tiny benchmark")]
public sealed class AnswerTests(TinyBenchmark bench)
{
    [Fact]
    public async Task The_upload_rate_limit_answers_429_with_a_body_and_Retry_After()
    {
        using var app = SubmissionClient.App(bench, new Dictionary<string, string> { ["Submissions:ApiUploadsPerMinute"] = "1" });
        var (_, _, _, client) = await SubmissionClient.TeamWithTokenAsync(app, "alpha");
        await SubmissionClient.UploadAsync(client, SubmissionClient.Utf8(""));
        var limited = await SubmissionClient.UploadAsync(client, SubmissionClient.Utf8(""));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single()), 1, 60);
        Assert.Contains("Too many uploads in a minute", await limited.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bad_ground_truth_import_names_the_uploaded_file_not_the_staging_file()
    {
        using var app = SubmissionClient.App(bench);
        var source = app.Get<GroundTruthSource>();
        var error = await Assert.ThrowsAsync<DataFormatException>(() => source.ImportAsync("sensorium", "test",
            new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n")), 1 << 20, fileName: "ground_truth_test.csv"));
        Assert.Contains("ground_truth_test.csv", error.Message);
        Assert.DoesNotContain(".upload", error.Message);
    }
}
