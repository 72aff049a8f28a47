using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Artifacts;

namespace Sensorium.Web.Tests;

/// <summary>Issue 14: a run's notes and tags through the API, and its artifacts as authorised downloads.</summary>
public sealed class RunNotesAndArtifactsTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    async Task<(HttpClient Client, Run Run)> TeamRunAsync(string team = "alpha")
    {
        var (t, member) = await app.CreateTeamAsync(team);
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(t.Id, member.Id, "baseline", WorkbenchApp.SpecJson(), null));
        return ((await app.SignInAsync(member.UserName)).Http, run);
    }

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
    }

    [Fact]
    public async Task A_team_sets_notes_and_tags_reads_them_back_and_sees_them_in_the_list()
    {
        var (client, run) = await TeamRunAsync();
        var patch = await client.PatchAsync($"/api/runs/{run.Id}", Json("""{"notes":"  lr 5e-3 diverged once\nkept  ","tags":["lr-sweep","SOTA+","lr-sweep","v1.2"]}"""));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var changed = (await patch.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!;
        Assert.Equal("lr 5e-3 diverged once\nkept", changed.Notes); // trimmed
        Assert.Equal(["lr-sweep", "SOTA+", "v1.2"], changed.Tags); // the repeated tag once

        var read = (await client.GetFromJsonAsync<RunResponse>($"/api/runs/{run.Id}", WorkbenchApp.Json))!;
        Assert.Equal(changed.Notes, read.Notes);
        Assert.Equal(changed.Tags, read.Tags);
        Assert.Equal(["lr-sweep", "SOTA+", "v1.2"], Assert.Single((await client.GetFromJsonAsync<RunResponse[]>("/api/runs", WorkbenchApp.Json))!).Tags);

        // Only tags: the notes stay.
        var tagsOnly = await client.PatchAsync($"/api/runs/{run.Id}", Json("""{"tags":[]}"""));
        var after = (await tagsOnly.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!;
        Assert.Equal(("lr 5e-3 diverged once\nkept", 0), (after.Notes, after.Tags.Count));

        // The runs page lists the tags (server-rendered) and its search covers notes.
        await client.PatchAsync($"/api/runs/{run.Id}", Json("""{"tags":["needle-tag"]}"""));
        Assert.Contains("needle-tag", await client.GetStringAsync("/runs"));
    }

    [Theory]
    [InlineData("""{"tags":["has space"]}""", "tags", "may contain only letters, digits")]
    [InlineData("""{"tags":["semi;colon"]}""", "tags", "may contain only letters, digits")]
    [InlineData("""{"tags":["-leading"]}""", "tags", "may contain only")]
    [InlineData("""{"tags":[""]}""", "tags", "A tag is empty")]
    [InlineData("""{"tags":["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}""", "tags", "33 characters long; at most 32")]
    [InlineData("""{"tags":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]}""", "tags", "17 tags; at most 16")]
    [InlineData("""{"notes":"bell\u0007"}""", "notes", "control character U+0007")]
    [InlineData("""{"tags":"one"}""", "tags", "tags an array of strings")]
    [InlineData("""{"notes":5}""", "notes", "notes is a string")]
    [InlineData("""{}""", "body", "Give notes")]
    [InlineData("""not json""", "body", "not valid")]
    public async Task Invalid_notes_or_tags_are_refused_naming_the_field_and_change_nothing(string body, string field, string message)
    {
        var (client, run) = await TeamRunAsync();
        await client.PatchAsync($"/api/runs/{run.Id}", Json("""{"notes":"kept","tags":["kept"]}"""));
        var errors = await ErrorsAsync(await client.PatchAsync($"/api/runs/{run.Id}", Json(body)));
        Assert.Contains(message, errors.GetProperty(field)[0].GetString());
        var stored = (await app.Get<RunStore>().GetAsync(run.Id))!;
        Assert.Equal(("kept", "kept"), (stored.Notes, stored.Tags));
    }

    [Fact]
    public async Task Notes_longer_than_the_limit_are_refused_with_their_length()
    {
        var (client, run) = await TeamRunAsync();
        var errors = await ErrorsAsync(await client.PatchAsync($"/api/runs/{run.Id}",
            JsonContent.Create(new { notes = new string('n', RunLabels.MaxNotesLength + 1) })));
        Assert.Contains("4,001 characters long; at most 4,000", errors.GetProperty("notes")[0].GetString());
    }

    [Fact]
    public async Task Another_team_can_neither_set_nor_see_notes_and_an_administrator_without_a_team_is_refused()
    {
        var (_, run) = await TeamRunAsync("alpha");
        var (other, _) = await TeamRunAsync("beta");
        Assert.Equal(HttpStatusCode.NotFound, (await other.PatchAsync($"/api/runs/{run.Id}", Json("""{"notes":"mine now"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/runs/{run.Id}/artifacts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=spec.json")).StatusCode);

        await app.Get<AccountService>().CreateUserAsync("root", WorkbenchApp.Password, teamId: null, isAdmin: true);
        var admin = (await app.SignInAsync("root")).Http;
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PatchAsync($"/api/runs/{run.Id}", Json("""{"notes":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=spec.json")).StatusCode);
        Assert.Equal("", (await app.Get<RunStore>().GetAsync(run.Id))!.Notes);

        var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=spec.json")).StatusCode);
    }

    /// <summary>A run directory as a worker leaves it, plus a link out of it and a large file.</summary>
    string MakeRunDirectory(long runId)
    {
        var dir = Path.Combine(app.DataDirectory, "artifacts", runId.ToString());
        Directory.CreateDirectory(Path.Combine(dir, "checkpoint"));
        Directory.CreateDirectory(Path.Combine(dir, "submissions", "sensorium-20261130"));
        File.WriteAllText(Path.Combine(dir, "spec.json"), """{"seed":1}""");
        File.WriteAllText(Path.Combine(dir, "events.jsonl"), "{\"type\":\"started\"}\n");
        File.WriteAllText(Path.Combine(dir, "worker.log"), "epoch 1\n");
        File.WriteAllBytes(Path.Combine(dir, "checkpoint", "best.pth"), [1, 2, 3, 4]);
        File.WriteAllText(Path.Combine(dir, "submissions", "sensorium-20261130", "live test.csv"), "trial_indices,image_ids,prediction,neuron_ids\n");
        // 24 MiB: streamed, not buffered.
        using (var big = File.Create(Path.Combine(dir, "model.pth"))) big.SetLength(24L << 20);
        // Links: to a file outside (the database), and to a folder outside.
        File.CreateSymbolicLink(Path.Combine(dir, "db-link.csv"), Path.Combine(app.DataDirectory, "workbench.db"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "outside"), app.DataDirectory);
        return dir;
    }

    [Fact]
    public async Task The_artifacts_list_the_run_directorys_files_with_sizes_and_kinds_and_no_links()
    {
        var (client, run) = await TeamRunAsync();
        Assert.Empty((await client.GetFromJsonAsync<ArtifactFile[]>($"/api/runs/{run.Id}/artifacts", WorkbenchApp.Json))!); // queued: no directory yet
        MakeRunDirectory(run.Id);

        var files = (await client.GetFromJsonAsync<ArtifactFile[]>($"/api/runs/{run.Id}/artifacts", WorkbenchApp.Json))!;
        Assert.Equal(["checkpoint/best.pth", "events.jsonl", "model.pth", "spec.json", "submissions/sensorium-20261130/live test.csv", "worker.log"],
            files.Select(f => f.Path));
        Assert.Equal(24L << 20, files.Single(f => f.Path == "model.pth").Bytes);
        Assert.Equal("checkpoint (resumable state)", files.Single(f => f.Path == "checkpoint/best.pth").Kind);
        Assert.Equal("submission file", files.Single(f => f.Path.StartsWith("submissions/")).Kind);
        Assert.All(files, f => Assert.True(DateTimeOffset.UtcNow - f.ModifiedAt < TimeSpan.FromHours(1)));
    }

    [Theory]
    [InlineData("spec.json", "application/json", """{"seed":1}""")]
    [InlineData("events.jsonl", "application/jsonl", "{\"type\":\"started\"}\n")]
    [InlineData("worker.log", "text/plain", "epoch 1\n")]
    [InlineData("submissions/sensorium-20261130/live test.csv", "text/csv", "trial_indices,image_ids,prediction,neuron_ids\n")]
    public async Task A_member_downloads_a_file_with_its_content_type_as_an_attachment(string path, string contentType, string content)
    {
        var (client, run) = await TeamRunAsync();
        MakeRunDirectory(run.Id);
        var response = await client.GetAsync($"/api/runs/{run.Id}/artifacts/download?path={Uri.EscapeDataString(path)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(Path.GetFileName(path), response.Content.Headers.ContentDisposition.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        Assert.Equal(content, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_large_checkpoint_streams_whole_and_by_range_as_binary()
    {
        var (client, run) = await TeamRunAsync();
        MakeRunDirectory(run.Id);
        using var response = await client.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=model.pth", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(24L << 20, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        long total = 0;
        var buffer = new byte[1 << 16];
        for (int n; (n = await body.ReadAsync(buffer)) > 0;) total += n;
        Assert.Equal(24L << 20, total);

        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{run.Id}/artifacts/download?path=checkpoint/best.pth");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1, 2);
        var part = await client.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal([2, 3], await part.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("../../workbench.db", "'..' part")]
    [InlineData("..", "'..' part")]
    [InlineData("checkpoint/../../../workbench.db", "'..' part")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("//etc/passwd", "absolute path")]
    [InlineData("checkpoint\\best.pth", "backslash")]
    [InlineData("db-link.csv", "goes through a link")]
    [InlineData("outside/workbench.db", "goes through a link")]
    [InlineData("./spec.json", "'.' or '..' part")]
    [InlineData("", "Give the file's path")]
    public async Task Paths_out_of_the_run_directory_absolute_paths_and_links_are_refused(string path, string why)
    {
        var (client, run) = await TeamRunAsync();
        MakeRunDirectory(run.Id);
        var response = await client.GetAsync($"/api/runs/{run.Id}/artifacts/download?path={Uri.EscapeDataString(path)}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(why, text);
        Assert.DoesNotContain("SQLite format", text);
        Assert.DoesNotContain(app.DataDirectory, text); // no server path in the answer
    }

    [Fact]
    public async Task A_missing_file_or_folder_is_not_found()
    {
        var (client, run) = await TeamRunAsync();
        MakeRunDirectory(run.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=nothing.pth")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=checkpoint")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{run.Id}/artifacts/download?path=spec.json/x")).StatusCode);
    }

    [Fact]
    public async Task The_run_page_lists_the_artifacts_with_download_links()
    {
        var (client, run) = await TeamRunAsync();
        MakeRunDirectory(run.Id);
        var html = await client.GetStringAsync($"/runs/{run.Id}");
        Assert.Contains($"href=\"/api/runs/{run.Id}/artifacts/download?path=checkpoint%2Fbest.pth\"", html);
        Assert.Contains("24.0 MiB", html);
        Assert.DoesNotContain("db-link.csv", html);
    }
}
