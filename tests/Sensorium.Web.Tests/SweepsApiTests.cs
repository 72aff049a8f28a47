using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Sweeps;

namespace Sensorium.Web.Tests;

/// <summary>Sweeps through the real app: POST /api/sweeps queues its runs as a group; errors name the field; pages.</summary>
public sealed class SweepsApiTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    static object Base(int maxEpochs = 2) => new { dataset = new { path = WorkbenchApp.DatasetName }, trainer = new { maxEpochs }, seed = 42 };

    static async Task<SweepResponse> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/sweeps", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<SweepResponse>(WorkbenchApp.Json))!;
    }

    [Fact]
    public async Task A_grid_sweep_queues_every_combination_as_the_teams_runs_and_reads_back_with_their_values()
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var sweep = await CreateAsync(client, new
        {
            name = "lr x seed",
            @base = Base(),
            axes = new object[] { new { field = "trainer.lrInit", values = new[] { 0.003, 0.009 } }, new { field = "seed", values = new[] { 1, 2 } } },
        });
        Assert.Equal(("lr x seed", "grid", 4), (sweep.Name, sweep.Mode, sweep.Budget));
        Assert.Equal(["trainer.lrInit", "seed"], sweep.Fields);
        Assert.Equal(4, sweep.Runs!.Count);
        Assert.All(sweep.Runs, r => Assert.Equal(RunStatus.Queued, r.Status));
        Assert.Equal(["0.003", "0.003", "0.009", "0.009"], sweep.Runs.Select(r => SweepRows.Text(r.Values["trainer.lrInit"])));
        Assert.Equal(["1", "2", "1", "2"], sweep.Runs.Select(r => SweepRows.Text(r.Values["seed"])));
        Assert.Equal("lr x seed #2: trainer.lrInit=0.003 seed=2", sweep.Runs[1].Name);

        // Ordinary runs of the team: in its run list, with the swept values in their specs and the rest of the base kept.
        var run = await client.GetFromJsonAsync<RunResponse>($"/api/runs/{sweep.Runs[3].Id}", WorkbenchApp.Json);
        Assert.Equal(0.009, run!.Spec!.Value.GetProperty("trainer").GetProperty("lrInit").GetDouble());
        Assert.Equal(2, run.Spec.Value.GetProperty("trainer").GetProperty("maxEpochs").GetInt32());
        Assert.Equal(2, run.Spec.Value.GetProperty("seed").GetInt32());
        Assert.Equal(4, (await client.GetFromJsonAsync<RunResponse[]>("/api/runs", WorkbenchApp.Json))!.Length);
        Assert.Equal(sweep.Id, (await app.Get<RunStore>().GetAsync(run.Id))!.SweepId);

        var read = await client.GetFromJsonAsync<SweepResponse>($"/api/sweeps/{sweep.Id}", WorkbenchApp.Json);
        Assert.Equal(sweep.Runs.Select(r => r.Id), read!.Runs!.Select(r => r.Id));
        Assert.Null(read.BestRunId); // nothing scored yet
        var list = await client.GetFromJsonAsync<SweepListResponse[]>("/api/sweeps", WorkbenchApp.Json);
        Assert.Equal((sweep.Id, 4, 4, 0), (list![0].Id, list[0].Runs, list[0].Active, list[0].Finished));

        // Another team sees none of it.
        var (_, other) = await app.CreateTeamAsync("beta");
        var otherClient = (await app.SignInAsync(other.UserName)).Http;
        Assert.Equal(HttpStatusCode.NotFound, (await otherClient.GetAsync($"/api/sweeps/{sweep.Id}")).StatusCode);
        Assert.Empty((await otherClient.GetFromJsonAsync<SweepListResponse[]>("/api/sweeps", WorkbenchApp.Json))!);
        Assert.Contains("was not found", await otherClient.GetStringAsync($"/sweeps/{sweep.Id}"));
    }

    [Fact]
    public async Task A_random_sweep_draws_its_budget_reproducibly()
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        object Body() => new
        {
            @base = Base(), mode = "random", budget = 3, seed = 11,
            axes = new object[] { new { field = "trainer.lrInit", range = new { low = 0.001, high = 0.03, log = true } }, new { field = "model.core.layers", range = new { low = 2, high = 5 } } },
        };
        var first = await CreateAsync(client, Body());
        var second = await CreateAsync(client, Body());
        Assert.Equal(3, first.Runs!.Count);
        Assert.Equal(first.Runs.Select(r => SweepRows.Text(r.Values["trainer.lrInit"]) + SweepRows.Text(r.Values["model.core.layers"])),
            second.Runs!.Select(r => SweepRows.Text(r.Values["trainer.lrInit"]) + SweepRows.Text(r.Values["model.core.layers"])));
        Assert.All(first.Runs, r => Assert.InRange(r.Values["model.core.layers"]!.Value.GetInt32(), 2, 5));
    }

    [Theory]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axes":[{"field":"trainer.lr","values":[0.1]}]}""", "trainer.lr", "trainer.lrInit")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axes":[]}""", "axes", "at least one field")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"budget":2,"axes":[{"field":"seed","values":[1,2,3]}]}""", "budget", "3 runs")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axes":[{"field":"trainer.lrInit","values":["fast"]}]}""", "trainer.lrInit", "takes a number")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axes":[{"field":"trainer.lrInit","range":{"low":0.001,"high":0.01}}]}""", "trainer.lrInit", "random mode")]
    [InlineData("""{"base":{"dataset":{"path":"nowhere"}},"axes":[{"field":"seed","values":[1]}]}""", "base", "not a registered dataset")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axes":[{"field":"seed","values":[1]}],"device":"tpu"}""", "device", "Unknown device")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"budget":"many","axes":[{"field":"seed","values":[1]}]}""", "budget", "not valid")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axis":[{"field":"seed","values":[1]}]}""", "axis", "not valid")]
    [InlineData("""{"base":{"dataset":{"path":"test-data"}},"axes":[{"field":"seed","values":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]}]}""", "queue", "at most 20")]
    public async Task A_bad_sweep_is_400_naming_the_field_and_queues_nothing(string body, string field, string says)
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var response = await client.PostAsync("/api/sweeps", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var problem = JsonDocument.Parse(text);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), text);
        Assert.Contains(says, messages[0].GetString());
        Assert.Empty((await client.GetFromJsonAsync<SweepListResponse[]>("/api/sweeps", WorkbenchApp.Json))!);
        Assert.Empty((await client.GetFromJsonAsync<RunResponse[]>("/api/runs", WorkbenchApp.Json))!);
    }

    [Fact]
    public async Task The_sweep_page_shows_its_runs_with_the_swept_fields_and_the_ensemble_button()
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var sweep = await CreateAsync(client, new { name = "page-sweep", @base = Base(), axes = new object[] { new { field = "seed", values = new[] { 7, 8 } } } });
        var html = await client.GetStringAsync($"/sweeps/{sweep.Id}");
        Assert.Contains("page-sweep", html);
        Assert.Contains("data-field=\"seed\"", html);
        Assert.Contains("Ensemble top", html);
        Assert.Contains($"/runs/{sweep.Runs![1].Id}", html);
        Assert.Contains("page-sweep", await client.GetStringAsync("/sweeps"));
        Assert.Contains("New sweep", await client.GetStringAsync("/sweeps/new"));
    }

    /// <summary>
    /// Issue 11.2: a sweep must not starve other teams. One slot; team A queues a 3-run sweep, its first run starts;
    /// team B queues one run; when A's first run ends, B's run starts before the sweep's second.
    /// </summary>
    [Fact]
    public async Task Another_teams_run_starts_before_the_sweeps_second_run()
    {
        var launcher = new CountingLauncher();
        using var fair = new WorkbenchApp(services => services.Replace(ServiceDescriptor.Singleton<IRunLauncher>(launcher)));
        var (teamA, a) = await fair.CreateTeamAsync("alpha");
        var (teamB, b) = await fair.CreateTeamAsync("beta");
        var (sweep, sweepRuns, errors) = await fair.Get<SweepService>().CreateAsync(teamA.Id, a.Id, new SweepRequest(
            "seeds", JsonSerializer.SerializeToElement(Base()), "grid", null, null,
            [new() { Field = "seed", Values = [JsonSerializer.SerializeToElement(1), JsonSerializer.SerializeToElement(2), JsonSerializer.SerializeToElement(3)] }], null));
        Assert.True(sweep is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        await launcher.WaitForAsync(1);
        Assert.Equal(sweepRuns[0].Id, launcher.Launched[0]);
        var runOfB = (await fair.Get<RunQueue>().SubmitAsync(teamB.Id, b.Id, new RunRequest("b", JsonSerializer.SerializeToElement(Base()), null))).Run!;

        await fair.Get<RunProgressRecorder>().FinishAsync(sweepRuns[0].Id, RunStatus.Succeeded);
        await launcher.WaitForAsync(2);
        Assert.Equal([sweepRuns[0].Id, runOfB.Id], launcher.Launched);

        await fair.Get<RunProgressRecorder>().FinishAsync(runOfB.Id, RunStatus.Succeeded);
        await launcher.WaitForAsync(3);
        Assert.Equal(sweepRuns[1].Id, launcher.Launched[2]);
    }
}
