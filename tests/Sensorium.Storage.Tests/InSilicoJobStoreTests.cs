using Sensorium.Storage.Accounts;
using Sensorium.Storage.InSilico;
using Sensorium.Storage.Runs;

namespace Sensorium.Storage.Tests;

public abstract class InSilicoJobStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    InSilicoJobStore jobs => field ??= new InSilicoJobStore(temp.Database, temp.Time);
    public void Dispose() => temp.Dispose();

    async Task<(Team Team, User User, Run Run)> RunAsync(string team = "alpha")
    {
        var t = await new TeamStore(temp.Database, temp.Time).CreateAsync(team);
        var u = await new UserStore(temp.Database, temp.Time).CreateAsync(team + "-user", "h", t.Id, false);
        var run = await new RunStore(temp.Database, temp.Time).CreateAsync(new NewRun(t.Id, u.Id, "r", "{}", null));
        return (t, u, run);
    }

    [Fact]
    public async Task A_job_goes_queued_running_done_with_its_reports_and_one_active_job_per_run()
    {
        var (team, user, run) = await RunAsync();
        var job = await jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 8, "cuda:0"));
        Assert.NotNull(job);
        Assert.Equal(InSilicoJobStatus.Queued, job.Status);
        Assert.Equal("cuda:0", job.RequestedDevice);
        Assert.Null(await jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 8, null))); // one queued or running per run
        Assert.Equal([job.Id], (await jobs.ListActiveAsync()).Select(j => j.Id));

        var running = await jobs.StartAsync(job.Id, "cuda:0");
        Assert.Equal(InSilicoJobStatus.Running, running!.Status);
        Assert.Equal("cuda:0", running.Device);
        Assert.NotNull(running.StartedAt);
        Assert.Null(await jobs.StartAsync(job.Id, "cpu")); // not queued any more
        Assert.True(await jobs.SetPidAsync(job.Id, 4242));
        Assert.True(await jobs.ReportAsync(job.Id, "rf: gradient 3/10", 0.25));
        var stored = await jobs.LatestForRunAsync(run.Id);
        Assert.Equal(("rf: gradient 3/10", 0.25, 4242), (stored!.Stage, stored.Progress, stored.Pid!.Value));
        Assert.Equal([team.Id], (await jobs.LastStartPerTeamAsync()).Keys);

        var done = await jobs.FinishAsync(job.Id, succeeded: true, message: null);
        Assert.Equal((InSilicoJobStatus.Done, 1.0, (int?)null), (done!.Status, done.Progress, done.Pid));
        Assert.Null(await jobs.FinishAsync(job.Id, succeeded: false, "late")); // a late report changes nothing
        Assert.False(await jobs.ReportAsync(job.Id, "late", 0.5));
        Assert.Empty(await jobs.ListActiveAsync());

        var again = await jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 4, null)); // ended: may queue again
        Assert.NotNull(again);
        Assert.Equal(again.Id, (await jobs.LatestForRunAsync(run.Id))!.Id);
    }

    [Fact]
    public async Task At_a_restart_running_jobs_end_interrupted_with_the_reason_and_queued_ones_stay_queued()
    {
        var (team, user, run) = await RunAsync("alpha");
        var (team2, user2, run2) = await RunAsync("beta");
        var running = await jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 8, null));
        await jobs.StartAsync(running!.Id, "cpu");
        await jobs.ReportAsync(running.Id, "mei: ascent 2/8", 0.6);
        var queued = await jobs.CreateAsync(new NewInSilicoJob(run2.Id, team2.Id, user2.Id, 8, null));

        var interrupted = await jobs.InterruptRunningAsync("the server restarted");
        Assert.Equal([running.Id], interrupted.Select(j => j.Id));
        var stored = await jobs.GetAsync(running.Id);
        Assert.Equal((InSilicoJobStatus.Interrupted, "the server restarted", "mei: ascent 2/8"), (stored!.Status, stored.Message, stored.Stage));
        Assert.NotNull(stored.FinishedAt);
        Assert.Equal(InSilicoJobStatus.Queued, (await jobs.GetAsync(queued!.Id))!.Status);
        Assert.NotNull(await jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 8, null))); // interrupted: may queue again

        var failed = await jobs.FinishAsync(queued.Id, succeeded: false, "no built sensorium CLI found");
        Assert.Equal((InSilicoJobStatus.Failed, "no built sensorium CLI found"), (failed!.Status, failed.Message));
    }

    [Fact]
    public async Task An_ensemble_has_its_own_jobs_one_active_at_a_time_beside_its_runs_and_a_job_names_exactly_one_target()
    {
        var (team, user, run) = await RunAsync();
        var run2 = await new RunStore(temp.Database, temp.Time).CreateAsync(new NewRun(team.Id, user.Id, "r2", "{}", null));
        var ensemble = await new Sensorium.Storage.Ensembles.EnsembleStore(temp.Database, temp.Time).CreateAsync(
            new Sensorium.Storage.Ensembles.NewEnsemble(team.Id, user.Id, "two", "/data", ["m1"], [run.Id, run2.Id], Waiting: false));
        var forRun = await jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 8, null));
        var forEnsemble = await jobs.CreateAsync(new NewInSilicoJob(null, team.Id, user.Id, 4, null, EnsembleId: ensemble.Id));
        Assert.NotNull(forEnsemble); // the run's active job does not block the ensemble's
        Assert.Equal(((long?)null, (long?)ensemble.Id, 4), (forEnsemble.RunId, forEnsemble.EnsembleId, forEnsemble.MeiNeurons));
        Assert.Null(await jobs.CreateAsync(new NewInSilicoJob(null, team.Id, user.Id, 4, null, EnsembleId: ensemble.Id))); // one active per ensemble
        Assert.Equal([forRun!.Id, forEnsemble.Id], (await jobs.ListActiveAsync()).Select(j => j.Id));
        Assert.Equal(forEnsemble.Id, (await jobs.LatestForEnsembleAsync(ensemble.Id))!.Id);
        Assert.Equal(forRun.Id, (await jobs.LatestForRunAsync(run.Id))!.Id); // the run's latest is not the ensemble's
        Assert.Null(await jobs.LatestForEnsembleAsync(ensemble.Id + 1));

        await jobs.StartAsync(forEnsemble.Id, "cpu");
        var done = await jobs.FinishAsync(forEnsemble.Id, succeeded: true, null);
        Assert.Equal((InSilicoJobStatus.Done, (long?)ensemble.Id), (done!.Status, done.EnsembleId));
        Assert.NotNull(await jobs.CreateAsync(new NewInSilicoJob(null, team.Id, user.Id, 4, null, EnsembleId: ensemble.Id))); // ended: again

        await Assert.ThrowsAsync<ArgumentException>(() => jobs.CreateAsync(new NewInSilicoJob(run.Id, team.Id, user.Id, 4, null, EnsembleId: ensemble.Id)));
        await Assert.ThrowsAsync<ArgumentException>(() => jobs.CreateAsync(new NewInSilicoJob(null, team.Id, user.Id, 4, null)));
        using var connection = temp.Database.Open(); // the table itself refuses a job of both (or neither)
        Assert.ThrowsAny<Exception>(() => Dapper.SqlMapper.Execute(connection, """
            INSERT INTO insilico_jobs (run_id, ensemble_id, team_id, status, mei_neurons, stage, created_at)
            VALUES (@run, @ens, @team, 'done', 1, 'done', '2026-01-01T00:00:00+00:00')
            """, new { run = run.Id, ens = ensemble.Id, team = team.Id }));
    }
}

public sealed class InSilicoJobStoreOnSqliteTests() : InSilicoJobStoreTests(DatabaseEngine.Sqlite);

public sealed class InSilicoJobStoreOnPostgresTests() : InSilicoJobStoreTests(DatabaseEngine.Postgres);
