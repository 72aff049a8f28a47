using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Training.InSilico;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Neurons;

public enum InSilicoJobState { Queued, Running, Done, Failed }

/// <summary>The state of a run's in-silico job, as the Neurons page shows it.</summary>
public sealed record InSilicoJob(long RunId, InSilicoJobState State, string Stage, double Progress, string? Message, DateTimeOffset Since);

/// <summary>
/// Queues in-silico experiments of finished runs and runs them one at a time, each as a
/// <c>sensorium insilico all --events -</c> worker process (like trainings and submission making: TorchSharp stays out
/// of the server), writing to <c>RUN/insilico</c>. Progress comes from the worker's JSON lines; subscribers hear of
/// every change. Job states live in memory: after a restart the results on disk remain, a job in flight is lost.
/// </summary>
public sealed class InSilicoJobs(CliLauncher cli, IOptions<Sensorium.Web.Features.Runs.Worker.WorkerOptions> worker,
    RunSubmissionMaker runs, ILogger<InSilicoJobs> logger, IHostApplicationLifetime lifetime) : IDisposable
{
    private readonly ConcurrentDictionary<long, InSilicoJob> _jobs = new();
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly CancellationTokenSource _stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);

    public event Action<long>? Changed;

    public InSilicoJob? Get(long runId) => _jobs.TryGetValue(runId, out var job) ? job : null;

    /// <summary>The folder of a run's results (whether or not it exists yet), or null when the run has no model directory.</summary>
    public string? ResultsDirectory(Run run) => runs.RunDirectory(run) is { } dir ? Path.Combine(dir, InSilicoFolder.DefaultName) : null;

    /// <summary>The dataset the run was trained on (from its spec.json), where a synthetic ground truth may sit; null if unreadable.</summary>
    public string? DatasetPath(Run run)
    {
        if (runs.RunDirectory(run) is not { } dir) return null;
        try { return Sensorium.Training.Checkpoint.ReadSpec(dir).Dataset.Path is { Length: > 0 } path ? Path.GetFullPath(path, dir) : null; }
        catch (Exception e) when (e is Sensorium.Data.DataFormatException or IOException or JsonException) { return null; }
    }

    /// <summary>Queues the run's experiments unless a job for it is queued or running. False when one is.</summary>
    public bool Enqueue(Run run, int meiNeurons)
    {
        if (run.Status != RunStatus.Succeeded) throw new InvalidOperationException($"run {run.Id} has not finished training");
        string runDir = runs.RunDirectory(run) ?? throw new InvalidOperationException($"run {run.Id} has no model directory (spec.json, model.pth)");
        var queued = new InSilicoJob(run.Id, InSilicoJobState.Queued, "queued", 0, null, DateTimeOffset.UtcNow);
        lock (_jobs)
        {
            if (Get(run.Id) is { State: InSilicoJobState.Queued or InSilicoJobState.Running }) return false;
            _jobs[run.Id] = queued;
        }
        Changed?.Invoke(run.Id);
        _ = Task.Run(() => RunAsync(run.Id, runDir, Math.Clamp(meiNeurons, 1, 64)));
        return true;
    }

    private void Set(InSilicoJob job)
    {
        _jobs[job.RunId] = job;
        Changed?.Invoke(job.RunId);
    }

    private async Task RunAsync(long runId, string runDir, int meiNeurons)
    {
        var cancel = _stopping.Token;
        try
        {
            await _one.WaitAsync(cancel);
        }
        catch (OperationCanceledException) { return; }
        try
        {
            Set(new InSilicoJob(runId, InSilicoJobState.Running, "starting", 0, null, DateTimeOffset.UtcNow));
            string? error = await RunWorkerAsync(runId, runDir, meiNeurons, cancel);
            Set(new InSilicoJob(runId, error is null ? InSilicoJobState.Done : InSilicoJobState.Failed, error is null ? "done" : "failed",
                error is null ? 1 : Get(runId)?.Progress ?? 0, error, DateTimeOffset.UtcNow));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "In-silico job of run {RunId} failed", runId);
            Set(new InSilicoJob(runId, InSilicoJobState.Failed, "failed", 0, e.Message, DateTimeOffset.UtcNow));
        }
        catch (OperationCanceledException)
        {
            Set(new InSilicoJob(runId, InSilicoJobState.Failed, "cancelled", 0, "the server stopped during the job", DateTimeOffset.UtcNow));
        }
        finally { _one.Release(); }
    }

    /// <summary>Runs the worker; null on success, else the reason (its last error line or exit code).</summary>
    private async Task<string?> RunWorkerAsync(long runId, string runDir, int meiNeurons, CancellationToken cancel)
    {
        List<string> arguments = ["insilico", "all", "--run", runDir, "--out", Path.Combine(runDir, InSilicoFolder.DefaultName),
            "--neurons", "all", "--mei-neurons", $"top:{meiNeurons}", "--device", "cpu", "--events", "-"];
        if (worker.Value.ThreadsPerSlot > 0) // as many CPU threads as a training slot gets
            arguments.AddRange(["--threads", worker.Value.ThreadsPerSlot.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        string[] order = ["scores", "rf", "mei", "tuning", "score"];
        var outcome = await cli.RunAsync(arguments, line =>
        {
            if (InSilicoProgressLine.Parse(line) is not { } p) return;
            int at = Math.Max(0, Array.IndexOf(order, p.Experiment));
            // An experiment reports several stages, each from 0: the bar holds at the furthest point reached.
            double progress = Math.Max(Get(runId)?.Progress ?? 0, (at + (p.Total == 0 ? 1 : p.Done / (double)p.Total)) / order.Length);
            Set(new InSilicoJob(runId, InSilicoJobState.Running, $"{p.Experiment}: {p.Stage} {p.Done}/{p.Total}", progress, null, DateTimeOffset.UtcNow));
        }, cancel: cancel);
        if (outcome.ExitCode == 0) return null;
        return outcome.LastErrorLine ?? $"the worker exited with code {outcome.ExitCode}";
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}

public static class NeuronsSetup
{
    /// <summary>The Neurons page's in-silico job queue.</summary>
    public static IServiceCollection AddNeurons(this IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<CliLauncher>(services);
        return services.AddSingleton<InSilicoJobs>();
    }
}
