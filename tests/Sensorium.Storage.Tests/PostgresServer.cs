using System.Diagnostics;
using Npgsql;

namespace Sensorium.Storage.Tests;

/// <summary>
/// A real PostgreSQL server for the PostgreSQL half of the storage tests: Debian's <c>postgresql</c> package
/// (initdb/pg_ctl under /usr/lib/postgresql/N/bin, or the folder in SENSORIUM_PG_BIN), one throw-away cluster per
/// test process in a temp folder, reachable only through a Unix socket there, stopped when the process exits.
/// Run as root (CI containers), the cluster belongs to the <c>postgres</c> user, as initdb refuses root.
/// Missing binaries fail the tests loudly: scripts/test.sh installs the package.
/// </summary>
public static class PostgresServer
{
    static readonly Lazy<string> AdminConnection = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    static int databases;

    /// <summary>A new, empty database on the shared server; returns its connection string.</summary>
    public static string CreateDatabase()
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref databases)}";
        using var connection = new NpgsqlConnection(AdminConnection.Value);
        connection.Open();
        using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection)) create.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(AdminConnection.Value) { Database = name }.ConnectionString;
    }

    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        using var connection = new NpgsqlConnection(AdminConnection.Value);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }

    static string Start()
    {
        var bin = FindBin();
        var root = Directory.CreateTempSubdirectory("sensorium-pg-").FullName;
        var data = Path.Combine(root, "data");
        bool asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", ["-R", "postgres:postgres", root]);
        Run(Path.Combine(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
        var options = $"-c listen_addresses='' -c unix_socket_directories='{root}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "120", "-o", options, "start"], asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            NpgsqlConnection.ClearAllPools();
            try { Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot); Directory.Delete(root, recursive: true); }
            catch (Exception e) { Console.Error.WriteLine($"PostgresServer: could not stop the test cluster in {root}: {e.Message}"); }
        };
        return new NpgsqlConnectionStringBuilder { Host = root, Port = 5432, Username = "postgres", Database = "postgres", Pooling = true }.ConnectionString;
    }

    static string FindBin()
    {
        var configured = Environment.GetEnvironmentVariable("SENSORIUM_PG_BIN");
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(Path.Combine(configured, "initdb")) ? configured
                : throw new InvalidOperationException($"SENSORIUM_PG_BIN={configured} has no initdb.");
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderByDescending(b => b, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: the PostgreSQL half of the storage tests needs initdb and pg_ctl from Debian's " +
            "postgresql package (/usr/lib/postgresql/N/bin). scripts/test.sh installs it (apt-get install postgresql); " +
            "or set SENSORIUM_PG_BIN to a folder with them.");
    }

    static void Run(string file, string[] arguments, bool asPostgres = false)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asPostgres) foreach (var a in new[] { "-u", "postgres", "--", file }) start.ArgumentList.Add(a);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {stderr.Result}{stdout.Result}");
    }
}
