using System.Text.Json;

namespace Sensorium.Web.Features.Compare;

/// <summary>One key path of the compared specs and its value in each run (null: the run's spec lacks it).</summary>
public sealed record SpecDiffRow(string Key, IReadOnlyList<string?> Values)
{
    public bool Differs => Values.Distinct().Count() > 1;
}

/// <summary>
/// Side-by-side specs: each spec JSON flattened to key paths ("model.core.layers", "trainer.milestones[1]"), one row
/// per path found in any of them, in the order they first appear.
/// </summary>
public static class SpecDiff
{
    public static IReadOnlyList<SpecDiffRow> Compare(IReadOnlyList<string> specJsons)
    {
        var flattened = specJsons.Select(json => DatasetByName(Flatten(json))).ToList();
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in flattened)
            foreach (var key in spec.Keys)
                if (seen.Add(key)) keys.Add(key);
        return keys.Select(key => new SpecDiffRow(key, flattened.Select(f => f.GetValueOrDefault(key)).ToList())).ToList();
    }

    /// <summary>A stored spec names its dataset by <c>dataset.name</c>; one stored before that field existed had the
    /// name in <c>dataset.path</c> (<see cref="Datasets.StoredDataset"/>): both compare as <c>dataset.name</c>.</summary>
    static IReadOnlyDictionary<string, string> DatasetByName(IReadOnlyDictionary<string, string> leaves) =>
        leaves.ContainsKey("dataset.path") && !leaves.ContainsKey("dataset.name")
            ? leaves.ToDictionary(leaf => leaf.Key == "dataset.path" ? "dataset.name" : leaf.Key, leaf => leaf.Value, StringComparer.Ordinal)
            : leaves;

    /// <summary>Leaf values by key path: strings as they are, numbers, booleans and null as JSON; empty containers as {} or [].</summary>
    public static IReadOnlyDictionary<string, string> Flatten(string json)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement, "", leaves);
        return leaves;
    }

    static void Walk(JsonElement element, string path, Dictionary<string, string> leaves)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when element.EnumerateObject().Any():
                foreach (var property in element.EnumerateObject())
                    Walk(property.Value, path.Length == 0 ? property.Name : path + "." + property.Name, leaves);
                break;
            case JsonValueKind.Array when element.GetArrayLength() > 0:
                int i = 0;
                foreach (var item in element.EnumerateArray()) Walk(item, $"{path}[{i++}]", leaves);
                break;
            case JsonValueKind.Object:
                leaves[path] = "{}";
                break;
            case JsonValueKind.Array:
                leaves[path] = "[]";
                break;
            case JsonValueKind.String:
                leaves[path] = element.GetString()!;
                break;
            default:
                leaves[path] = element.GetRawText();
                break;
        }
    }
}
