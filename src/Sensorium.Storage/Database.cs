using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Sensorium.Storage;

/// <summary>
/// The workbench's SQLite file: opens connections with foreign keys on, switches the file to WAL and applies
/// the embedded migrations once at start. Stores take this and open a short-lived connection per operation.
/// </summary>
public sealed class Database
{
    static Database()
    {
        // Columns are snake_case, properties PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Microsoft.Data.Sqlite hands times back as text; we store them as round-trip ISO-8601 UTC.
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
    }

    public Database(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30, // seconds to wait on a locked database (worker writes and page reads overlap)
        }.ToString();
    }

    public string Path { get; }
    public string ConnectionString { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Creates the file if needed, turns on WAL and applies pending migrations. Returns their names.</summary>
    public IReadOnlyList<string> Initialize()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var connection = Open();
        connection.Execute("PRAGMA journal_mode = WAL;");
        return Migrator.Migrate(connection);
    }

    /// <summary>Closes pooled connections so the file can be moved or deleted (shutdown, tests).</summary>
    public static void ClearPools() => SqliteConnection.ClearAllPools();

    sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            parameter.DbType = DbType.String;
            parameter.Value = value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        }

        public override DateTimeOffset Parse(object value) =>
            DateTimeOffset.Parse((string)value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
