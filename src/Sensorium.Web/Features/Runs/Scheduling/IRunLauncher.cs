using Sensorium.Training;
using Sensorium.Storage.Runs;

namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// Starts and stops the worker process of a run: the seam between the queue and the <c>sensorium</c> CLI.
/// <para>
/// The real launcher (<see cref="Worker.ProcessRunLauncher"/>) starts <c>sensorium train</c> for the run on <see cref="Run.Device"/>,
/// reads the worker's progress and hands it to <see cref="RunProgressRecorder"/> (batches, epochs, checkpoint, and
/// finally <see cref="RunProgressRecorder.FinishAsync"/>), which stores it, publishes the live events and frees the
/// slot. Register it with <c>services.AddSingleton&lt;IRunLauncher, YourLauncher&gt;()</c> before
/// <c>AddRunQueue()</c>; until then <see cref="NoRunLauncher"/> keeps queued runs waiting.
/// </para>
/// </summary>
public interface IRunLauncher
{
    /// <summary>False while no worker can be launched: the dispatcher then starts nothing.</summary>
    bool IsAvailable { get; }

    /// <summary>
    /// Launches the worker of <paramref name="run"/>, which the dispatcher has just moved to running on
    /// <see cref="Run.Device"/>. Returns the worker's process id once it has started; throws if it could not start
    /// (the run then fails with the exception's message). Must not wait for the training to finish.
    /// </summary>
    Task<int> LaunchAsync(Run run, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the worker of a running run (the user cancelled it). Returns when the process is gone or was not
    /// running. The caller marks the run cancelled; a late <see cref="RunProgressRecorder.FinishAsync"/> is ignored.
    /// </summary>
    Task StopAsync(long runId, CancellationToken cancellationToken);

    /// <summary>
    /// "Stop and keep best": asks the worker of a running run to end after its current epoch as early stopping does
    /// (best weights restored, model.pth written, the run succeeds with reason "stopped by <paramref name="by"/> after
    /// epoch N"). Returns the request in force (the first one when asked twice), or throws
    /// <see cref="NotSupportedException"/> with the reason when this launcher cannot.
    /// </summary>
    StopRequest.Request RequestStop(long runId, string by, DateTimeOffset at) =>
        throw new NotSupportedException("This server's launcher cannot stop a run and keep its model; cancel it instead.");

    /// <summary>The stop request of a run waiting for its worker to honour it, or null.</summary>
    StopRequest.Request? PendingStop(long runId) => null;

    /// <summary>Withdraws a run's stop request (a user resumes the run, which then trains on).</summary>
    void WithdrawStop(long runId) { }

    /// <summary>Whether the run's directory holds a checkpoint its worker can resume from (a failed run may then be resumed).</summary>
    bool HasCheckpoint(long runId) => false;

    /// <summary>
    /// At start-up, before the runs a previous server left running are interrupted: the launcher follows again those
    /// whose worker outlived the server (a Slurm job) and returns their ids; those stay running. Default: none.
    /// </summary>
    Task<IReadOnlyCollection<long>> ReattachAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyCollection<long>>([]);

    /// <summary>
    /// This web node lost the dispatcher lease to another (Features/Nodes): stop following every worker without ending
    /// its run, as at a server stop (a local worker is stopped and keeps its checkpoint; a Slurm job goes on), so the
    /// new holder alone decides those runs (it re-attaches to them or interrupts and resumes them). Default: nothing.
    /// </summary>
    Task ReleaseAllAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Whether this web node may start runs and jobs now (the dispatcher lease, Features/Nodes). Default: always.</summary>
public interface IDispatchGate
{
    bool CanDispatch { get; }
}

/// <summary>The gate when no lease is configured (a test host with the queue alone): this node always dispatches.</summary>
public sealed class AlwaysDispatch : IDispatchGate
{
    public bool CanDispatch => true;
}

/// <summary>The launcher when none is registered: launches nothing, so queued runs stay queued.</summary>
public sealed class NoRunLauncher : IRunLauncher
{
    public bool IsAvailable => false;

    public Task<int> LaunchAsync(Run run, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("No run launcher is configured in this build.");

    public Task StopAsync(long runId, CancellationToken cancellationToken) => Task.CompletedTask;
}
