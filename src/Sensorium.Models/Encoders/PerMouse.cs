using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Encoders;

/// <summary>
/// One module per mouse, keyed by data key, in insertion order: the role of PyTorch's <c>nn.ModuleDict</c> in the
/// official model (state-dict keys <c>&lt;name&gt;.&lt;data key&gt;.…</c>, unchanged).
/// <para>Not TorchSharp's <c>ModuleDict</c>: in TorchSharp 0.107 a <c>ModuleDict</c> cannot be moved to another device
/// or converted to another dtype. <c>Module._toEpilog</c> indexes the module's public properties by name, and
/// <c>ModuleDict</c>'s two indexers both reflect as <c>Item</c>, so <c>model.to(cuda)</c> threw "An item with the same
/// key has already been added. Key: Item" (found on the first GPU run; the CPU never moves, so no CPU run saw it).
/// This class has no indexer.</para>
/// </summary>
public sealed class PerMouse<T> : nn.Module where T : nn.Module
{
    private readonly Dictionary<string, T> parts = new(StringComparer.Ordinal);
    private readonly List<string> order = [];

    public PerMouse() : base("ModuleDict") { }

    public IReadOnlyList<string> Keys => order;
    public int Count => order.Count;

    /// <summary>Register <paramref name="module"/> as the child named <paramref name="dataKey"/>.</summary>
    public void Add(string dataKey, T module)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataKey);
        ArgumentNullException.ThrowIfNull(module);
        if (dataKey.Contains('.'))
            throw new ArgumentException($"Data key '{dataKey}' contains '.', which would split its state-dict keys.", nameof(dataKey));
        if (!parts.TryAdd(dataKey, module))
            throw new ArgumentException($"Data key '{dataKey}' was added twice.", nameof(dataKey));
        order.Add(dataKey);
        register_module(dataKey, module);
    }

    public bool ContainsKey(string dataKey) => parts.ContainsKey(dataKey);

    public bool TryGetValue(string dataKey, out T module) => parts.TryGetValue(dataKey, out module!);
}
