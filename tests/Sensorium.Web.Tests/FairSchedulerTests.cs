using Sensorium.Web.Features.Runs.Scheduling;

namespace Sensorium.Web.Tests;

public sealed class FairSchedulerTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    static QueuedRun Queued(long id, long team, int minute, string? device = null) => new(id, team, T0.AddMinutes(minute), device);
    static readonly DeviceSlots[] OneCpu = [new("cpu", 1)];

    [Fact]
    public void Nothing_starts_without_free_slots()
    {
        var plan = FairScheduler.Plan(OneCpu, [Queued(2, team: 1, 0)], [new RunningRun(1, 2, "cpu")]);
        Assert.Empty(plan);
    }

    [Fact]
    public void A_single_team_runs_oldest_first()
    {
        var plan = FairScheduler.Plan([new("cpu", 2)], [Queued(3, 1, 2), Queued(1, 1, 0), Queued(2, 1, 1)], []);
        Assert.Equal([new RunStart(1, "cpu"), new RunStart(2, "cpu")], plan);
    }

    [Fact]
    public void The_hosts_priority_orders_runs_within_a_team_and_between_equal_teams()
    {
        // Team 1: an old run and a newer one the host raised; team 2: an old run. One team runs nothing, the other
        // nothing: the raised run goes first, then fairness gives the next slot to team 2, not to team 1's old run.
        QueuedRun[] queued = [Queued(1, team: 1, 0), Queued(2, team: 2, 1), Queued(3, team: 1, 2) with { Priority = 5 }];
        var plan = FairScheduler.Plan([new("cpu", 2)], queued, []);
        Assert.Equal([new RunStart(3, "cpu"), new RunStart(2, "cpu")], plan);
    }

    [Fact]
    public void The_hosts_priority_does_not_override_fairness_between_teams()
    {
        // Team 1 already runs one: team 2's plain run goes before team 1's raised one.
        var plan = FairScheduler.Plan([new("cpu", 2)], [Queued(2, team: 1, 0) with { Priority = 9 }, Queued(3, team: 2, 5)],
            [new RunningRun(1, 1, "cpu")]);
        Assert.Equal([new RunStart(3, "cpu")], plan);
    }

    [Fact]
    public void Ten_queued_runs_of_one_team_do_not_starve_another_teams_one()
    {
        var teamA = Enumerable.Range(1, 10).Select(i => Queued(i, team: 1, minute: i)).ToList();
        var teamB = Queued(99, team: 2, minute: 30); // queued last
        var plan = FairScheduler.Plan([new("cpu", 2)], [.. teamA, teamB], []);
        Assert.Equal([new RunStart(1, "cpu"), new RunStart(99, "cpu")], plan);
    }

    [Fact]
    public void The_team_with_fewer_running_runs_goes_first_even_if_it_queued_later()
    {
        var plan = FairScheduler.Plan([new("cpu", 2)], [Queued(2, team: 1, 0), Queued(3, team: 2, 5)], [new RunningRun(1, 1, "cpu")]);
        Assert.Equal([new RunStart(3, "cpu")], plan);
    }

    [Fact]
    public void Equal_running_counts_go_to_the_longest_waiting_team()
    {
        var plan = FairScheduler.Plan(OneCpu, [Queued(1, team: 1, 10), Queued(2, team: 2, 3)], []);
        Assert.Equal([new RunStart(2, "cpu")], plan);
    }

    [Fact]
    public void Teams_take_turns_across_many_slots()
    {
        var queued = new List<QueuedRun>();
        for (var i = 0; i < 5; i++) queued.Add(Queued(10 + i, team: 1, i));        // A: 5 old runs
        for (var i = 0; i < 5; i++) queued.Add(Queued(20 + i, team: 2, 10 + i));   // B: 5 newer runs
        queued.Add(Queued(30, team: 3, 60));                                       // C: 1 newest run
        var plan = FairScheduler.Plan([new("cuda:0", 2), new("cuda:1", 3)], queued, []);

        Assert.Equal(5, plan.Count);
        var perTeam = plan.GroupBy(s => s.RunId / 10).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, perTeam[1]);
        Assert.Equal(2, perTeam[2]);
        Assert.Equal(1, perTeam[3]);
        Assert.Equal([10L, 20, 30, 11, 21], plan.Select(s => s.RunId));
    }

    [Fact]
    public void Runs_spread_over_the_device_with_most_free_slots()
    {
        var plan = FairScheduler.Plan([new("cuda:0", 1), new("cuda:1", 2)], [Queued(1, 1, 0), Queued(2, 2, 1), Queued(3, 3, 2)], []);
        Assert.Equal(["cuda:1", "cuda:0", "cuda:1"], plan.Select(s => s.Device));
    }

    [Fact]
    public void A_requested_device_is_waited_for_while_others_use_what_is_free()
    {
        DeviceSlots[] devices = [new("cpu", 1), new("cuda:0", 1)];
        var plan = FairScheduler.Plan(devices,
            [Queued(2, team: 1, 0, device: "cuda:0"), Queued(3, team: 2, 5)],
            [new RunningRun(1, 3, "cuda:0")]);
        Assert.Equal([new RunStart(3, "cpu")], plan);
    }

    [Fact]
    public void A_team_whose_oldest_run_waits_for_a_busy_device_still_gets_a_free_one()
    {
        DeviceSlots[] devices = [new("cpu", 1), new("cuda:0", 1)];
        var plan = FairScheduler.Plan(devices,
            [Queued(2, team: 1, 0, device: "cuda:0"), Queued(3, team: 1, 1)],
            [new RunningRun(1, 2, "cuda:0")]);
        Assert.Equal([new RunStart(3, "cpu")], plan);
    }

    [Fact]
    public void Runs_on_devices_no_longer_configured_hold_no_slot()
    {
        var plan = FairScheduler.Plan(OneCpu, [Queued(2, 1, 0)], [new RunningRun(1, 2, "cuda:7")]);
        Assert.Equal([new RunStart(2, "cpu")], plan);
    }

    [Fact]
    public void Device_names_match_ignoring_case()
    {
        var plan = FairScheduler.Plan([new("CUDA:0", 1)], [Queued(1, 1, 0, device: "cuda:0")], []);
        Assert.Equal([new RunStart(1, "CUDA:0")], plan);
    }

    static QueuedRun Job(long id, long team, int minute, string? device = null) => new(id, team, T0.AddMinutes(minute), device, Kind: SlotWork.InSilicoJob);

    [Fact]
    public void An_insilico_job_takes_a_slot_like_a_run_and_waits_while_runs_hold_them()
    {
        // The only slot is held by a run: the job waits.
        Assert.Empty(FairScheduler.Plan(OneCpu, [Job(1, team: 1, 0)], [new RunningRun(7, 2, "cpu")]));
        // A running job holds the slot: a run waits.
        Assert.Empty(FairScheduler.Plan(OneCpu, [Queued(8, team: 2, 0)], [new RunningRun(1, 1, "cpu", Kind: SlotWork.InSilicoJob)]));
        // Job 1 and run 1 are different things: both start when two slots are free, each with its kind.
        var plan = FairScheduler.Plan([new("cpu", 2)], [Queued(1, team: 1, 0), Job(1, team: 2, 1)], []);
        Assert.Equal([new RunStart(1, "cpu"), new RunStart(1, "cpu", SlotWork.InSilicoJob)], plan);
    }

    [Fact]
    public void Jobs_count_for_their_team_in_the_fair_share()
    {
        // Team 1 has a job running: team 2's run goes before team 1's older run and older job.
        var plan = FairScheduler.Plan([new("cpu", 2)], [Job(5, team: 1, 0), Queued(6, team: 1, 1), Queued(9, team: 2, 2)],
            [new RunningRun(4, 1, "cpu", Kind: SlotWork.InSilicoJob)]);
        Assert.Equal([new RunStart(9, "cpu")], plan);
    }

    [Fact]
    public void A_job_of_a_run_trained_on_a_gpu_waits_for_that_gpu()
    {
        DeviceSlots[] devices = [new("cpu", 1), new("cuda:0", 1)];
        Assert.Empty(FairScheduler.Plan(devices, [Job(1, team: 1, 0, "cuda:0")], [new RunningRun(3, 2, "cuda:0")]));
        Assert.Equal([new RunStart(1, "cuda:0", SlotWork.InSilicoJob)], FairScheduler.Plan(devices, [Job(1, team: 1, 0, "cuda:0")], []));
    }
}
