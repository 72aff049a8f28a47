using Sensorium.Storage.Accounts;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.Runs;

namespace Sensorium.Storage.Tests;

public abstract class EnsembleStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    EnsembleStore ensembles => field ??= new EnsembleStore(temp.Database, temp.Time);
    public void Dispose() => temp.Dispose();

    async Task<(Team Team, User User, Run[] Runs)> RunsAsync(string team = "alpha", int count = 3)
    {
        var t = await new TeamStore(temp.Database, temp.Time).CreateAsync(team);
        var u = await new UserStore(temp.Database, temp.Time).CreateAsync(team + "-user", "h", t.Id, false);
        var store = new RunStore(temp.Database, temp.Time);
        var runs = new Run[count];
        for (int i = 0; i < count; i++) runs[i] = await store.CreateAsync(new NewRun(t.Id, u.Id, $"r{i}", "{}", null));
        return (t, u, runs);
    }

    [Fact]
    public async Task An_ensemble_keeps_its_members_in_order_and_goes_queued_running_succeeded_with_its_scores()
    {
        var (team, user, runs) = await RunsAsync();
        var created = await ensembles.CreateAsync(new NewEnsemble(team.Id, user.Id, "three seeds", "/data/small",
            ["26872-17-20"], [runs[2].Id, runs[0].Id, runs[1].Id], Waiting: false));
        Assert.Equal(EnsembleStatus.Queued, created.Status);
        Assert.Equal([runs[2].Id, runs[0].Id, runs[1].Id], created.MemberRunIds);
        var got = await ensembles.GetAsync(created.Id);
        Assert.Equal(("three seeds", "/data/small", "26872-17-20"), (got!.Name, got.Dataset, got.Mice));
        Assert.Equal(created.MemberRunIds, got.MemberRunIds);
        Assert.Equal([created.Id], (await ensembles.ListInStatusAsync(EnsembleStatus.Queued, EnsembleStatus.Running)).Select(e => e.Id));

        var running = await ensembles.StartAsync(created.Id, "cpu");
        Assert.Equal((EnsembleStatus.Running, "cpu"), (running!.Status, running.Device));
        Assert.Null(await ensembles.StartAsync(created.Id, "cpu")); // not queued any more
        Assert.True(await ensembles.SetPidAsync(created.Id, 4242));
        Assert.Equal([team.Id], (await ensembles.LastStartPerTeamAsync()).Keys);

        var done = await ensembles.SucceedAsync(created.Id, """{"validation":[]}""");
        Assert.Equal((EnsembleStatus.Succeeded, """{"validation":[]}""", (int?)null), (done!.Status, done.Scores, done.Pid));
        Assert.NotNull(done.FinishedAt);
        Assert.Null(await ensembles.FailAsync(created.Id, "late")); // ended: a late report changes nothing
        Assert.Null(await ensembles.QueueAsync(created.Id)); // succeeded is final
        Assert.Empty(await ensembles.ListInStatusAsync(EnsembleStatus.Queued, EnsembleStatus.Running));
    }

    [Fact]
    public async Task A_waiting_ensemble_is_queued_or_failed_and_a_restart_interrupts_running_ones_per_team()
    {
        var (team, user, runs) = await RunsAsync("alpha");
        var (team2, user2, runs2) = await RunsAsync("beta", 2);
        var waiting = await ensembles.CreateAsync(new NewEnsemble(team.Id, user.Id, "k seeds", "/d", ["a", "b"], [runs[0].Id, runs[1].Id], Waiting: true));
        Assert.Equal(EnsembleStatus.Waiting, waiting.Status);
        Assert.Equal(["a", "b"], waiting.MouseList);
        Assert.Null(await ensembles.StartAsync(waiting.Id, "cpu")); // waiting is not queued
        var failed = await ensembles.FailAsync(waiting.Id, "member run 1 failed");
        Assert.Equal((EnsembleStatus.Failed, "member run 1 failed"), (failed!.Status, failed.Message));
        var requeued = await ensembles.QueueAsync(waiting.Id); // failed: may be evaluated again
        Assert.Equal((EnsembleStatus.Queued, (string?)null), (requeued!.Status, requeued.Message));

        var other = await ensembles.CreateAsync(new NewEnsemble(team2.Id, user2.Id, "b", "/d", ["a"], [runs2[0].Id, runs2[1].Id], Waiting: false));
        await ensembles.StartAsync(waiting.Id, "cpu");
        var interrupted = await ensembles.InterruptRunningAsync("the server restarted");
        Assert.Equal([waiting.Id], interrupted.Select(e => e.Id));
        Assert.Equal([runs[0].Id, runs[1].Id], interrupted[0].MemberRunIds);
        Assert.Equal((EnsembleStatus.Interrupted, "the server restarted"), ((await ensembles.GetAsync(waiting.Id))!.Status, (await ensembles.GetAsync(waiting.Id))!.Message));
        Assert.Equal(EnsembleStatus.Queued, (await ensembles.GetAsync(other.Id))!.Status);
        Assert.Equal([waiting.Id], (await ensembles.ListForTeamAsync(team.Id)).Select(e => e.Id));
        Assert.Equal([other.Id], (await ensembles.ListForTeamAsync(team2.Id)).Select(e => e.Id));

        await Assert.ThrowsAsync<ArgumentException>(() => ensembles.CreateAsync(new NewEnsemble(team.Id, user.Id, "one", "/d", ["a"], [runs[0].Id], false)));
        await Assert.ThrowsAnyAsync<Exception>(() => ensembles.CreateAsync(new NewEnsemble(team.Id, user.Id, "ghost", "/d", ["a"], [runs[0].Id, 99999], false)));
        Assert.Single(await ensembles.ListForTeamAsync(team.Id)); // the failed insert left nothing behind
    }
}

public sealed class EnsembleStoreOnSqliteTests() : EnsembleStoreTests(DatabaseEngine.Sqlite);

public sealed class EnsembleStoreOnPostgresTests() : EnsembleStoreTests(DatabaseEngine.Postgres);
