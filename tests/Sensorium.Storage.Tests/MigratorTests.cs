using Dapper;

namespace Sensorium.Storage.Tests;

public sealed class MigratorTests
{
    [Fact]
    public void Scripts_are_embedded_and_numbered_in_order()
    {
        var scripts = Migrator.Scripts();
        Assert.Equal(["0001_Accounts", "0002_Datasets", "0003_Runs", "0004_Submissions", "0005_TrainingHealth", "0006_RunPriority", "0007_RunNotesTagsAndLossPerTrial"], scripts.Select(s => s.Name));
        Assert.Equal(Enumerable.Range(1, scripts.Count), scripts.Select(s => s.Version));
    }

    [Fact]
    public void Initialize_applies_every_script_once_and_records_it()
    {
        using var temp = new TempDatabase(); // applied once here
        Assert.Empty(temp.Database.Initialize()); // nothing left the second time

        using var connection = temp.Database.Open();
        Assert.Equal(Migrator.Scripts().Count, connection.ExecuteScalar<int>("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal("wal", connection.ExecuteScalar<string>("PRAGMA journal_mode"));
        Assert.Equal(1, connection.ExecuteScalar<int>("PRAGMA foreign_keys"));
    }

    [Fact]
    public async Task Foreign_keys_are_enforced()
    {
        using var temp = new TempDatabase();
        var runs = new Runs.RunStore(temp.Database, temp.Time);
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(
            () => runs.CreateAsync(new Runs.NewRun(TeamId: 42, OwnerId: 42, "orphan", "{}", null)));
    }
}
