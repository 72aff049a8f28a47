using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>
/// Issue 15.1: the queue is fair with one slot (the default) and with several. The rule (README): fewest runs running,
/// then the team served least recently, then the longest waiting run.
/// </summary>
public sealed class FairShareTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Plays the scheduler with <paramref name="slots"/> slots until the queue is empty; every run lasts one tick.</summary>
    static List<long> StartOrder(int slots, List<QueuedRun> queued)
    {
        var order = new List<long>();
        var lastStart = new Dictionary<long, DateTimeOffset>();
        var waiting = queued.ToList();
        var clock = T0.AddHours(1);
        while (waiting.Count > 0)
        {
            var plan = FairScheduler.Plan([new DeviceSlots("cpu", slots)], waiting, [], lastStart, clock);
            Assert.NotEmpty(plan);
            foreach (var start in plan)
            {
                var run = waiting.Single(r => r.Id == start.RunId);
                waiting.Remove(run);
                order.Add(run.Id);
                lastStart[run.TeamId] = clock;
                clock = clock.AddSeconds(1);
            }
        }
        return order;
    }

    [Fact]
    public void With_one_slot_a_team_that_queued_one_run_after_another_teams_twenty_one_starts_second()
    {
        var queued = Enumerable.Range(1, 21).Select(i => new QueuedRun(i, 1, T0.AddSeconds(i))).ToList();
        queued.Add(new QueuedRun(100, 2, T0.AddSeconds(36))); // B, 15 s after A's last
        var order = StartOrder(1, queued);
        Assert.Equal([1L, 100, 2, 3], order.Take(4));
    }

    [Fact]
    public void With_one_slot_three_teams_take_turns_round_robin()
    {
        var queued = new List<QueuedRun>();
        for (var i = 0; i < 5; i++) queued.Add(new QueuedRun(10 + i, 1, T0.AddMinutes(i)));
        for (var i = 0; i < 3; i++) queued.Add(new QueuedRun(20 + i, 2, T0.AddMinutes(10 + i)));
        queued.Add(new QueuedRun(30, 3, T0.AddMinutes(20)));
        Assert.Equal([10L, 20, 30, 11, 21, 12, 22, 13, 14], StartOrder(1, queued));
    }

    [Fact]
    public void With_several_slots_no_team_gets_two_starts_ahead_of_a_waiting_team()
    {
        var queued = new List<QueuedRun>();
        for (var i = 0; i < 12; i++) queued.Add(new QueuedRun(100 + i, 1, T0.AddSeconds(i)));
        for (var i = 0; i < 6; i++) queued.Add(new QueuedRun(200 + i, 2, T0.AddMinutes(5).AddSeconds(i)));
        queued.Add(new QueuedRun(300, 3, T0.AddMinutes(9)));
        var order = StartOrder(3, queued);
        Assert.Equal(19, order.Count);
        Assert.Contains(300L, order.Take(3)); // the latest team's only run is in the first round
        // While all three teams wait, every window of three starts has one run of each.
        for (var start = 0; start + 3 <= 3; start += 3)
            Assert.Equal(3, order.Skip(start).Take(3).Select(id => id / 100).Distinct().Count());
        // While two wait, starts alternate.
        var twoTeams = order.Skip(3).Take(10).Select(id => id / 100).ToList();
        for (var i = 1; i < twoTeams.Count; i++) Assert.NotEqual(twoTeams[i - 1], twoTeams[i]);
    }

    [Fact]
    public void The_least_recently_served_team_wins_a_tie_of_running_counts()
    {
        var last = new Dictionary<long, DateTimeOffset> { [1] = T0.AddMinutes(30), [2] = T0.AddMinutes(10) };
        var plan = FairScheduler.Plan([new DeviceSlots("cpu", 1)],
            [new QueuedRun(1, 1, T0), new QueuedRun(2, 2, T0.AddMinutes(1))], [], last, T0.AddHours(1));
        Assert.Equal([new RunStart(2, "cpu")], plan);
    }

    /// <summary>The same through the app: one slot, the dispatcher, the store's start times.</summary>
    [Fact]
    public async Task In_the_app_with_one_slot_the_other_teams_run_starts_when_the_slot_frees()
    {
        var launcher = new CountingLauncher();
        using var app = new WorkbenchApp(services => services.Replace(ServiceDescriptor.Singleton<IRunLauncher>(launcher)));
        var (teamA, a) = await app.CreateTeamAsync("alpha");
        var (teamB, b) = await app.CreateTeamAsync("beta");
        var store = app.Get<RunStore>();
        var runsOfA = new List<Run>();
        for (var i = 0; i < 21; i++) runsOfA.Add(await store.CreateAsync(new NewRun(teamA.Id, a.Id, $"a{i}", WorkbenchApp.SpecJson(), null)));
        app.Get<QueueSignal>().Wake();
        await launcher.WaitForAsync(1);
        var runOfB = await store.CreateAsync(new NewRun(teamB.Id, b.Id, "b", WorkbenchApp.SpecJson(), null));

        await app.Get<RunProgressRecorder>().FinishAsync(launcher.Launched[0], RunStatus.Succeeded);
        await launcher.WaitForAsync(2);
        Assert.Equal([runsOfA[0].Id, runOfB.Id], launcher.Launched);

        await app.Get<RunProgressRecorder>().FinishAsync(runOfB.Id, RunStatus.Succeeded);
        await launcher.WaitForAsync(3);
        Assert.Equal(runsOfA[1].Id, launcher.Launched[2]);
    }
}
