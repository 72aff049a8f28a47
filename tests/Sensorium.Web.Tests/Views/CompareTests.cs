using System.Net;
using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Training;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Compare;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Tests.Views;

public sealed class CompareTests
{
    [Fact]
    public void Spec_diff_flattens_nested_keys_and_marks_the_differences()
    {
        var rows = SpecDiff.Compare([
            """{"seed":1,"model":{"core":{"layers":4,"kernels":[9,7]},"readout":"gaussian"},"trainer":{"lr":0.009}}""",
            """{"seed":1,"model":{"core":{"layers":3,"kernels":[9,7]},"readout":"gaussian"},"trainer":{"lr":0.009,"patience":5}}""",
        ]);
        var byKey = rows.ToDictionary(r => r.Key);
        Assert.Equal(["seed", "model.core.layers", "model.core.kernels[0]", "model.core.kernels[1]", "model.readout", "trainer.lr", "trainer.patience"],
            rows.Select(r => r.Key));
        Assert.True(byKey["model.core.layers"].Differs);
        Assert.Equal(["4", "3"], byKey["model.core.layers"].Values);
        Assert.True(byKey["trainer.patience"].Differs);
        Assert.Equal([null, "5"], byKey["trainer.patience"].Values);
        Assert.False(byKey["model.readout"].Differs);
        Assert.Equal("gaussian", byKey["model.readout"].Values[0]);
        Assert.False(byKey["model.core.kernels[1]"].Differs);
    }

    [Fact]
    public void Spec_diff_keeps_empty_containers_and_tells_a_string_from_a_number_by_type_only_in_json()
    {
        var flat = SpecDiff.Flatten("""{"mice":[],"extra":{},"name":"x","on":true,"none":null}""");
        Assert.Equal("[]", flat["mice"]);
        Assert.Equal("{}", flat["extra"]);
        Assert.Equal("x", flat["name"]);
        Assert.Equal("true", flat["on"]);
        Assert.Equal("null", flat["none"]);
    }

    [Fact]
    public void A_run_stored_with_its_dataset_name_in_path_compares_with_one_that_says_name()
    {
        var rows = SpecDiff.Compare(["""{"dataset":{"path":"small"},"seed":1}""", """{"dataset":{"name":"small"},"seed":2}"""]);
        var dataset = Assert.Single(rows, r => r.Key.StartsWith("dataset.", StringComparison.Ordinal));
        Assert.Equal(("dataset.name", false), (dataset.Key, dataset.Differs));
    }

    [Fact]
    public void Run_ids_are_parsed_leniently()
    {
        Assert.Equal([3L, 1, 7], ComparePage.ParseIds(" 3,1,,x,7,3,-2"));
        Assert.Empty(ComparePage.ParseIds(null));
    }

    [Fact]
    public async Task Compare_page_shows_the_teams_runs_and_not_another_teams()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (beta, b) = await app.CreateTeamAsync("beta");
        var store = app.Get<RunStore>();
        var first = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "alpha-sota", """{"seed":1,"model":{"layers":4}}""", null));
        var second = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "alpha-ln", """{"seed":1,"model":{"layers":1}}""", null));
        var secret = await store.CreateAsync(new NewRun(beta.Id, b.Id, "beta-secret", """{"seed":99,"hidden":"beta-only-value"}""", null));
        await store.TransitionAsync(first.Id, RunStatus.Running, "cpu");
        await app.Get<RunProgressRecorder>().EpochAsync(first.Id, new EpochCompleted(1, 1.5, new Dictionary<string, double> { ["26872-17-20"] = 0.21 }, 0.21, 0.009, 3, 0, false, 0, 0, 0, double.NaN), 0.1);

        var client = (await app.SignInAsync(a.UserName)).Http;
        var response = await client.GetAsync($"/compare?runs={first.Id},{second.Id},{secret.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("alpha-sota", html);
        Assert.Contains("alpha-ln", html);
        Assert.Contains($"Not found: #{secret.Id}", html);
        Assert.DoesNotContain("beta-secret", html);
        Assert.DoesNotContain("beta-only-value", html);
        Assert.Contains("data-key=\"model.layers\"", html);
        Assert.Contains("spec-diff-differs", html);
        Assert.Contains("Mean validation correlation", html);
        var stylesheet = System.Text.RegularExpressions.Regex.Match(html, "href=\"(charts[^\"]*\\.css)\"").Groups[1].Value;
        Assert.NotEmpty(stylesheet);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/" + stylesheet)).StatusCode);

        var beta_ = (await app.SignInAsync(b.UserName)).Http;
        var theirs = await (await beta_.GetAsync($"/compare?runs={first.Id}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("alpha-sota", theirs);
        Assert.Contains($"Not found: #{first.Id}", theirs);
    }
}

public sealed class RunsPickerTests
{
    [Fact]
    public async Task Runs_selected_in_the_list_open_the_compare_view()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var store = app.Get<RunStore>();
        var one = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "first", "{\"seed\":1}", null));
        var two = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "second", "{\"seed\":2}", null));

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Ensembles.EnsembleJobs>()); // the page lists the team's ensembles
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.Services.AddSingleton(app.Get<SlotActivity>()); // the device panel follows slots taken and freed
        context.AddAuthorization().SetAuthorized(a.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));

        var cut = context.Render<RunsPage>();
        cut.WaitForAssertion(() => Assert.Contains("second", cut.Markup));
        var boxes = cut.FindAll("tbody input[type=checkbox]");
        Assert.Equal(2, boxes.Count);
        boxes[0].Change(true);
        cut.FindAll("tbody input[type=checkbox]")[1].Change(true);
        cut.WaitForAssertion(() => Assert.Contains("Compare 2 selected", cut.Find(".compare-selected").TextContent));
        Assert.Equal($"/compare?runs={one.Id},{two.Id}", cut.Find("a.compare-selected").GetAttribute("href"));
        Assert.Equal($"/ensembles/new?runs={one.Id},{two.Id}", cut.Find("a.ensemble-selected").GetAttribute("href")); // and make an ensemble of them
    }
}
