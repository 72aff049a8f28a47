using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Sensorium.Browser.Tests;

/// <summary>
/// The real workbench as a child process on Kestrel (loopback, a free port), with its own data directory, two CPU
/// slots and the tiny synthetic dataset generated at first start. Reads the demo password the first start prints.
/// Shared by the browser tests and scripts/bench-live.
/// </summary>
public sealed partial class WorkbenchProcess : IAsyncDisposable
{
    readonly Process process;
    readonly List<string> output = [];
    readonly TaskCompletionSource<string> demoPassword = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource datasetReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri BaseAddress { get; }
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("sensorium-browser-").FullName;
    public int Pid => process.Id;

    /// <summary>Every line the app wrote so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Output { get { lock (output) return [.. output]; } }

    /// <summary>Called for each line the app writes (e.g. to pick timestamps out of its log).</summary>
    public event Action<string>? Line;

    public WorkbenchProcess(IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        start.ArgumentList.Add(WebAppDll());
        start.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Workbench__DataDirectory"] = DataDirectory;
        start.Environment["Workbench__Devices__0__Name"] = "cpu";
        start.Environment["Workbench__Devices__0__Slots"] = "2";
        start.Environment["Worker__ThreadsPerSlot"] = "1";
        start.Environment["Worker__StopGraceSeconds"] = "5";
        start.Environment["FirstDataset__Preset"] = "Tiny";
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            var error = new InvalidOperationException($"The app exited ({process.ExitCode}):\n{string.Join('\n', Output.TakeLast(40))}");
            listening.TrySetException(error);
            demoPassword.TrySetException(error);
            datasetReady.TrySetException(error);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    void OnLine(string? line)
    {
        if (line is null) return;
        lock (output) output.Add(line);
        if (DemoLine().Match(line) is { Success: true } m) demoPassword.TrySetResult(m.Groups[1].Value);
        if (line.Contains("Now listening on")) listening.TrySetResult();
        if (line.Contains("Dataset synthetic-tiny registered")) datasetReady.TrySetResult();
        Line?.Invoke(line);
    }

    /// <summary>Waits until the app serves and its tiny dataset is registered; returns the demo user's password.</summary>
    public async Task<string> ReadyAsync(TimeSpan timeout)
    {
        await listening.Task.WaitAsync(timeout);
        await datasetReady.Task.WaitAsync(timeout);
        return await demoPassword.Task.WaitAsync(timeout);
    }

    /// <summary>Resident memory of the server process (its workers are separate processes), in MiB.</summary>
    public double WorkingSetMiB()
    {
        process.Refresh();
        return process.WorkingSet64 / 1024.0 / 1024.0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM: the app stops its workers (they keep their checkpoints) and shuts down.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await process.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        }
        process.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>src/Sensorium.Web's build output of the same configuration as this assembly's.</summary>
    static string WebAppDll()
    {
        var binDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var framework = binDir.Name;
        var configuration = binDir.Parent!.Name;
        var root = binDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Sensorium.Web.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException("Sensorium.Web.sln not found above " + AppContext.BaseDirectory);
        var dll = Path.Combine(root.FullName, "src", "Sensorium.Web", "bin", configuration, framework, "Sensorium.Web.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/Sensorium.Web first.", dll);
    }

    [GeneratedRegex(@"^\s+demo\s+(\S+)\s+\(member")]
    private static partial Regex DemoLine();
}
