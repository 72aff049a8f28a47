using System.Net;
using System.Net.Http.Json;
using Sensorium.Storage;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Tests;
using Sensorium.Web.Features.Runs;

namespace Sensorium.Web.Tests;

/// <summary>
/// The whole workbench on a real PostgreSQL database (Debian's server, see <see cref="PostgresServer"/>) instead of
/// the SQLite file: it migrates an empty database, serves a team, and a second server on the same database sees the
/// same state (what several web nodes rely on).
/// </summary>
public sealed class PostgresWorkbenchTests : IDisposable
{
    readonly string connectionString = PostgresServer.CreateDatabase();
    public void Dispose()
    {
        Database.ClearPools();
        PostgresServer.DropDatabase(connectionString);
    }

    Dictionary<string, string> Settings() => new()
    {
        ["Workbench:Database"] = "postgres",
        ["Workbench:DatabaseConnectionString"] = connectionString,
    };

    [Fact]
    public async Task A_team_works_on_postgres_and_a_second_server_on_the_same_database_sees_its_runs()
    {
        long runId;
        using (var first = new WorkbenchApp(settings: Settings()))
        {
            var database = first.Get<Database>();
            Assert.Equal(DatabaseEngine.Postgres, database.Engine);
            Assert.Null(database.Path);
            Assert.False(File.Exists(Path.Combine(first.DataDirectory, "workbench.db"))); // nothing written to SQLite

            var (_, member) = await first.CreateTeamAsync("alpha");
            var client = (await first.SignInAsync(member.UserName)).Http;
            var response = await client.PostAsJsonAsync("/api/runs", new { name = "on postgres", spec = new { dataset = new { path = WorkbenchApp.DatasetName }, seed = 7 } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            runId = (await response.Content.ReadFromJsonAsync<RunResponse>(WorkbenchApp.Json))!.Id;
            Assert.Equal(RunStatus.Queued, (await first.Get<RunStore>().GetAsync(runId))!.Status);

            var metrics = first.Get<RunMetricStore>();
            await metrics.AddEpochAsync(new RunEpoch { RunId = runId, Epoch = 1, TrainLoss = double.NaN, ValidationCorrelation = 0.25, LearningRate = 0.009, EpochSeconds = 1 });
            var epoch = Assert.Single(await metrics.ListEpochsAsync(runId));
            Assert.True(double.IsNaN(epoch.TrainLoss)); // stored as NULL, read back as NaN, as on SQLite
        }

        using var second = new WorkbenchApp(settings: Settings());
        var again = (await second.SignInAsync("alpha-member")).Http;
        var list = await again.GetFromJsonAsync<RunResponse[]>("/api/runs", WorkbenchApp.Json);
        Assert.Equal(runId, Assert.Single(list!).Id);
        Assert.Equal("on postgres", list![0].Name);
    }

    [Fact]
    public void Postgres_without_a_connection_string_stops_the_start_saying_what_is_missing()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Workbench:Database"] = "postgres" });
        var e = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("Workbench:DatabaseConnectionString", e.ToString());
    }

    [Fact]
    public void An_unknown_database_engine_stops_the_start()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Workbench:Database"] = "oracle" });
        var e = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("expected sqlite (the default) or postgres", e.ToString());
    }
}
