using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Sweeps;
using Sensorium.Training.Sweeps;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Sweeps;

/// <summary>
/// What a team does with sweeps, for the API and the pages alike. A sweep's runs are ordinary queued runs of the team
/// (<see cref="RunLifecycle"/> publishes them and wakes the dispatcher), so the fair scheduler gives other teams their
/// turn between them: a sweep cannot starve anyone. Another team's sweep reads as not found.
/// </summary>
public sealed class SweepService(
    SweepStore sweeps, RunStore runs, RunLifecycle lifecycle, RunRequestValidator validator,
    IOptions<WorkbenchOptions> options, TimeProvider time)
{
    public const int MaxNameLength = RunRequestValidator.MaxNameLength;

    /// <summary>Expands, checks every run as <c>POST /api/runs</c> would, then stores the sweep and queues its runs
    /// (all or none). Errors by field: name, base, mode, budget, axes (or the swept field), device, queue.</summary>
    public async Task<(Sweep? Sweep, IReadOnlyList<Run> Runs, Dictionary<string, string[]> Errors)> CreateAsync(
        long teamId, long userId, SweepRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Name is { Length: > MaxNameLength }) errors["name"] = [$"The name has more than {MaxNameLength} characters."];
        var definition = request.ToDefinition();
        IReadOnlyList<SweepPoint> points = [];
        try
        {
            points = SweepExpansion.Expand(definition);
        }
        catch (SweepException e)
        {
            errors[e.Field] = [e.Message];
        }
        if (errors.Count > 0) return (null, [], errors);

        var name = string.IsNullOrWhiteSpace(request.Name) ? $"sweep {time.GetUtcNow():yyyy-MM-dd HH:mm}" : request.Name.Trim();
        var newRuns = new List<NewRun>();
        foreach (var point in points)
        {
            var runName = $"{name} #{point.Index + 1}: {point.Label}";
            if (runName.Length > MaxNameLength) runName = runName[..(MaxNameLength - 1)] + "…";
            var specJson = point.Spec.ToJson();
            using var spec = JsonDocument.Parse(specJson);
            var problems = await validator.ValidateAsync(new RunRequest(runName, spec.RootElement.Clone(), request.Device));
            foreach (var (field, messages) in problems)
            {
                // The base's problems are every run's: say them once, as the base's.
                var key = field == "spec" ? "base" : field;
                errors[key] = [.. messages.Select(m => $"run {point.Index + 1} ({point.Label}): {m}")];
            }
            if (errors.Count > 0) return (null, [], errors);
            newRuns.Add(new NewRun(teamId, userId, runName, specJson, CanonicalDevice(request.Device)));
        }

        var waiting = await runs.CountQueuedForTeamAsync(teamId);
        if (waiting + newRuns.Count > options.Value.MaxQueuedRunsPerTeam)
        {
            errors["queue"] = [$"The sweep has {newRuns.Count} runs and your team already has {waiting} waiting; at most {options.Value.MaxQueuedRunsPerTeam} may wait at once."];
            return (null, [], errors);
        }
        var axesJson = JsonSerializer.Serialize(definition.Axes, Compact);
        var (sweep, queued) = await sweeps.CreateAsync(
            new NewSweep(teamId, userId, name, request.Base!.Value.GetRawText(), axesJson, definition.Mode, definition.Budget ?? points.Count, definition.Seed),
            newRuns);
        await lifecycle.PublishQueuedAsync(queued);
        return (sweep, queued, errors);
    }

    static readonly JsonSerializerOptions Compact = new(SweepDefinition.Json) { WriteIndented = false };

    string? CanonicalDevice(string? device) => device is null
        ? null
        : options.Value.Devices.First(d => string.Equals(d.Name, device, StringComparison.OrdinalIgnoreCase)).Name;

    public async Task<(Sweep Sweep, IReadOnlyList<Run> Runs)?> GetAsync(long teamId, long sweepId) =>
        await sweeps.GetAsync(sweepId) is { } sweep && sweep.TeamId == teamId
            ? (sweep, await sweeps.ListRunsAsync(sweepId))
            : null;

    public Task<IReadOnlyList<SweepListItem>> ListAsync(long teamId) => sweeps.ListForTeamAsync(teamId);
}
