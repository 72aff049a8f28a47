using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Nodes;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Features.Nodes;

/// <summary>
/// Makes exactly one web node the dispatcher: the node holding the lease in the database
/// (<see cref="DispatcherLeaseStore"/>) starts queued runs and jobs and follows their workers; the others serve pages
/// and APIs. The holder renews every <see cref="NodeOptions.RenewSeconds"/>; the others try as often and take the
/// lease once it has expired (<see cref="NodeOptions.LeaseSeconds"/> after the holder's last renewal).
/// <para>
/// A node that takes the lease first recovers what the previous holder left (<see cref="DispatcherTakeover"/>: runs
/// left running are re-attached or interrupted and resumed), then dispatches (<see cref="CanDispatch"/>). A holder
/// that cannot renew stops dispatching when its lease runs out by its own clock, which is before the database lets
/// another node take it; one that finds another node holding the lease stops dispatching and lets its workers go
/// (<see cref="IRunLauncher.ReleaseAllAsync"/>) so the new holder alone decides their runs.
/// </para>
/// </summary>
public sealed class DispatcherLease(
    DispatcherLeaseStore store, IOptions<NodeOptions> options, IServiceProvider services, QueueSignal signal,
    ILogger<DispatcherLease> logger) : BackgroundService, IDispatchGate
{
    readonly SemaphoreSlim gate = new(1, 1);
    volatile bool dispatching;
    long deadline; // Stopwatch timestamp: when our lease ends by our clock (from before the renewal was sent)

    public string NodeId => options.Value.EffectiveNodeId;

    /// <summary>This process: a restarted node is another instance of the same node id.</summary>
    public string Instance { get; } = $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..24];

    TimeSpan Duration => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    /// <summary>Whether this node may start runs and jobs now: it holds the lease, has recovered, and the lease has not run out.</summary>
    public bool CanDispatch => dispatching && Stopwatch.GetTimestamp() < Volatile.Read(ref deadline);

    /// <summary>Raised when this node starts or stops dispatching (the argument: whether it dispatches now).</summary>
    public event Action<bool>? Changed;

    /// <summary>The lease as the database has it now (for the queue page and tests).</summary>
    public Task<DispatcherLeaseState> ReadAsync() => store.GetAsync();

    /// <summary>
    /// At start-up, before serving: takes the lease if it is free, expired or this node's own (a restart), recovers
    /// what the previous holder left and starts dispatching. Returns false when another live node holds it: this node
    /// then recovers nothing (the holder's runs are not ours to interrupt) and tries again every renewal.
    /// </summary>
    public async Task<bool> TakeAtStartAsync()
    {
        await gate.WaitAsync();
        try
        {
            return await TryTakeAsync(atStart: true);
        }
        finally
        {
            gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var renew = TimeSpan.FromSeconds(options.Value.RenewSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await gate.WaitAsync(stoppingToken);
            try
            {
                await TryTakeAsync(atStart: false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Node {Node}: the dispatcher lease could not be renewed.", NodeId);
                if (dispatching && Stopwatch.GetTimestamp() >= Volatile.Read(ref deadline))
                    await LoseAsync("its lease ran out while the database did not answer");
            }
            finally
            {
                gate.Release();
            }
            try { await Task.Delay(renew, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    async Task<bool> TryTakeAsync(bool atStart)
    {
        var sent = Stopwatch.GetTimestamp();
        var (held, state) = await store.TryAcquireAsync(NodeId, Instance, Duration, atStart);
        if (held)
        {
            Volatile.Write(ref deadline, sent + (long)(Duration.TotalSeconds * Stopwatch.Frequency));
            if (!dispatching)
            {
                logger.LogInformation("Node {Node} holds the dispatcher lease (previous holder: {Previous}); recovering what was left running.",
                    NodeId, atStart ? "this node or none" : "expired");
                await DispatcherTakeover.RecoverAsync(services, logger);
                dispatching = true;
                logger.LogInformation("Node {Node} dispatches runs.", NodeId);
                Changed?.Invoke(true);
                signal.Wake();
            }
            return true;
        }
        if (dispatching) await LoseAsync($"node {state.Holder} holds the lease now");
        else if (atStart)
            logger.LogInformation("Node {Node}: node {Holder} dispatches runs (lease for {Seconds:F0} s more); this node serves pages and takes over if it stops renewing.",
                NodeId, state.Holder, state.Remaining.TotalSeconds);
        return false;
    }

    async Task LoseAsync(string why)
    {
        dispatching = false;
        logger.LogWarning("Node {Node} stops dispatching: {Why}. Its workers are let go; the holder takes their runs over.", NodeId, why);
        Changed?.Invoke(false);
        try
        {
            await services.GetRequiredService<IRunLauncher>().ReleaseAllAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Node {Node}: letting its workers go failed.", NodeId);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!dispatching || !options.Value.ReleaseLeaseOnStop) return;
        dispatching = false;
        try
        {
            if (await store.ReleaseAsync(NodeId, Instance))
                logger.LogInformation("Node {Node} gave the dispatcher lease up as it stops.", NodeId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Node {Node}: could not give the dispatcher lease up; another node takes it when it expires.", NodeId);
        }
    }
}
