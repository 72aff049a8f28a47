using Sensorium.Storage;

namespace Sensorium.Storage.Tests;

/// <summary>
/// A real, migrated, empty database, deleted after the test: a SQLite file in its own temp folder, or a database of
/// its own on the tests' PostgreSQL server (<see cref="PostgresServer"/>).
/// </summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase(DatabaseEngine engine = DatabaseEngine.Sqlite)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sensorium-storage-").FullName;
        Database = engine == DatabaseEngine.Sqlite
            ? new Database(Path.Combine(Directory, "workbench.db"))
            : Database.Postgres(PostgresServer.CreateDatabase());
        Database.Initialize();
    }

    public string Directory { get; }
    public Database Database { get; }
    public TimeProvider Time { get; } = TimeProvider.System;

    public void Dispose()
    {
        Database.ClearPools();
        if (Database.Engine == DatabaseEngine.Postgres) PostgresServer.DropDatabase(Database.ConnectionString);
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
