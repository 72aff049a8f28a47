using System.Data.Common;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;

namespace Sensorium.Storage;

/// <summary>
/// Applies the numbered migration scripts embedded in this assembly, in order, each in its own transaction, and
/// records them in <c>schema_migrations</c>. One set per engine with the same numbers and names:
/// <c>Migrations/NNNN_Name.sql</c> (SQLite) and <c>Migrations/postgres/NNNN_Name.sql</c> (PostgreSQL); a script
/// missing its twin is an error. Scripts are never edited once released: a change is a new, higher-numbered script.
/// On PostgreSQL an advisory lock makes web nodes starting together migrate one after the other.
/// </summary>
public static partial class Migrator
{
    public sealed record Script(int Version, string Name, string Sql);

    /// <summary>Any number: the PostgreSQL advisory lock held while migrating.</summary>
    const long MigrationLock = 0x5E45_0A1E;

    public static IReadOnlyList<string> Migrate(DbConnection connection, DatabaseEngine engine = DatabaseEngine.Sqlite)
    {
        if (engine == DatabaseEngine.Postgres) connection.Execute("SELECT pg_advisory_lock(@MigrationLock)", new { MigrationLock });
        try
        {
            connection.Execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     INTEGER PRIMARY KEY,
                    name        TEXT NOT NULL,
                    applied_at  TEXT NOT NULL
                )
                """);
            var applied = connection.Query<int>("SELECT version FROM schema_migrations").ToHashSet();

            var appliedNow = new List<string>();
            foreach (var script in Scripts(engine).Where(s => !applied.Contains(s.Version)))
            {
                using var transaction = connection.BeginTransaction();
                try
                {
                    connection.Execute(script.Sql, transaction: transaction);
                }
                catch (DbException e)
                {
                    throw new InvalidOperationException($"Migration {script.Name} ({engine}) failed: {e.Message}", e);
                }
                connection.Execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @Now)",
                    new { script.Version, script.Name, Now = DateTimeOffset.UtcNow },
                    transaction);
                transaction.Commit();
                appliedNow.Add(script.Name);
            }
            return appliedNow;
        }
        finally
        {
            if (engine == DatabaseEngine.Postgres) connection.Execute("SELECT pg_advisory_unlock(@MigrationLock)", new { MigrationLock });
        }
    }

    /// <summary>The embedded scripts of <paramref name="engine"/> in version order; two scripts with one number are an error.</summary>
    public static IReadOnlyList<Script> Scripts(DatabaseEngine engine = DatabaseEngine.Sqlite)
    {
        var scripts = AllScripts().Where(s => s.Engine == engine).Select(s => s.Script).ToList();
        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two {engine} migrations are numbered {duplicate.Key}: {string.Join(", ", duplicate.Select(s => s.Name))}.");
        return scripts.OrderBy(s => s.Version).ToList();
    }

    /// <summary>The migrations one engine has and the other lacks (by name), for the test that keeps them twins.</summary>
    public static IReadOnlyList<string> Unpaired()
    {
        var sqlite = Scripts(DatabaseEngine.Sqlite).Select(s => s.Name).ToHashSet();
        var postgres = Scripts(DatabaseEngine.Postgres).Select(s => s.Name).ToHashSet();
        return sqlite.Except(postgres).Select(n => $"{n}: no PostgreSQL twin (Migrations/postgres/{n}.sql)")
            .Concat(postgres.Except(sqlite).Select(n => $"{n}: no SQLite twin (Migrations/{n}.sql)")).ToList();
    }

    static IEnumerable<(DatabaseEngine Engine, Script Script)> AllScripts()
    {
        var assembly = typeof(Migrator).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ScriptName().Match(resource);
            if (!match.Success) continue;
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var engine = match.Groups["postgres"].Success ? DatabaseEngine.Postgres : DatabaseEngine.Sqlite;
            yield return (engine, new Script(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }
    }

    [GeneratedRegex(@"^Migrations/(?<postgres>postgres/)?(?<name>(?<version>\d{4})_\w+)\.sql$")]
    private static partial Regex ScriptName();
}
