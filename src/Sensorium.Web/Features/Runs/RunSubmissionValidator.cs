using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// Checks a run request before it is queued: name length, a non-empty JSON object spec within
/// <see cref="WorkbenchOptions.MaxSpecBytes"/>, and a configured device. The spec's own schema (unknown keys are
/// errors) belongs to the trainer: once Sensorium.Training exposes its spec parser, call it in <see cref="CheckSpec"/>
/// so a bad spec fails here rather than in the worker.
/// </summary>
public sealed class RunSubmissionValidator(IOptions<WorkbenchOptions> options)
{
    public const int MaxNameLength = 100;

    public Dictionary<string, string[]> Validate(RunRequest request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) =>
            (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        if (request.Name is { Length: > MaxNameLength })
            Add("name", $"The name has more than {MaxNameLength} characters.");
        foreach (var message in CheckSpec(request.Spec)) Add("spec", message);
        if (request.Device is { } device
            && !options.Value.Devices.Any(d => string.Equals(d.Name, device, StringComparison.OrdinalIgnoreCase)))
            Add("device", $"Unknown device '{device}'. Devices: {string.Join(", ", options.Value.Devices.Select(d => d.Name))}.");

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    IEnumerable<string> CheckSpec(JsonElement? spec)
    {
        if (spec is not { ValueKind: JsonValueKind.Object } json)
        {
            yield return "The spec must be a JSON object.";
            yield break;
        }
        if (!json.EnumerateObject().Any()) yield return "The spec is empty.";
        var bytes = Encoding.UTF8.GetByteCount(json.GetRawText());
        if (bytes > options.Value.MaxSpecBytes)
            yield return $"The spec has {bytes} bytes; at most {options.Value.MaxSpecBytes} are accepted.";
    }
}
