using Sensorium.Storage.Accounts;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Submissions;

namespace Sensorium.Storage.Tests;

public abstract class SubmissionStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    public void Dispose() => temp.Dispose();

    static Submission Entry(long teamId, long userId, string track, string tier, double score, long? runId = null) => new()
    {
        TeamId = teamId, UserId = userId, RunId = runId, Track = track, Tier = tier, FileName = "f.csv", FilePath = "/tmp/f.csv",
        FileBytes = 10, SingleTrialCorrelation = score / 2, CorrelationToAverage = score, Feve = score / 3,
    };

    [Fact]
    public async Task Submissions_round_trip_list_per_team_run_and_board_and_count_within_a_window()
    {
        var teams = new TeamStore(temp.Database, temp.Time);
        var users = new UserStore(temp.Database, temp.Time);
        var store = new SubmissionStore(temp.Database, temp.Time);
        var alpha = await teams.CreateAsync("alpha");
        var beta = await teams.CreateAsync("beta");
        var user = await users.CreateAsync("ada", "h", alpha.Id, false);
        var run = await new RunStore(temp.Database, temp.Time).CreateAsync(new NewRun(alpha.Id, user.Id, "r", "{}", null));

        var a = await store.CreateAsync(Entry(alpha.Id, user.Id, "sensorium", "test", 0.5, run.Id) with { IsBaseline = true, WarningsJson = "[\"w\"]" });
        await store.CreateAsync(Entry(beta.Id, user.Id, "sensorium", "test", 0.4));
        await store.CreateAsync(Entry(alpha.Id, user.Id, "sensorium", "final_test", 0.3));

        var read = await store.GetAsync(a.Id);
        Assert.Equal(a, read);
        Assert.True(read!.IsBaseline);
        Assert.Equal(0.5, read.CorrelationToAverage);
        Assert.Equal(2, (await store.ListForTeamAsync(alpha.Id)).Count);
        Assert.Equal(a.Id, Assert.Single(await store.ListForRunAsync(run.Id)).Id);
        var board = await store.ListForBoardAsync("sensorium", "test");
        Assert.Equal(["alpha", "beta"], board.Select(b => b.TeamName));

        Assert.Single(await store.TimesSinceAsync(alpha.Id, "sensorium", "test", a.CreatedAt.AddHours(-1)));
        Assert.Empty(await store.TimesSinceAsync(alpha.Id, "sensorium", "test", a.CreatedAt.AddSeconds(1)));
        Assert.Empty(await store.TimesSinceAsync(alpha.Id, "sensorium+", "test", a.CreatedAt.AddHours(-1)));
    }

    [Fact]
    public async Task A_submission_made_from_an_ensemble_keeps_its_ensemble_and_is_listed_for_it_only()
    {
        var team = await new TeamStore(temp.Database, temp.Time).CreateAsync("alpha");
        var user = await new UserStore(temp.Database, temp.Time).CreateAsync("ada", "h", team.Id, false);
        var runs = new RunStore(temp.Database, temp.Time);
        var first = await runs.CreateAsync(new NewRun(team.Id, user.Id, "a", "{}", null));
        var second = await runs.CreateAsync(new NewRun(team.Id, user.Id, "b", "{}", null));
        var ensembles = new EnsembleStore(temp.Database, temp.Time);
        var pair = await ensembles.CreateAsync(new NewEnsemble(team.Id, user.Id, "pair", "/data", ["26872-17-20"], [first.Id, second.Id], Waiting: false));
        var other = await ensembles.CreateAsync(new NewEnsemble(team.Id, user.Id, "other", "/data", ["26872-17-20"], [first.Id, second.Id], Waiting: false));
        var store = new SubmissionStore(temp.Database, temp.Time);

        var fromEnsemble = await store.CreateAsync(Entry(team.Id, user.Id, "sensorium", "test", 0.5) with { EnsembleId = pair.Id });
        var fromRun = await store.CreateAsync(Entry(team.Id, user.Id, "sensorium", "final_test", 0.4, first.Id));
        var uploaded = await store.CreateAsync(Entry(team.Id, user.Id, "sensorium+", "test", 0.3));

        Assert.Equal(pair.Id, fromEnsemble.EnsembleId);
        Assert.Null(fromEnsemble.RunId);
        Assert.Equal(fromEnsemble, await store.GetAsync(fromEnsemble.Id));
        Assert.Null((await store.GetAsync(fromRun.Id))!.EnsembleId);
        Assert.Null((await store.GetAsync(uploaded.Id))!.EnsembleId);
        Assert.Equal(fromEnsemble.Id, Assert.Single(await store.ListForEnsembleAsync(pair.Id)).Id);
        Assert.Empty(await store.ListForEnsembleAsync(other.Id));
        Assert.Equal(pair.Id, (await store.ListForBoardAsync("sensorium", "test")).Single().Submission.EnsembleId);

        // The reference is a foreign key: no submission of an ensemble that does not exist.
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(
            () => store.CreateAsync(Entry(team.Id, user.Id, "sensorium", "test", 0.1) with { EnsembleId = other.Id + 100 }));
    }

    [Fact]
    public async Task A_tracks_final_scores_are_revealed_once()
    {
        var store = new SubmissionStore(temp.Database, temp.Time);
        Assert.False(await store.IsFinalRevealedAsync("sensorium"));
        Assert.True(await store.RevealFinalAsync("sensorium", null));
        Assert.False(await store.RevealFinalAsync("sensorium", null));
        Assert.True(await store.IsFinalRevealedAsync("sensorium"));
        Assert.False(await store.IsFinalRevealedAsync("sensorium+"));
    }
}

public sealed class SubmissionStoreOnSqliteTests() : SubmissionStoreTests(DatabaseEngine.Sqlite);

public sealed class SubmissionStoreOnPostgresTests() : SubmissionStoreTests(DatabaseEngine.Postgres);
