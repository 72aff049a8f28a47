namespace Sensorium.Web.Features.Runs.Scheduling;

/// <summary>
/// A device and how many runs it takes at once; <see cref="MemoryMiB"/> (GPUs): the memory its runs may use together
/// (null: not limited, e.g. the CPU).
/// </summary>
public sealed record DeviceSlots(string Name, int Slots, long? MemoryMiB = null);

/// <summary>What takes a device slot: a training run, or the in-silico experiments of a finished run (a job).</summary>
public enum SlotWork { Run, InSilicoJob, Ensemble }

/// <summary>
/// A run (or job, see <see cref="Kind"/>) waiting in the queue. <see cref="RequestedDevice"/> null: any device.
/// <see cref="Priority"/>: the host's, higher first (default 0).
/// </summary>
/// <see cref="MemoryMiB"/>: its estimated GPU memory (<see cref="Sensorium.Training.Gpus.GpuMemoryEstimate"/>; 0 for a job).
public sealed record QueuedRun(long Id, long TeamId, DateTimeOffset CreatedAt, string? RequestedDevice = null, int Priority = 0,
    long MemoryMiB = 0, SlotWork Kind = SlotWork.Run);

/// <summary>A run (or job) holding a slot of <see cref="Device"/> and its estimated memory there.</summary>
public sealed record RunningRun(long Id, long TeamId, string Device, long MemoryMiB = 0, SlotWork Kind = SlotWork.Run);

/// <summary>The scheduler's decision: start this run (or job: <see cref="Kind"/>, whose id is <see cref="RunId"/>) on this device.</summary>
public sealed record RunStart(long RunId, string Device, SlotWork Kind = SlotWork.Run);

/// <summary>
/// Decides which queued runs start next; pure, so the fairness rules are tested without a database or processes.
/// <para>
/// The fair-share rule, slot by slot: the next run comes from the team with the fewest runs running (counting the
/// ones started in this plan); among those, from the team whose last run start is the oldest (a team that never
/// had a run started comes first), so teams take turns (round-robin) even with one slot, where every team has 0
/// running whenever the slot frees; remaining ties go to the team whose first fitting run has the higher host
/// priority, then has waited longest. Within a team, runs start by priority, then oldest first. So one team's twenty
/// queued runs cannot starve another team's one, and the host's priority orders runs within that turn-taking, never
/// across it.
/// </para>
/// A run that asked for a device waits for that device; others take the device with the most free slots
/// (ties: the order devices are configured in). Runs on devices no longer configured hold no slot.
/// <para>
/// Memory-aware admission: on a device with a memory limit a run takes a slot only if its estimate fits what the
/// estimates of the runs there leave of the limit; a run that does not fit waits (others may pass it), and a run
/// larger than a device's whole limit is never placed there (<see cref="TooLarge"/> says which).
/// </para>
/// In-silico jobs are planned exactly like runs (a slot each, counted for their team); ids are per kind.
/// </summary>
public static class FairScheduler
{
    /// <param name="lastStartPerTeam">When each team last had a run started (absent: never).</param>
    /// <param name="now">The start time of runs planned here (they count as the team's latest start).</param>
    public static IReadOnlyList<RunStart> Plan(
        IReadOnlyList<DeviceSlots> devices, IReadOnlyList<QueuedRun> queued, IReadOnlyList<RunningRun> running,
        IReadOnlyDictionary<long, DateTimeOffset>? lastStartPerTeam = null, DateTimeOffset? now = null)
    {
        var lastStart = new Dictionary<long, DateTimeOffset>(lastStartPerTeam ?? new Dictionary<long, DateTimeOffset>());
        var planTime = now ?? DateTimeOffset.UtcNow;
        var free = devices.Select(d => new FreeSlots(d.Name, d.Slots, d.MemoryMiB)).ToList();
        foreach (var run in running)
            if (Find(free, run.Device) is { } device)
            {
                device.Count--;
                device.Memory -= run.MemoryMiB;
            }

        var runningPerTeam = running.GroupBy(r => r.TeamId).ToDictionary(g => g.Key, g => g.Count());
        var waiting = queued
            .OrderByDescending(r => r.Priority).ThenBy(r => r.CreatedAt).ThenBy(r => r.Kind).ThenBy(r => r.Id)
            .GroupBy(r => r.TeamId)
            .ToDictionary(g => g.Key, g => g.ToList());

        var starts = new List<RunStart>();
        while (free.Any(d => d.Count > 0))
        {
            (QueuedRun Run, FreeSlots Device, Standing Standing)? next = null;
            foreach (var (team, runs) in waiting)
            {
                var candidate = runs.Select(r => (Run: r, Device: PickDevice(free, r))).FirstOrDefault(c => c.Device is not null);
                if (candidate.Device is null) continue;
                var standing = new Standing(runningPerTeam.GetValueOrDefault(team),
                    lastStart.TryGetValue(team, out var last) ? last : DateTimeOffset.MinValue);
                if (next is null || IsBefore(standing, candidate.Run, next.Value.Standing, next.Value.Run))
                    next = (candidate.Run, candidate.Device, standing);
            }
            if (next is not { } chosen) break;

            chosen.Device.Count--;
            chosen.Device.Memory -= chosen.Run.MemoryMiB;
            runningPerTeam[chosen.Run.TeamId] = chosen.Standing.Running + 1;
            lastStart[chosen.Run.TeamId] = planTime;
            planTime = planTime.AddTicks(1); // later starts of this plan come after earlier ones
            waiting[chosen.Run.TeamId].Remove(chosen.Run);
            starts.Add(new RunStart(chosen.Run.Id, chosen.Device.Name, chosen.Run.Kind));
        }
        return starts;
    }

    /// <summary>A team's claim on the next slot: fewer runs running first, then the least recently served.</summary>
    readonly record struct Standing(int Running, DateTimeOffset LastStart);

    static bool IsBefore(Standing standing, QueuedRun run, Standing other, QueuedRun otherRun) =>
        standing.Running != other.Running ? standing.Running < other.Running
        : standing.LastStart != other.LastStart ? standing.LastStart < other.LastStart
        : run.Priority != otherRun.Priority ? run.Priority > otherRun.Priority
        : run.CreatedAt != otherRun.CreatedAt ? run.CreatedAt < otherRun.CreatedAt
        : run.Kind != otherRun.Kind ? run.Kind < otherRun.Kind
        : run.Id < otherRun.Id;

    static FreeSlots? PickDevice(List<FreeSlots> free, QueuedRun run)
    {
        if (run.RequestedDevice is not null)
            return Find(free, run.RequestedDevice) is { Count: > 0 } requested && requested.Fits(run) ? requested : null;
        FreeSlots? best = null;
        foreach (var device in free)
            if (device.Count > 0 && device.Fits(run) && (best is null || device.Count > best.Count)) best = device;
        return best;
    }

    /// <summary>
    /// The queued runs that can never start: larger than the memory limit of the device they asked for, or of every
    /// device. Each with a message for its owner.
    /// </summary>
    public static IReadOnlyList<(long RunId, string Reason)> TooLarge(IReadOnlyList<DeviceSlots> devices, IReadOnlyList<QueuedRun> queued)
    {
        var result = new List<(long, string)>();
        foreach (var run in queued.Where(r => r.MemoryMiB > 0))
        {
            var candidates = run.RequestedDevice is null
                ? devices
                : devices.Where(d => string.Equals(d.Name, run.RequestedDevice, StringComparison.OrdinalIgnoreCase)).ToList();
            if (candidates.Count > 0 && candidates.All(d => d.MemoryMiB is { } limit && run.MemoryMiB > limit))
                result.Add((run.Id, $"The run needs about {run.MemoryMiB:N0} MiB of GPU memory (estimated from its spec), more than " +
                    string.Join(", ", candidates.Select(d => $"{d.Name}'s {d.MemoryMiB:N0} MiB")) + ": it cannot start."));
        }
        return result;
    }

    static FreeSlots? Find(List<FreeSlots> free, string name) =>
        free.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));

    sealed class FreeSlots(string name, int count, long? memory)
    {
        public string Name { get; } = name;
        public int Count { get; set; } = count;
        /// <summary>Memory left for more runs (MiB); null: not limited.</summary>
        public long? Memory { get; set; } = memory;
        public bool Fits(QueuedRun run) => Memory is not { } left || run.MemoryMiB <= left;
    }
}
