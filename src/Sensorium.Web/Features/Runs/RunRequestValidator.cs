using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Data;
using Sensorium.Storage.Datasets;
using Sensorium.Training;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// Checks a run request before it is queued, so a bad spec fails here rather than in the worker: name length, a JSON
/// object spec within <see cref="WorkbenchOptions.MaxSpecBytes"/> that the trainer accepts (<see cref="RunSpec.FromJson"/>:
/// unknown keys are errors; <see cref="RunSpec.Validate"/>: one message per bad field), a registered dataset holding
/// the spec's mice, and a configured device.
/// <para>
/// In the workbench <c>dataset.path</c> names a registered dataset (e.g. <c>"small"</c>); the server puts the
/// dataset's folder in the spec it gives the worker. Users never give file-system paths.
/// </para>
/// </summary>
public sealed class RunRequestValidator(IOptions<WorkbenchOptions> options, DatasetStore datasets)
{
    public const int MaxNameLength = 100;

    public async Task<Dictionary<string, string[]>> ValidateAsync(RunRequest request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) =>
            (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        if (request.Name is { Length: > MaxNameLength })
            Add("name", $"The name has more than {MaxNameLength} characters.");
        foreach (var message in await CheckSpecAsync(request.Spec)) Add("spec", message);
        if (request.Device is { } device
            && !options.Value.Devices.Any(d => string.Equals(d.Name, device, StringComparison.OrdinalIgnoreCase)))
            Add("device", $"Unknown device '{device}'. Devices: {string.Join(", ", options.Value.Devices.Select(d => d.Name))}.");

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    async Task<IReadOnlyList<string>> CheckSpecAsync(JsonElement? spec)
    {
        if (spec is not { ValueKind: JsonValueKind.Object } json) return ["The spec must be a JSON object."];
        if (!json.EnumerateObject().Any()) return ["The spec is empty."];
        var raw = json.GetRawText();
        var bytes = Encoding.UTF8.GetByteCount(raw);
        if (bytes > options.Value.MaxSpecBytes)
            return [$"The spec has {bytes} bytes; at most {options.Value.MaxSpecBytes} are accepted."];

        RunSpec runSpec;
        try
        {
            runSpec = RunSpec.FromJson(raw);
        }
        catch (DataFormatException e)
        {
            return [e.Message];
        }
        var errors = runSpec.Validate().ToList();
        errors.AddRange(RunResourceLimits.Check(runSpec, RunResourceLimits.Budget(options.Value)));
        if (errors.Any(e => e.StartsWith("dataset:", StringComparison.Ordinal))) return errors;

        var registered = await datasets.ListAsync();
        if (StoredDataset.Problem(runSpec.Dataset) is { } problem)
        {
            errors.Add("dataset: " + problem);
            return errors;
        }
        var dataset = StoredDataset.Find(registered, runSpec.Dataset);
        if (dataset is null)
        {
            errors.Add($"dataset: '{StoredDataset.NameOf(runSpec.Dataset)}' is not a registered dataset (registered: {(registered.Count == 0 ? "none yet" : string.Join(", ", registered.Select(d => d.Name)))}).");
            return errors;
        }
        try
        {
            DatasetLoader.Select(StoredDataset.Resolved(runSpec.Dataset, dataset));
        }
        catch (DataFormatException e)
        {
            // The message names the server's folder; say it with the dataset's name instead.
            errors.Add("dataset: " + e.Message.Replace(dataset.Path, $"dataset '{dataset.Name}'", StringComparison.Ordinal));
        }
        return errors;
    }
}
