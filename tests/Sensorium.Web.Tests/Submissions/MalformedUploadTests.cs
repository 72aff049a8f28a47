using System.Net;
using System.Text;
using System.Text.Json;
using static Sensorium.Web.Tests.Submissions.SubmissionClient;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>One test per way an upload can be broken: refused with 422 and an error naming the problem (and its line).</summary>
[Collection("tiny benchmark")]
public sealed class MalformedUploadTests(TinyBenchmark bench) : IDisposable
{
    readonly List<WorkbenchApp> apps = [];
    public void Dispose() { foreach (var app in apps) app.Dispose(); }

    async Task<string[]> RefusedAsync(byte[] csv, IDictionary<string, string>? settings = null)
    {
        var app = App(bench, settings);
        apps.Add(app);
        var (_, _, _, client) = await TeamWithTokenAsync(app, "alpha");
        var response = await UploadAsync(client, csv);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{response.StatusCode}: {body}");
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.NotEmpty(errors);
        Assert.Empty(await app.Get<Sensorium.Storage.Submissions.SubmissionStore>().ListForBoardAsync("sensorium", "test")); // nothing stored
        return errors;
    }

    string[] Lines() => Text(bench.ValidCsv("sensorium", "test")).TrimEnd('\n').Split('\n');
    static byte[] Join(IEnumerable<string> lines) => Utf8(string.Join("\n", lines) + "\n");

    /// <summary>A data row as (prefix "trial,image", prediction values, neuron ids).</summary>
    static (string Prefix, List<string> Values, List<string> Ids) Split(string row)
    {
        int p = row.IndexOf(",\"[", StringComparison.Ordinal);
        int q = row.IndexOf("]\",\"[", StringComparison.Ordinal);
        return (row[..p], row[(p + 3)..q].Split(", ").ToList(), row[(q + 5)..^2].Split(", ").ToList());
    }

    static string Row(string prefix, IEnumerable<string> values, IEnumerable<string> ids) =>
        $"{prefix},\"[{string.Join(", ", values)}]\",\"[{string.Join(", ", ids)}]\"";

    [Fact]
    public async Task Empty() => Assert.Contains("empty", (await RefusedAsync([]))[0]);

    [Fact]
    public async Task Header_only()
    {
        var errors = await RefusedAsync(Join([Lines()[0]]));
        Assert.Contains(errors, e => e.Contains("no data rows"));
    }

    [Fact]
    public async Task Truncated()
    {
        string all = Text(bench.ValidCsv("sensorium", "test"));
        var errors = await RefusedAsync(Utf8(all[..(all.Length - all.Length / 7)]));
        Assert.Contains(errors, e => e.Contains("truncated"));
    }

    [Fact]
    public async Task Binary()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[3] = 0;
        Assert.Contains("binary", (await RefusedAsync(bytes))[0]);
    }

    [Fact]
    public async Task Wrong_delimiter()
    {
        var lines = Lines();
        lines[0] = lines[0].Replace(',', ';');
        Assert.Contains("separated by ';'", (await RefusedAsync(Join(lines)))[0]);
    }

    [Fact]
    public async Task Nan()
    {
        var lines = Lines();
        var (prefix, values, ids) = Split(lines[2]);
        values[0] = "nan";
        lines[2] = Row(prefix, values, ids);
        var error = Assert.Single(await RefusedAsync(Join(lines)));
        Assert.Contains(":3:", error);
        Assert.Contains("only finite numbers", error);
    }

    [Fact]
    public async Task Duplicate_trial()
    {
        var lines = Lines().ToList();
        lines.Insert(3, lines[1]);
        var errors = await RefusedAsync(Join(lines));
        Assert.Contains(errors, e => e.Contains(":4:") && e.Contains("appears again (first on line 2)"));
    }

    [Fact]
    public async Task Unknown_trial()
    {
        var lines = Lines();
        var (prefix, values, ids) = Split(lines[1]);
        lines[1] = Row(new string('f', 32) + prefix[prefix.IndexOf(',')..], values, ids);
        var errors = await RefusedAsync(Join(lines));
        Assert.Contains(errors, e => e.Contains(":2:") && e.Contains("is not a 'test' trial of 26872-17-20"));
    }

    [Fact]
    public async Task Missing_neuron()
    {
        var lines = Lines();
        for (int i = 1; i < lines.Length; i++)
        {
            var (prefix, values, ids) = Split(lines[i]);
            lines[i] = Row(prefix, values[..^1], ids[..^1]);
        }
        var errors = await RefusedAsync(Join(lines));
        Assert.Contains(errors, e => e.Contains("neuron_ids lacks 1 of the"));
    }

    [Fact]
    public async Task Extra_neuron()
    {
        var lines = Lines();
        for (int i = 1; i < lines.Length; i++)
        {
            var (prefix, values, ids) = Split(lines[i]);
            lines[i] = Row(prefix, [.. values, "0.5"], [.. ids, "987654321"]);
        }
        var errors = await RefusedAsync(Join(lines));
        Assert.Contains(errors, e => e.Contains("987654321") && e.Contains("not neurons of"));
    }

    [Fact]
    public async Task Over_the_size_limit()
    {
        var errors = await RefusedAsync(bench.ValidCsv("sensorium", "test"), new Dictionary<string, string> { ["Submissions:MaxUploadBytes"] = "1000" });
        var error = Assert.Single(errors);
        Assert.Contains("over the limit of 1000 bytes (the server's setting Submissions:MaxUploadBytes); it was not read", error);
        var submissions = Path.Combine(apps[^1].DataDirectory, "submissions"); // nothing kept on disk either
        Assert.Empty(Directory.Exists(submissions) ? Directory.GetFiles(submissions, "*", SearchOption.AllDirectories) : []);
    }
}
