using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Sensorium.Data.Submissions;
using Sensorium.Data.Synthetic;
using Sensorium.Storage.Accounts;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>
/// A tiny synthetic dataset with the two competition mice (participant copy + host copy), generated once for all
/// submission tests, and submission CSVs made from it.
/// </summary>
public sealed class TinyBenchmark : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sensorium-bench-").FullName;
    public string Data => Path.Combine(Root, "dataset");
    public string Host => Path.Combine(Data, SyntheticDataset.HostFolder);

    public TinyBenchmark()
    {
        SyntheticDataset.Generate(new SynthOptions
        {
            OutputDirectory = Data, Preset = SynthPreset.Tiny, Seed = 5, Mice = ["26872-17-20", "27204-5-13"], WriteZips = false,
        });
    }

    /// <summary>The participant's target of a track and tier (hashed trial ids, as a team sees them).</summary>
    public SubmissionTarget Target(string track, string tier)
    {
        using var mouse = DatasetTargets.OpenMouse(Data, SubmissionTiers.MouseOfTrack(track));
        return DatasetTargets.Target(mouse, tier);
    }

    /// <summary>A valid submission CSV: the host's true responses plus noise (so scores are high but not 1), in participant trial ids.</summary>
    public byte[] ValidCsv(string track, string tier, double noise = 0.5, int seed = 1)
    {
        var target = Target(track, tier);
        using var host = DatasetTargets.OpenMouse(Host, SubmissionTiers.MouseOfTrack(track));
        var truth = DatasetTargets.GroundTruth(host, tier).Responses; // same file order as the participant copy
        var random = new Random(seed);
        var predictions = new double[target.Trials, target.Neurons];
        for (int t = 0; t < target.Trials; t++)
            for (int j = 0; j < target.Neurons; j++)
                predictions[t, j] = truth[t, j] + noise * random.NextDouble();
        using var stream = new MemoryStream();
        SubmissionWriter.Write(stream, target, predictions);
        return stream.ToArray();
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition("tiny benchmark")]
public sealed class TinyBenchmarkCollection : ICollectionFixture<TinyBenchmark>;

/// <summary>Helpers for the submission API.</summary>
public static class SubmissionClient
{
    public static WorkbenchApp App(TinyBenchmark bench, IDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string> { ["Submissions:TruthPath"] = bench.Host, ["Submissions:ApiUploadsPerMinute"] = "1000" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) all[k] = v;
        return new WorkbenchApp(settings: all);
    }

    /// <summary>A team with a member and an API token; returns a client that sends the token.</summary>
    public static async Task<(Team Team, User Member, string Token, HttpClient Client)> TeamWithTokenAsync(WorkbenchApp app, string name)
    {
        var (team, member) = await app.CreateTeamAsync(name);
        var (token, _) = await app.Get<ApiTokenStore>().CreateAsync(team.Id, member.Id, "ci");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (team, member, token, client);
    }

    public static Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] csv, string track = "sensorium", string tier = "test",
        string fileName = "submission_file_live_test.csv")
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(track), "track" },
            { new StringContent(tier), "tier" },
            { new ByteArrayContent(csv) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", fileName },
        };
        return client.PostAsync("/api/submissions", form);
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
    public static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
