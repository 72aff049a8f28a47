using Dapper;

namespace Sensorium.Storage.Tests;

public sealed class MigratorTests
{
    [Theory]
    [InlineData(DatabaseEngine.Sqlite)]
    [InlineData(DatabaseEngine.Postgres)]
    public void Scripts_are_embedded_and_numbered_in_order(DatabaseEngine engine)
    {
        var scripts = Migrator.Scripts(engine);
        Assert.Equal(["0001_Accounts", "0002_Datasets", "0003_Runs", "0004_Submissions", "0005_TrainingHealth", "0006_RunPriority", "0007_RunNotesTagsAndLossPerTrial", "0008_InSilicoJobs", "0009_Ensembles", "0010_Sweeps", "0011_DispatcherLease", "0012_SubmissionEnsemble", "0013_EnsembleInSilicoJobs", "0014_RunStopReason"], scripts.Select(s => s.Name));
        Assert.Equal(Enumerable.Range(1, scripts.Count), scripts.Select(s => s.Version));
    }

    [Fact]
    public void Every_migration_has_its_twin_for_the_other_engine() => Assert.Empty(Migrator.Unpaired());

    [Theory]
    [InlineData(DatabaseEngine.Sqlite)]
    [InlineData(DatabaseEngine.Postgres)]
    public void Initialize_applies_every_script_once_and_records_it(DatabaseEngine engine)
    {
        using var temp = new TempDatabase(engine); // applied once here
        Assert.Empty(temp.Database.Initialize()); // nothing left the second time

        using var connection = temp.Database.Open();
        Assert.Equal(Migrator.Scripts(engine).Count, connection.ExecuteScalar<int>("SELECT COUNT(*) FROM schema_migrations"));
        if (engine == DatabaseEngine.Sqlite)
        {
            Assert.Equal("wal", connection.ExecuteScalar<string>("PRAGMA journal_mode"));
            Assert.Equal(1, connection.ExecuteScalar<int>("PRAGMA foreign_keys"));
        }
    }

    [Fact]
    public async Task Two_nodes_migrating_one_postgres_database_at_once_apply_each_script_once()
    {
        using var temp = new TempDatabase(DatabaseEngine.Postgres);
        using (var connection = temp.Database.Open()) connection.Execute("""
            DROP TABLE dispatcher_lease, sweeps, ensemble_members, ensembles, insilico_jobs, api_tokens, run_incidents, run_batches, run_epochs, submissions, final_reveals, runs, datasets, users, teams, schema_migrations
            """);
        var nodes = Enumerable.Range(0, 2).Select(_ => Task.Run(() => Database.Postgres(temp.Database.ConnectionString).Initialize())).ToArray();
        var applied = await Task.WhenAll(nodes);
        Assert.Equal(Migrator.Scripts(DatabaseEngine.Postgres).Count, applied.Sum(n => n.Count)); // one did all, the other none
        using var check = temp.Database.Open();
        Assert.Equal(Migrator.Scripts(DatabaseEngine.Postgres).Count, check.ExecuteScalar<int>("SELECT COUNT(*) FROM schema_migrations"));
    }

    [Theory]
    [InlineData(DatabaseEngine.Sqlite)]
    [InlineData(DatabaseEngine.Postgres)]
    public async Task Foreign_keys_are_enforced(DatabaseEngine engine)
    {
        using var temp = new TempDatabase(engine);
        var runs = new Runs.RunStore(temp.Database, temp.Time);
        var error = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(
            () => runs.CreateAsync(new Runs.NewRun(TeamId: 42, OwnerId: 42, "orphan", "{}", null)));
        Assert.Contains("FOREIGN KEY", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_bad_connection_string_is_refused_naming_what_is_wrong()
    {
        var e = Assert.Throws<ArgumentException>(() => Database.Postgres("Host=localhost;Username=x"));
        Assert.Contains("names no Database", e.Message);
    }
}
