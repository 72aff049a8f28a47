using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Sensorium.Storage;

/// <summary>The database engines the stores run on: the same SQL (Dapper), one migration set per engine.</summary>
public enum DatabaseEngine { Sqlite, Postgres }

/// <summary>
/// The workbench's database: an embedded SQLite file (the default) or a PostgreSQL database (several web nodes share
/// one). Opens connections (SQLite: foreign keys on, WAL) and applies the engine's embedded migrations once at start.
/// Stores take this and open a short-lived connection per operation; the few places where the engines' SQL differs
/// ask <see cref="Engine"/> (see <see cref="ForUpdate"/> and <see cref="IsUniqueViolation"/>).
/// </summary>
public sealed class Database
{
    static Database()
    {
        // Columns are snake_case, properties PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Times are stored as round-trip ISO-8601 UTC text on both engines (they sort as text, and compare the same).
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
    }

    /// <summary>A SQLite file at <paramref name="path"/> (created with its folder by <see cref="Initialize"/>).</summary>
    public Database(string path)
    {
        Engine = DatabaseEngine.Sqlite;
        Path = System.IO.Path.GetFullPath(path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30, // seconds to wait on a locked database (worker writes and page reads overlap)
        }.ToString();
    }

    Database(DatabaseEngine engine, string connectionString)
    {
        Engine = engine;
        ConnectionString = connectionString;
    }

    /// <summary>
    /// A PostgreSQL database (Npgsql connection string, e.g. <c>Host=db;Database=workbench;Username=…;Password=…</c>).
    /// The database must exist; <see cref="Initialize"/> creates the tables.
    /// </summary>
    public static Database Postgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try { builder = new NpgsqlConnectionStringBuilder(connectionString); }
        catch (ArgumentException e) { throw new ArgumentException($"The PostgreSQL connection string is not valid: {e.Message}", nameof(connectionString), e); }
        if (string.IsNullOrWhiteSpace(builder.Database))
            throw new ArgumentException("The PostgreSQL connection string names no Database.", nameof(connectionString));
        return new Database(DatabaseEngine.Postgres, builder.ConnectionString);
    }

    public DatabaseEngine Engine { get; }
    /// <summary>The SQLite file; null for PostgreSQL.</summary>
    public string? Path { get; }
    public string ConnectionString { get; }

    /// <summary>Where the data lives, for logs and messages (no password).</summary>
    public string Describe() => Engine == DatabaseEngine.Sqlite
        ? $"SQLite {Path}"
        : new NpgsqlConnectionStringBuilder(ConnectionString) is var b ? $"PostgreSQL {b.Host}:{b.Port}/{b.Database}" : "";

    public DbConnection Open()
    {
        DbConnection connection = Engine == DatabaseEngine.Sqlite ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Appended to a SELECT inside a transaction that will write what it read: PostgreSQL locks the rows
    /// (<c>FOR UPDATE</c>); SQLite has none and needs none (its transactions begin IMMEDIATE: the write lock first).
    /// </summary>
    public string ForUpdate => Engine == DatabaseEngine.Postgres ? " FOR UPDATE" : "";

    /// <summary>Whether <paramref name="e"/> is this engine's "unique constraint violated".</summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        SqliteException s => s.SqliteExtendedErrorCode == 2067, // SQLITE_CONSTRAINT_UNIQUE (https://sqlite.org/rescode.html)
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>Creates the file if needed (SQLite: and turns on WAL), then applies pending migrations. Returns their names.</summary>
    public IReadOnlyList<string> Initialize()
    {
        if (Engine == DatabaseEngine.Sqlite) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var connection = Open();
        if (Engine == DatabaseEngine.Sqlite) connection.Execute("PRAGMA journal_mode = WAL;");
        return Migrator.Migrate(connection, Engine);
    }

    /// <summary>Closes pooled connections so the file can be moved or deleted (shutdown, tests).</summary>
    public static void ClearPools()
    {
        SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
    }

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

/// <summary>A unique name (team, user, dataset) is already taken.</summary>
public sealed class NameTakenException(string message) : Exception(message);
