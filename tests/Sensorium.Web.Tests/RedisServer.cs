using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sensorium.Web.Tests;

/// <summary>
/// A real Redis server for the tests of several web nodes: Debian's <c>redis-server</c> (or the one in
/// SENSORIUM_REDIS_SERVER), started once per test process on a free local port with its files in a temp folder, no
/// persistence, stopped when the process exits. Each test uses channels of its own (<c>Nodes:ChannelPrefix</c>), so
/// tests share the server without hearing each other. A missing binary fails the tests loudly: scripts/test.sh
/// installs the package.
/// </summary>
public static class RedisServer
{
    static readonly Lazy<string> Endpoint = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The StackExchange.Redis configuration string of the shared server (<c>127.0.0.1:PORT</c>).</summary>
    public static string Configuration => Endpoint.Value;

    static string Start()
    {
        var binary = Environment.GetEnvironmentVariable("SENSORIUM_REDIS_SERVER") is { Length: > 0 } configured ? configured : "/usr/bin/redis-server";
        if (!File.Exists(binary))
            throw new InvalidOperationException($"Redis is not installed ({binary} is missing): the tests of several web nodes need Debian's " +
                "redis-server package. scripts/test.sh installs it (apt-get install redis-server); or set SENSORIUM_REDIS_SERVER.");
        var folder = Directory.CreateTempSubdirectory("sensorium-redis-").FullName;
        for (int attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
            foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no", "--daemonize", "no" })
                start.ArgumentList.Add(a);
            var process = Process.Start(start)!;
            var output = new System.Text.StringBuilder();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (output) output.AppendLine(e.Data);
                if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            if (Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))).GetAwaiter().GetResult() == ready.Task)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    try { process.Kill(); process.WaitForExit(5000); Directory.Delete(folder, recursive: true); }
                    catch (Exception e) { Console.Error.WriteLine($"RedisServer: could not stop the test server in {folder}: {e.Message}"); }
                };
                return $"127.0.0.1:{port},abortConnect=false";
            }
            if (!process.HasExited) process.Kill();
            string said;
            lock (output) said = output.ToString();
            if (attempt < 3 && said.Contains("Address already in use", StringComparison.Ordinal)) continue; // the port was taken meanwhile
            throw new InvalidOperationException($"redis-server did not start on port {port}: {said}");
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
