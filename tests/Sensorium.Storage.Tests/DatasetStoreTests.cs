using Sensorium.Storage.Datasets;

namespace Sensorium.Storage.Tests;

public abstract class DatasetStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Datasets_are_registered_then_checked()
    {
        var datasets = new DatasetStore(temp.Database, temp.Time);
        var dataset = await datasets.CreateAsync("sensorium-2022", "/data/sensorium", registeredBy: null);
        Assert.Equal(DatasetStatus.Registered, dataset.Status);
        await Assert.ThrowsAsync<NameTakenException>(() => datasets.CreateAsync("Sensorium-2022", "/x", null));

        await datasets.SetStatusAsync(dataset.Id, DatasetStatus.Missing, "folder not found");
        var stored = Assert.Single(await datasets.ListAsync());
        Assert.Equal(DatasetStatus.Missing, stored.Status);
        Assert.Equal("folder not found", stored.Detail);
        Assert.NotNull(stored.CheckedAt);
    }
}

public sealed class DatasetStoreOnSqliteTests() : DatasetStoreTests(DatabaseEngine.Sqlite);

public sealed class DatasetStoreOnPostgresTests() : DatasetStoreTests(DatabaseEngine.Postgres);
