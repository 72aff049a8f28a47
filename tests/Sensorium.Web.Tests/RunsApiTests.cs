using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs;

namespace Sensorium.Web.Tests;

public sealed class RunsApiTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    static async Task<RunResponse> QueueAsync(HttpClient client, string name = "baseline")
    {
        var response = await client.PostAsJsonAsync("/api/runs", new { name, spec = new { dataset = new { path = WorkbenchApp.DatasetName }, seed = 42, model = new { layers = 4 } } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!;
    }

    [Fact]
    public async Task A_team_queues_reads_lists_and_cancels_its_run()
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;

        var run = await QueueAsync(client);
        Assert.Equal(RunStatus.Queued, run.Status);
        Assert.Equal(42, run.Spec!.Value.GetProperty("seed").GetInt32());

        var read = await client.GetFromJsonAsync<RunResponse>($"/api/runs/{run.Id}", WorkbenchApp.Json);
        Assert.Equal("baseline", read!.Name);
        var list = await client.GetFromJsonAsync<RunResponse[]>("/api/runs", WorkbenchApp.Json);
        Assert.Equal(run.Id, Assert.Single(list!).Id);
        Assert.Null(list![0].Spec);

        var cancel = await client.PostAsync($"/api/runs/{run.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(RunStatus.Cancelled, (await cancel.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/runs/{run.Id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Stop_and_keep_best_asks_a_running_runs_worker_once_for_its_team_only_and_refuses_other_runs()
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var (_, other) = await app.CreateTeamAsync("beta");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var clientB = (await app.SignInAsync(other.UserName)).Http;
        var run = await QueueAsync(client);
        var runDir = app.Get<Sensorium.Web.Features.Runs.Worker.ProcessRunLauncher>().RunDirectory(run.Id);

        var queued = await client.PostAsync($"/api/runs/{run.Id}/stop", null);
        Assert.Equal(HttpStatusCode.Conflict, queued.StatusCode);
        Assert.Contains("Cancel it instead", await queued.Content.ReadAsStringAsync());

        var runs = app.Get<RunStore>();
        await runs.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.PostAsync($"/api/runs/{run.Id}/stop", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsync($"/api/runs/{run.Id}/stop", null)).StatusCode);
        Assert.False(File.Exists(Path.Combine(runDir, Sensorium.Training.StopRequest.FileName)));

        var stop = await client.PostAsync($"/api/runs/{run.Id}/stop", null);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        var answer = (await stop.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!;
        Assert.Equal(RunStatus.Running, answer.Status); // it ends after its current epoch, as succeeded
        Assert.Equal(member.UserName, answer.StopRequestedBy);
        Assert.Contains("keeps its best model", answer.Message);
        Assert.Equal(member.UserName, Sensorium.Training.StopRequest.Read(runDir)!.By); // what the worker reads
        var again = await client.PostAsync($"/api/runs/{run.Id}/stop", null); // idempotent
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(member.UserName, (await again.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!.StopRequestedBy);

        // The worker's end: its reason is stored and returned with the run.
        var reader = new Sensorium.Web.Features.Runs.Worker.WorkerEventReader(run.Id, 10, app.Get<Sensorium.Web.Features.Runs.Scheduling.RunProgressRecorder>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await reader.HandleAsync(new TrainingFinished(3, 0.3, 2, new Dictionary<string, double>(), $"stopped by {member.UserName} after epoch 3; best epoch 2", 60));
        await app.Get<Sensorium.Web.Features.Runs.Scheduling.RunProgressRecorder>().FinishAsync(run.Id, RunStatus.Succeeded);
        var read = (await client.GetFromJsonAsync<RunResponse>($"/api/runs/{run.Id}", WorkbenchApp.Json))!;
        Assert.Equal(RunStatus.Succeeded, read.Status);
        Assert.Equal($"stopped by {member.UserName} after epoch 3; best epoch 2", read.StopReason);
        Assert.Null(read.StopRequestedBy);

        var finished = await client.PostAsync($"/api/runs/{run.Id}/stop", null);
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
        Assert.Contains("A succeeded run is not training", await finished.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sensorium_stop_asks_the_server_with_a_team_token_and_reports_its_refusals()
    {
        var (team, member) = await app.CreateTeamAsync("alpha");
        var (token, _) = await app.Get<Sensorium.Storage.Accounts.ApiTokenStore>().CreateAsync(team.Id, member.Id, "cli");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var run = await QueueAsync(client);
        (int Code, string Out, string Err) Stop(long id)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = new Sensorium.Cli.StopCommand(() => app.Server.CreateHandler()).Run(Sensorium.Cli.CliArgs.Parse(
                ["--run", id.ToString(), "--server", app.Server.BaseAddress.ToString(), "--token", token]), output, error);
            return (code, output.ToString(), error.ToString());
        }

        var (code, _, error) = Stop(run.Id); // queued: refused with the server's reason
        Assert.Equal(1, code);
        Assert.Contains("(409)", error);
        Assert.Contains("Cancel it instead", error);
        Assert.Contains("no such run of your team", Stop(run.Id + 1000).Err);

        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        (code, var output, error) = Stop(run.Id);
        Assert.True(code == 0, error);
        Assert.Contains("\"stopRequestedBy\": \"token:cli\"", output); // a token signs in as "token:<its name>"
        var runDir = app.Get<Sensorium.Web.Features.Runs.Worker.ProcessRunLauncher>().RunDirectory(run.Id);
        Assert.Equal("token:cli", Sensorium.Training.StopRequest.Read(runDir)!.By);
    }

    [Fact]
    public async Task Team_A_cannot_see_read_or_cancel_team_Bs_run()
    {
        var (_, a) = await app.CreateTeamAsync("alpha");
        var (_, b) = await app.CreateTeamAsync("beta");
        var clientA = (await app.SignInAsync(a.UserName)).Http;
        var clientB = (await app.SignInAsync(b.UserName)).Http;
        var runOfB = await QueueAsync(clientB);

        Assert.Empty((await clientA.GetFromJsonAsync<RunResponse[]>("/api/runs", WorkbenchApp.Json))!);
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.GetAsync($"/api/runs/{runOfB.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.PostAsync($"/api/runs/{runOfB.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.PostAsync($"/api/runs/{runOfB.Id}/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientA.PostAsync($"/api/runs/{runOfB.Id}/stop", null)).StatusCode);

        Assert.Equal(RunStatus.Queued, (await app.Get<RunStore>().GetAsync(runOfB.Id))!.Status);
    }

    [Fact]
    public async Task The_run_page_shows_a_teams_own_run_and_not_another_teams()
    {
        var (_, a) = await app.CreateTeamAsync("alpha");
        var (_, b) = await app.CreateTeamAsync("beta");
        var clientA = (await app.SignInAsync(a.UserName)).Http;
        var clientB = (await app.SignInAsync(b.UserName)).Http;
        var runOfB = await QueueAsync(clientB, name: "secret-of-beta");

        var own = await clientB.GetStringAsync($"/runs/{runOfB.Id}");
        Assert.Contains("secret-of-beta", own);
        var other = await clientA.GetStringAsync($"/runs/{runOfB.Id}");
        Assert.Contains("was not found", other);
        Assert.DoesNotContain("secret-of-beta", other);
        Assert.DoesNotContain("secret-of-beta", await clientA.GetStringAsync("/runs"));
        Assert.Contains("secret-of-beta", await clientB.GetStringAsync("/runs"));
    }

    [Theory]
    [InlineData("""{"spec":[1,2]}""", "spec")]
    [InlineData("""{"spec":{}}""", "spec")]
    [InlineData("""{"name":"x"}""", "spec")]
    [InlineData("""{"spec":{"seed":1},"device":"tpu"}""", "device")]
    [InlineData("""{"spec":{"dataset":{"path":"test-data"},"sede":1}}""", "spec")]
    public async Task Invalid_requests_get_a_validation_problem(string body, string field)
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var response = await client.PostAsync("/api/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task An_admin_without_a_team_is_forbidden_from_team_endpoints()
    {
        await app.Get<Features.Accounts.AccountService>().CreateUserAsync("root", WorkbenchApp.Password, null, isAdmin: true);
        var client = (await app.SignInAsync("root")).Http;
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/runs")).StatusCode);
    }

    [Fact]
    public async Task An_interrupted_run_can_be_resumed()
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var run = await QueueAsync(client);
        var store = app.Get<RunStore>();
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        await store.InterruptAllRunningAsync("restart");

        var resume = await client.PostAsync($"/api/runs/{run.Id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.Equal(RunStatus.Queued, (await resume.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/runs/{run.Id}/resume", null)).StatusCode);
    }

    [Fact]
    public async Task A_team_cannot_queue_more_than_the_limit()
    {
        using var limited = new WorkbenchApp(settings: new Dictionary<string, string> { ["Workbench:MaxQueuedRunsPerTeam"] = "2" });
        var (_, member) = await limited.CreateTeamAsync("alpha");
        var client = (await limited.SignInAsync(member.UserName)).Http;
        await QueueAsync(client);
        await QueueAsync(client);
        var third = await client.PostAsJsonAsync("/api/runs", new { spec = new { dataset = new { path = WorkbenchApp.DatasetName }, seed = 3 } });
        Assert.Equal(HttpStatusCode.BadRequest, third.StatusCode);
        Assert.True((await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("queue", out _));
    }
}
