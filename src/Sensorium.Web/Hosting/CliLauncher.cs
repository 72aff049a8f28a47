using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Sensorium.Web.Features.Runs.Worker;

namespace Sensorium.Web.Hosting;

/// <summary>What a CLI child process left behind: its exit code and everything it wrote.</summary>
public sealed record CliOutcome(int ExitCode, string Output, string Errors)
{
    /// <summary>Stopped by SIGTERM/SIGINT (<see cref="WorkerProtocol.CancelledExitCode"/>).</summary>
    public bool Cancelled => ExitCode == WorkerProtocol.CancelledExitCode;

    /// <summary>The last non-empty line of stderr (the CLI's message on failure), or null.</summary>
    public string? LastErrorLine =>
        Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}

/// <summary>
/// The one way the web app starts the `sensorium` CLI as a child process — a training (<see cref="ProcessRunLauncher"/>),
/// `submission make`, an in-silico job — so TorchSharp, its native crashes and its memory stay out of the server
/// (there is no in-process fallback). One setting names the binary: <c>Worker:Command</c> (<see cref="WorkerOptions.Command"/>).
/// Also the rule for where a run's files live: <see cref="RunDirectory"/>.
/// </summary>
public sealed class CliLauncher(IOptions<WorkerOptions> worker, IOptions<WorkbenchOptions> workbench)
{
    /// <summary>
    /// The default binary: the <c>sensorium.dll</c> next to the web app's own (Sensorium.Web references Sensorium.Cli,
    /// so every build and publish has it there), run by the dotnet host that runs this app (<see cref="DotnetHost"/>).
    /// This is the only place that guesses; set <c>Worker:Command</c> to use another dll or an executable.
    /// </summary>
    public static string DefaultCommand => Path.Combine(AppContext.BaseDirectory, "sensorium.dll");

    /// <summary>The CLI: <c>Worker:Command</c> (a relative path resolves against the content root; a bare name is looked up on PATH), else <see cref="DefaultCommand"/>.</summary>
    public string Command => worker.Value.Command switch
    {
        { Length: > 0 } c when c.Contains('/') || c.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) => Path.GetFullPath(c, WorkbenchPaths.ContentRoot),
        { Length: > 0 } c => c,
        _ => DefaultCommand,
    };

    /// <summary>A run's directory: <c>&lt;ArtifactsDirectory&gt;/&lt;run id&gt;</c> (spec.json, checkpoints, model.pth, events.jsonl, its submissions and in-silico results).</summary>
    public string RunDirectory(long runId) => Path.Combine(workbench.Value.ArtifactsDirectory, runId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Intra-op CPU threads of one worker: <c>Worker:ThreadsPerSlot</c>, else the cores divided by the CPU slots (at least 1).</summary>
    public int ThreadsPerRun()
    {
        if (worker.Value.ThreadsPerSlot > 0) return worker.Value.ThreadsPerSlot;
        var slots = Math.Max(1, workbench.Value.Devices.Sum(d => d.Slots));
        return Math.Max(1, Environment.ProcessorCount / slots);
    }

    /// <summary>
    /// How to start <c>sensorium ARGUMENTS</c>: stdin/stdout/stderr redirected, the data directory as working directory,
    /// OpenMP threads that sleep when idle (busy-waiting ones starve the other slots), <paramref name="threads"/> as
    /// the OpenMP/MKL thread count when given, and only <paramref name="device"/>'s GPU visible for "cuda:N".
    /// </summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments, int? threads = null, string? device = null)
    {
        var (fileName, argumentList) = CommandLine(arguments);
        var start = new ProcessStartInfo
        {
            FileName = fileName,
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false, WorkingDirectory = workbench.Value.DataDirectory,
        };
        foreach (var argument in argumentList) start.ArgumentList.Add(argument);

        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        if (threads is { } n)
        {
            start.Environment["OMP_NUM_THREADS"] = n.ToString(CultureInfo.InvariantCulture);
            start.Environment["MKL_NUM_THREADS"] = n.ToString(CultureInfo.InvariantCulture);
        }
        if (device is not null && device.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase))
            start.Environment["CUDA_VISIBLE_DEVICES"] = device["cuda:".Length..];
        return start;
    }

    /// <summary>
    /// The program and arguments that run <c>sensorium ARGUMENTS</c>: a <c>.dll</c> through the dotnet host, else the
    /// executable (also what a Slurm job runs on another node).
    /// </summary>
    public (string FileName, IReadOnlyList<string> Arguments) CommandLine(IEnumerable<string> arguments)
    {
        var command = Command;
        if (!command.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) return (command, [.. arguments]);
        if (!File.Exists(command))
            throw new FileNotFoundException($"The sensorium CLI is not at {command}: build the solution (Sensorium.Web builds it) or set Worker:Command.", command);
        return (DotnetHost(), [command, .. arguments]);
    }

    /// <summary>Starts <c>sensorium ARGUMENTS</c> (see <see cref="StartInfo"/>); the caller reads its output and waits for it.</summary>
    public Process Start(IEnumerable<string> arguments, int? threads = null, string? device = null)
    {
        var process = new Process { StartInfo = StartInfo(arguments, threads, device), EnableRaisingEvents = true };
        if (!process.Start()) throw new InvalidOperationException($"{process.StartInfo.FileName} did not start.");
        return process;
    }

    /// <summary>
    /// Runs <c>sensorium ARGUMENTS</c> to its end: each stdout line goes to <paramref name="onLine"/> (or, awaited,
    /// <paramref name="onLineAsync"/>) as it comes and is kept; stderr is kept. <paramref name="started"/> gets the
    /// process id once it runs; <paramref name="device"/> as in <see cref="StartInfo"/>. Cancelling, or an exception
    /// from a line handler, kills the process tree and throws: a worker never outlives its caller.
    /// </summary>
    public async Task<CliOutcome> RunAsync(IEnumerable<string> arguments, Action<string>? onLine = null, int? threads = null,
        CancellationToken cancel = default, string? device = null, Func<string, Task>? onLineAsync = null, Func<int, Task>? started = null)
    {
        using var process = Start(arguments, threads, device);
        var errors = process.StandardError.ReadToEndAsync(cancel);
        var output = new System.Text.StringBuilder();
        try
        {
            if (started is not null) await started(process.Id);
            while (await process.StandardOutput.ReadLineAsync(cancel) is { } line)
            {
                output.Append(line).Append('\n');
                onLine?.Invoke(line);
                if (onLineAsync is not null) await onLineAsync(line);
            }
            await process.WaitForExitAsync(cancel);
        }
        catch (Exception)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException) { } // already exited
            throw;
        }
        return new CliOutcome(process.ExitCode, output.ToString(), await errors);
    }

    /// <summary>
    /// The dotnet host that runs a <c>sensorium.dll</c>: <c>DOTNET_HOST_PATH</c> (set by the SDK), else this process
    /// when it is dotnet, else <c>dotnet</c> on PATH (the development default of an app started some other way).
    /// </summary>
    static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
