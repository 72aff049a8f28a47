using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests;

public sealed class TrainingHubTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    async Task<Run> QueueRunAsync(long teamId, long ownerId) =>
        await app.Get<RunStore>().CreateAsync(new NewRun(teamId, ownerId, "run", """{"seed":1}""", null));

    [Fact]
    public async Task Joining_another_teams_run_is_refused_and_own_run_events_arrive()
    {
        var (teamA, a) = await app.CreateTeamAsync("alpha");
        var (teamB, b) = await app.CreateTeamAsync("beta");
        var runOfA = await QueueRunAsync(teamA.Id, a.Id);
        var runOfB = await QueueRunAsync(teamB.Id, b.Id);

        var signedIn = await app.SignInAsync(a.UserName);
        await using var connection = app.CreateHubConnection(signedIn.CookieHeader);
        var received = new TaskCompletionSource<RunStatusChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<RunStatusChanged>(nameof(ITrainingClient.RunStatusChanged), e => received.TrySetResult(e));
        await connection.StartAsync();

        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("JoinRun", runOfB.Id));
        Assert.Contains("not found", refused.Message);
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("JoinRun", 12345L));

        await connection.InvokeAsync("JoinRun", runOfA.Id);
        await app.Get<TrainingNotifications>().PublishAsync(
            new RunStatusChanged(runOfA.Id, teamA.Id, RunStatus.Cancelled, null, "test", DateTimeOffset.UtcNow));
        var e = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((runOfA.Id, RunStatus.Cancelled), (e.RunId, e.Status));
    }

    [Fact]
    public async Task Another_teams_run_events_do_not_reach_the_connection()
    {
        var (teamA, a) = await app.CreateTeamAsync("alpha");
        var (teamB, b) = await app.CreateTeamAsync("beta");
        var runOfA = await QueueRunAsync(teamA.Id, a.Id);
        var runOfB = await QueueRunAsync(teamB.Id, b.Id);

        await using var connection = app.CreateHubConnection((await app.SignInAsync(a.UserName)).CookieHeader);
        var received = new List<long>();
        var own = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<RunBatchProgress>(nameof(ITrainingClient.BatchProgress), e =>
        {
            lock (received) received.Add(e.RunId);
            if (e.RunId == runOfA.Id) own.TrySetResult();
        });
        await connection.StartAsync();
        await connection.InvokeAsync("JoinRun", runOfA.Id);

        var notifications = app.Get<TrainingNotifications>();
        await notifications.PublishAsync(new RunBatchProgress(runOfB.Id, teamB.Id, 1, 1, 10, 0.5, 0.1));
        await notifications.PublishAsync(new RunBatchProgress(runOfA.Id, teamA.Id, 1, 1, 10, 0.5, 0.1));
        await own.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (received) Assert.Equal([runOfA.Id], received);
    }

    [Fact]
    public async Task Anonymous_connections_are_refused()
    {
        await using var connection = app.CreateHubConnection(cookieHeader: null);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
    }
}
