using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sensorium.Web.Tests.Slurm;

/// <summary>
/// A real one-node Slurm cluster (Debian's slurm-wlm and munge) for the Slurm tests, started once per test process
/// by scripts/slurm-local.sh in a temp folder on free ports and stopped when the process exits. Missing packages
/// fail the tests loudly: scripts/test.sh installs them.
/// </summary>
public static class SlurmCluster
{
    static readonly Lazy<string> Conf = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cluster's slurm.conf: pass it to the Slurm commands as SLURM_CONF.</summary>
    public static string SlurmConf => Conf.Value;

    static string Start()
    {
        var script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../scripts/slurm-local.sh"));
        if (!File.Exists(script)) throw new FileNotFoundException($"The Slurm tests start their cluster with {script}, which is missing.");
        foreach (var tool in new[] { "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch" })
            if (!File.Exists(tool))
                throw new InvalidOperationException($"{tool} is missing: the Slurm tests need Debian's slurm-wlm and munge packages (scripts/test.sh installs them: apt-get install slurm-wlm munge).");
        var dir = Directory.CreateTempSubdirectory("sensorium-slurm-").FullName;
        var (ctld, slurmd) = (FreePort(), FreePort());
        var (code, output) = Run(script, "start", dir, ctld.ToString(), slurmd.ToString());
        if (code != 0) throw new InvalidOperationException($"scripts/slurm-local.sh start failed (exit {code}): {output}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Run(script, "stop", dir);
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return Path.Combine(dir, "slurm.conf");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
