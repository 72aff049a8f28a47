using Microsoft.AspNetCore.SignalR;

namespace Sensorium.Web.Features.Training;

/// <summary>
/// Forwards this node's <see cref="TrainingNotifications"/> to the hub's run and team groups. Only its own events: with
/// several web nodes, SignalR's Redis backplane carries each message to the clients of every node.
/// </summary>
public sealed class TrainingHubRelay(TrainingNotifications notifications, IHubContext<TrainingHub, ITrainingClient> hub)
    : IHostedService
{
    IDisposable? subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        subscription = notifications.SubscribeLocal(RelayAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        subscription?.Dispose();
        return Task.CompletedTask;
    }

    Task RelayAsync(ITrainingEvent trainingEvent)
    {
        var run = hub.Clients.Group(TrainingHub.RunGroup(trainingEvent.RunId));
        return trainingEvent switch
        {
            RunStatusChanged e => hub.Clients.Groups(TrainingHub.RunGroup(e.RunId), TrainingHub.TeamGroup(e.TeamId)).RunStatusChanged(e),
            RunBatchProgress e => run.BatchProgress(e),
            RunEpochCompleted e => run.EpochCompleted(e),
            TrainingIncident e => run.TrainingIncident(e),
            _ => Task.CompletedTask,
        };
    }
}
