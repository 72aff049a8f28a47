using Dapper;
using Sensorium.Storage;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>A fingerprint of everything stored (rows and their states, files in the data directory), to assert a refused request changed nothing.</summary>
public static class StoredState
{
    public static async Task<string> SnapshotAsync(WorkbenchApp app)
    {
        await using var connection = app.Get<Database>().Open();
        var rows = await connection.QuerySingleAsync<string>("""
            SELECT (SELECT COUNT(*) || ':' || IFNULL(GROUP_CONCAT(id || status || IFNULL(error, ''), ','), '') FROM runs)
                || '|' || (SELECT COUNT(*) FROM submissions)
                || '|' || (SELECT COUNT(*) FROM datasets)
                || '|' || (SELECT COUNT(*) || IFNULL(GROUP_CONCAT(IFNULL(revoked_at, 'live'), ','), '') FROM api_tokens)
                || '|' || (SELECT COUNT(*) FROM users)
                || '|' || (SELECT COUNT(*) FROM teams)
                || '|' || (SELECT COUNT(*) FROM run_epochs)
                || '|' || (SELECT COUNT(*) || ':' || IFNULL(GROUP_CONCAT(id || status, ','), '') FROM ensembles)
                || '|' || (SELECT COUNT(*) FROM sweeps)
                || '|' || (SELECT COUNT(*) || ':' || IFNULL(GROUP_CONCAT(id || status, ','), '') FROM insilico_jobs)
            """);
        var files = Directory.EnumerateFiles(app.DataDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(app.DataDirectory, f))
            .Where(f => !f.StartsWith("keys", StringComparison.Ordinal) && !f.StartsWith("workbench.db", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        return rows + "|" + string.Join(",", files);
    }
}
