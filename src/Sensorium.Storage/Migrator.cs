using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Sensorium.Storage;

/// <summary>
/// Applies the numbered <c>Migrations/NNNN_Name.sql</c> scripts embedded in this assembly, in order, each in its
/// own transaction, and records them in <c>schema_migrations</c>. Scripts are never edited once released: a change
/// is a new, higher-numbered script.
/// </summary>
public static partial class Migrator
{
    public sealed record Script(int Version, string Name, string Sql);

    public static IReadOnlyList<string> Migrate(SqliteConnection connection)
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
        foreach (var script in Scripts().Where(s => !applied.Contains(s.Version)))
        {
            using var transaction = connection.BeginTransaction();
            connection.Execute(script.Sql, transaction: transaction);
            connection.Execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @Now)",
                new { script.Version, script.Name, Now = DateTimeOffset.UtcNow },
                transaction);
            transaction.Commit();
            appliedNow.Add(script.Name);
        }
        return appliedNow;
    }

    /// <summary>The embedded scripts in version order; two scripts with one number are an error.</summary>
    public static IReadOnlyList<Script> Scripts()
    {
        var assembly = typeof(Migrator).Assembly;
        var scripts = new List<Script>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ScriptName().Match(resource);
            if (!match.Success) continue;
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            scripts.Add(new Script(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }
        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations are numbered {duplicate.Key}: {string.Join(", ", duplicate.Select(s => s.Name))}.");
        return scripts.OrderBy(s => s.Version).ToList();
    }

    [GeneratedRegex(@"^Migrations/(?<name>(?<version>\d{4})_\w+)\.sql$")]
    private static partial Regex ScriptName();
}
