namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>A device and how many runs it takes at once.</summary>
public sealed record DeviceSlots(string Name, int Slots);

/// <summary>
/// A run waiting in the queue. <see cref="RequestedDevice"/> null: any device. <see cref="Priority"/>: the host's,
/// higher first (default 0).
/// </summary>
public sealed record QueuedRun(long Id, long TeamId, DateTimeOffset CreatedAt, string? RequestedDevice = null, int Priority = 0);

/// <summary>A run holding a slot of <see cref="Device"/>.</summary>
public sealed record RunningRun(long Id, long TeamId, string Device);

/// <summary>The scheduler's decision: start this run on this device.</summary>
public sealed record RunStart(long RunId, string Device);

/// <summary>
/// Decides which queued runs start next; pure, so the fairness rules are tested without a database or processes.
/// <para>
/// Slot by slot, the next run comes from the team with the fewest runs running (counting the ones started in this
/// plan), ties going to the team whose first fitting run has the higher host priority, then has waited longest;
/// within a team, runs start by priority, then oldest first. So one team's ten queued runs cannot starve another
/// team's one: teams take turns, and the host's priority orders runs within that turn-taking, never across it.
/// </para>
/// A run that asked for a device waits for that device; others take the device with the most free slots
/// (ties: the order devices are configured in). Runs on devices no longer configured hold no slot.
/// </summary>
public static class FairScheduler
{
    public static IReadOnlyList<RunStart> Plan(
        IReadOnlyList<DeviceSlots> devices, IReadOnlyList<QueuedRun> queued, IReadOnlyList<RunningRun> running)
    {
        var free = devices.Select(d => new FreeSlots(d.Name, d.Slots)).ToList();
        foreach (var run in running)
            if (Find(free, run.Device) is { } device) device.Count--;

        var runningPerTeam = running.GroupBy(r => r.TeamId).ToDictionary(g => g.Key, g => g.Count());
        var waiting = queued
            .OrderByDescending(r => r.Priority).ThenBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .GroupBy(r => r.TeamId)
            .ToDictionary(g => g.Key, g => g.ToList());

        var starts = new List<RunStart>();
        while (free.Any(d => d.Count > 0))
        {
            (QueuedRun Run, FreeSlots Device, int Running)? next = null;
            foreach (var (team, runs) in waiting)
            {
                var candidate = runs.Select(r => (Run: r, Device: PickDevice(free, r))).FirstOrDefault(c => c.Device is not null);
                if (candidate.Device is null) continue;
                var teamRunning = runningPerTeam.GetValueOrDefault(team);
                if (next is null || IsBefore(teamRunning, candidate.Run, next.Value.Running, next.Value.Run))
                    next = (candidate.Run, candidate.Device, teamRunning);
            }
            if (next is not { } chosen) break;

            chosen.Device.Count--;
            runningPerTeam[chosen.Run.TeamId] = chosen.Running + 1;
            waiting[chosen.Run.TeamId].Remove(chosen.Run);
            starts.Add(new RunStart(chosen.Run.Id, chosen.Device.Name));
        }
        return starts;
    }

    static bool IsBefore(int running, QueuedRun run, int otherRunning, QueuedRun other) =>
        running != otherRunning ? running < otherRunning
        : run.Priority != other.Priority ? run.Priority > other.Priority
        : run.CreatedAt != other.CreatedAt ? run.CreatedAt < other.CreatedAt
        : run.Id < other.Id;

    static FreeSlots? PickDevice(List<FreeSlots> free, QueuedRun run)
    {
        if (run.RequestedDevice is not null)
            return Find(free, run.RequestedDevice) is { Count: > 0 } requested ? requested : null;
        FreeSlots? best = null;
        foreach (var device in free)
            if (device.Count > 0 && (best is null || device.Count > best.Count)) best = device;
        return best;
    }

    static FreeSlots? Find(List<FreeSlots> free, string name) =>
        free.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    sealed class FreeSlots(string name, int count)
    {
        public string Name { get; } = name;
        public int Count { get; set; } = count;
    }
}
