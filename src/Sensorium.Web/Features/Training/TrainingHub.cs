using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Security;

namespace Sensorium.Web.Features.Training;

/// <summary>The methods a hub client receives; payloads are the records in TrainingEvents.cs.</summary>
public interface ITrainingClient
{
    Task RunStatusChanged(RunStatusChanged message);
    Task BatchProgress(RunBatchProgress message);
    Task EpochCompleted(RunEpochCompleted message);
    Task TrainingIncident(TrainingIncident message);
}

/// <summary>
/// Live run events at <c>/hubs/training</c>. A connection joins its team's group (status changes of the team's
/// runs) on connect, and a run's group (all its events) by calling <see cref="JoinRun"/> for a run its team owns.
/// </summary>
[Authorize(Policy = WorkbenchPolicies.TeamMember)]
public sealed class TrainingHub(RunStore runs, HubConnections connections) : Hub<ITrainingClient>
{
    public const string Path = "/hubs/training";

    public static string RunGroup(long runId) => $"run-{runId}";
    public static string TeamGroup(long teamId) => $"team-{teamId}";

    public override async Task OnConnectedAsync()
    {
        connections.Add(Context); // closed when its token is revoked
        await Groups.AddToGroupAsync(Context.ConnectionId, TeamGroup(Context.User!.GetRequiredTeamId()));
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Subscribes this connection to a run's events. Another team's run reads as not found.</summary>
    public async Task JoinRun(long runId)
    {
        var run = await runs.GetAsync(runId);
        if (run is null || run.TeamId != Context.User!.GetRequiredTeamId())
            throw new HubException($"Run {runId} was not found.");
        await Groups.AddToGroupAsync(Context.ConnectionId, RunGroup(runId));
    }

    public Task LeaveRun(long runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, RunGroup(runId));
}
