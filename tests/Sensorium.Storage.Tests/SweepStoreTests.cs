using Sensorium.Storage.Accounts;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Sweeps;

namespace Sensorium.Storage.Tests;

public abstract class SweepStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    SweepStore sweeps => field ??= new SweepStore(temp.Database, temp.Time);
    RunStore runs => field ??= new RunStore(temp.Database, temp.Time);
    public void Dispose() => temp.Dispose();

    async Task<(Team Team, User User)> TeamAsync(string name)
    {
        var team = await new TeamStore(temp.Database, temp.Time).CreateAsync(name);
        return (team, await new UserStore(temp.Database, temp.Time).CreateAsync(name + "-user", "h", team.Id, false));
    }

    static NewSweep Sweep(Team team, User user, string name = "lr") =>
        new(team.Id, user.Id, name, """{"seed":1}""", """[{"field":"seed","values":[1,2]}]""", "grid", 2, 0);

    [Fact]
    public async Task A_sweep_is_stored_with_its_runs_queued_and_pointing_back_to_it()
    {
        var (team, user) = await TeamAsync("alpha");
        var (sweep, queued) = await sweeps.CreateAsync(Sweep(team, user),
            [new NewRun(team.Id, user.Id, "lr #1", """{"seed":1}""", null), new NewRun(team.Id, user.Id, "lr #2", """{"seed":2}""", "cpu")]);
        Assert.Equal(("lr", "grid", 2, """[{"field":"seed","values":[1,2]}]"""), (sweep.Name, sweep.Mode, sweep.Budget, sweep.AxesJson));
        Assert.All(queued, r => Assert.Equal((RunStatus.Queued, (long?)sweep.Id), (r.Status, r.SweepId)));
        Assert.Equal("cpu", queued[1].RequestedDevice);
        Assert.Equal(queued.Select(r => r.Id), (await sweeps.ListRunsAsync(sweep.Id)).Select(r => r.Id));
        Assert.Equal(sweep, await sweeps.GetAsync(sweep.Id));
        Assert.Null(await sweeps.GetAsync(sweep.Id + 100));

        // A run queued on its own has no sweep; the scheduler sees the sweep's runs like any other.
        var single = await runs.CreateAsync(new NewRun(team.Id, user.Id, "alone", "{}", null));
        Assert.Null(single.SweepId);
        Assert.Equal(3, (await runs.ListActiveAsync()).Count);
        Assert.Equal(2, (await sweeps.ListRunsAsync(sweep.Id)).Count);
    }

    [Fact]
    public async Task A_teams_list_counts_its_sweeps_runs_and_best_score_and_shows_no_other_teams()
    {
        var (alpha, a) = await TeamAsync("alpha");
        var (beta, b) = await TeamAsync("beta");
        var (first, runsOfFirst) = await sweeps.CreateAsync(Sweep(alpha, a, "first"),
            [new NewRun(alpha.Id, a.Id, "1", "{}", null), new NewRun(alpha.Id, a.Id, "2", "{}", null), new NewRun(alpha.Id, a.Id, "3", "{}", null)]);
        var (second, _) = await sweeps.CreateAsync(Sweep(alpha, a, "second"), [new NewRun(alpha.Id, a.Id, "1", "{}", null)]);
        await sweeps.CreateAsync(Sweep(beta, b, "theirs"), [new NewRun(beta.Id, b.Id, "1", "{}", null)]);

        await runs.TransitionAsync(runsOfFirst[0].Id, RunStatus.Running, "cpu");
        await runs.SetProgressAsync(runsOfFirst[0].Id, 0.5, 0.31);
        await runs.TransitionAsync(runsOfFirst[0].Id, RunStatus.Succeeded);
        await runs.TransitionAsync(runsOfFirst[1].Id, RunStatus.Running, "cpu");
        await runs.SetProgressAsync(runsOfFirst[1].Id, 0.5, 0.35);

        var list = await sweeps.ListForTeamAsync(alpha.Id);
        Assert.Equal([second.Id, first.Id], list.Select(s => s.Id));
        Assert.Equal((3, 1, 2, (double?)0.35), (list[1].Runs, list[1].Finished, list[1].Active, list[1].BestScore));
        Assert.Equal((1, 0, 1, (double?)null), (list[0].Runs, list[0].Finished, list[0].Active, list[0].BestScore));
        Assert.Equal(["theirs"], (await sweeps.ListForTeamAsync(beta.Id)).Select(s => s.Name));
    }

    [Fact]
    public async Task A_sweep_without_runs_or_with_another_teams_run_is_refused_and_nothing_is_stored()
    {
        var (alpha, a) = await TeamAsync("alpha");
        var (beta, b) = await TeamAsync("beta");
        await Assert.ThrowsAsync<ArgumentException>(() => sweeps.CreateAsync(Sweep(alpha, a), []));
        await Assert.ThrowsAsync<ArgumentException>(() => sweeps.CreateAsync(Sweep(alpha, a), [new NewRun(beta.Id, b.Id, "x", "{}", null)]));
        Assert.Empty(await sweeps.ListForTeamAsync(alpha.Id));
        Assert.Empty(await runs.ListActiveAsync());
    }
}

public sealed class SweepStoreOnSqliteTests() : SweepStoreTests(DatabaseEngine.Sqlite);

public sealed class SweepStoreOnPostgresTests() : SweepStoreTests(DatabaseEngine.Postgres);
