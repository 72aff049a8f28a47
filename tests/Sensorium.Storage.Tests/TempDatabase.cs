using Sensorium.Storage;

namespace Sensorium.Storage.Tests;

/// <summary>A real SQLite file in its own temp folder, migrated; deleted after the test.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sensorium-storage-").FullName;
        Database = new Database(Path.Combine(Directory, "workbench.db"));
        Database.Initialize();
    }

    public string Directory { get; }
    public Database Database { get; }
    public TimeProvider Time { get; } = TimeProvider.System;

    public void Dispose()
    {
        Database.ClearPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
