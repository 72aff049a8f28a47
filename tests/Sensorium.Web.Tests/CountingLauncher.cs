using System.Collections.Concurrent;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Tests;

/// <summary>A launcher that starts nothing: it records which runs the dispatcher launched, in order (fair-share tests).</summary>
sealed class CountingLauncher : IRunLauncher
{
    readonly ConcurrentQueue<long> launched = new();
    readonly SemaphoreSlim changed = new(0);
    public IReadOnlyList<long> Launched => [.. launched];
    public bool IsAvailable => true;

    public Task<int> LaunchAsync(Run run, CancellationToken cancellationToken)
    {
        launched.Enqueue(run.Id);
        changed.Release();
        return Task.FromResult(4242);
    }

    public Task StopAsync(long runId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits until <paramref name="count"/> runs were launched (the dispatcher's own signal, 30 s at most between two).</summary>
    public async Task WaitForAsync(int count)
    {
        while (launched.Count < count)
            if (!await changed.WaitAsync(TimeSpan.FromSeconds(30))) throw new TimeoutException($"{launched.Count} of {count} runs launched.");
    }
}
