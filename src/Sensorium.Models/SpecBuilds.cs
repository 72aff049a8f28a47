using System.Collections.Concurrent;
using System.Reflection;
using Sensorium.Models.Cores;
using Sensorium.Models.Readouts;
using Sensorium.Models.Shifters;
using static TorchSharp.torch;

namespace Sensorium.Models;

/// <summary>A core class built from <typeparamref name="TSpec"/>: the declaration that makes a core spec's kind
/// buildable (the JSON kind itself is registered on <see cref="CoreSpec"/>). See ADDING-A-CORE.md.</summary>
public interface ICoreBuiltFrom<TSpec> where TSpec : CoreSpec
{
    /// <summary>The core, its initial weights drawn from <paramref name="generator"/>.</summary>
    static abstract CoreModule Build(TSpec spec, Generator generator, Device device);

    /// <summary>
    /// <paramref name="spec"/> with every field the weights of a PyTorch checkpoint determine taken from them
    /// (<paramref name="state"/>: the checkpoint's <c>core.</c> entries with that prefix removed). The default takes
    /// nothing from the weights: the strict load that follows still names every key or shape that does not fit.
    /// </summary>
    static virtual TSpec FromStateDict(TSpec spec, IReadOnlyDictionary<string, Tensor> state) => spec;
}

/// <summary>A per-mouse readout class built from <typeparamref name="TSpec"/>.</summary>
public interface IReadoutBuiltFrom<TSpec> where TSpec : ReadoutSpec
{
    /// <summary>One mouse's readout over <paramref name="inChannels"/> core channels (the core's declared output).</summary>
    /// <param name="noise">The model's shared training-time noise, for readouts that sample.</param>
    static abstract ReadoutModule Build(TSpec spec, long inChannels, MouseNeurons mouse, SamplingNoise noise,
        Generator generator, Device device);

    /// <summary><paramref name="spec"/> with the fields one mouse's checkpoint entries determine (<c>readout.&lt;key&gt;.</c> removed).</summary>
    static virtual TSpec FromStateDict(TSpec spec, IReadOnlyDictionary<string, Tensor> mouseState) => spec;

    /// <summary>The neuron count of one mouse from its checkpoint entries (<c>readout.&lt;key&gt;.</c> removed).</summary>
    static abstract int NeuronCount(IReadOnlyDictionary<string, Tensor> mouseState, string dataKey);
}

/// <summary>A per-mouse shifter class built from <typeparamref name="TSpec"/>.</summary>
public interface IShifterBuiltFrom<TSpec> where TSpec : ShifterSpec
{
    static abstract ShifterModule Build(TSpec spec, Generator generator, Device device);

    /// <summary><paramref name="spec"/> with the fields one mouse's checkpoint entries determine (<c>shifter.&lt;key&gt;.</c> removed).</summary>
    static virtual TSpec FromStateDict(TSpec spec, IReadOnlyDictionary<string, Tensor> mouseState) => spec;
}

/// <summary>
/// The one place a spec (Sensorium.Contracts, no TorchSharp) becomes a module: for a spec of kind <c>TSpec</c> it
/// calls the class of this assembly that declares <see cref="ICoreBuiltFrom{TSpec}"/> (or the readout/shifter
/// interface). The class is found once per spec type by its declaration, so adding a core adds no line here; a spec
/// whose kind no class declares, or that two classes declare, is an error naming the spec type.
/// </summary>
public static class SpecBuilds
{
    public static CoreModule Build(this CoreSpec spec, Generator generator, Device device) =>
        (CoreModule)Call(spec, typeof(ICoreBuiltFrom<>), nameof(CoreBuild), [spec, generator, device]);

    public static CoreSpec FromStateDict(this CoreSpec spec, IReadOnlyDictionary<string, Tensor> state) =>
        (CoreSpec)Call(spec, typeof(ICoreBuiltFrom<>), nameof(CoreFromState), [spec, state]);

    public static ReadoutModule Build(this ReadoutSpec spec, long inChannels, MouseNeurons mouse, SamplingNoise noise,
        Generator generator, Device device) =>
        (ReadoutModule)Call(spec, typeof(IReadoutBuiltFrom<>), nameof(ReadoutBuild), [spec, inChannels, mouse, noise, generator, device]);

    public static ReadoutSpec FromStateDict(this ReadoutSpec spec, IReadOnlyDictionary<string, Tensor> mouseState) =>
        (ReadoutSpec)Call(spec, typeof(IReadoutBuiltFrom<>), nameof(ReadoutFromState), [spec, mouseState]);

    public static int NeuronCount(this ReadoutSpec spec, IReadOnlyDictionary<string, Tensor> mouseState, string dataKey) =>
        (int)Call(spec, typeof(IReadoutBuiltFrom<>), nameof(ReadoutNeuronCount), [mouseState, dataKey]);

    public static ShifterModule Build(this ShifterSpec spec, Generator generator, Device device) =>
        (ShifterModule)Call(spec, typeof(IShifterBuiltFrom<>), nameof(ShifterBuild), [spec, generator, device]);

    public static ShifterSpec FromStateDict(this ShifterSpec spec, IReadOnlyDictionary<string, Tensor> mouseState) =>
        (ShifterSpec)Call(spec, typeof(IShifterBuiltFrom<>), nameof(ShifterFromState), [spec, mouseState]);

    // The typed calls, closed over (module class, spec type) once per pair.
    private static CoreModule CoreBuild<TModule, TSpec>(CoreSpec spec, Generator generator, Device device)
        where TModule : ICoreBuiltFrom<TSpec> where TSpec : CoreSpec => TModule.Build((TSpec)spec, generator, device);

    private static CoreSpec CoreFromState<TModule, TSpec>(CoreSpec spec, IReadOnlyDictionary<string, Tensor> state)
        where TModule : ICoreBuiltFrom<TSpec> where TSpec : CoreSpec => TModule.FromStateDict((TSpec)spec, state);

    private static ReadoutModule ReadoutBuild<TModule, TSpec>(ReadoutSpec spec, long inChannels, MouseNeurons mouse,
        SamplingNoise noise, Generator generator, Device device)
        where TModule : IReadoutBuiltFrom<TSpec> where TSpec : ReadoutSpec =>
        TModule.Build((TSpec)spec, inChannels, mouse, noise, generator, device);

    private static ReadoutSpec ReadoutFromState<TModule, TSpec>(ReadoutSpec spec, IReadOnlyDictionary<string, Tensor> state)
        where TModule : IReadoutBuiltFrom<TSpec> where TSpec : ReadoutSpec => TModule.FromStateDict((TSpec)spec, state);

    private static int ReadoutNeuronCount<TModule, TSpec>(IReadOnlyDictionary<string, Tensor> state, string dataKey)
        where TModule : IReadoutBuiltFrom<TSpec> where TSpec : ReadoutSpec => TModule.NeuronCount(state, dataKey);

    private static ShifterModule ShifterBuild<TModule, TSpec>(ShifterSpec spec, Generator generator, Device device)
        where TModule : IShifterBuiltFrom<TSpec> where TSpec : ShifterSpec => TModule.Build((TSpec)spec, generator, device);

    private static ShifterSpec ShifterFromState<TModule, TSpec>(ShifterSpec spec, IReadOnlyDictionary<string, Tensor> state)
        where TModule : IShifterBuiltFrom<TSpec> where TSpec : ShifterSpec => TModule.FromStateDict((TSpec)spec, state);

    private static readonly ConcurrentDictionary<(Type Spec, string Call), MethodInfo> Calls = new();

    private static object Call(object spec, Type contract, string call, object[] arguments)
    {
        var method = Calls.GetOrAdd((spec.GetType(), call), key =>
        {
            var wanted = contract.MakeGenericType(key.Spec);
            var modules = typeof(SpecBuilds).Assembly.GetTypes()
                .Where(t => t is { IsAbstract: false, IsInterface: false } && wanted.IsAssignableFrom(t)).ToList();
            if (modules.Count != 1)
                throw new NotSupportedException(modules.Count == 0
                    ? $"No class in Sensorium.Models declares {contract.Name[..^2]}<{key.Spec.Name}>: a {key.Spec.Name} cannot be built (see ADDING-A-CORE.md)."
                    : $"{string.Join(" and ", modules.Select(m => m.Name))} all declare {contract.Name[..^2]}<{key.Spec.Name}>: one class per spec kind.");
            return typeof(SpecBuilds).GetMethod(key.Call, BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(modules[0], key.Spec);
        });
        return method.Invoke(null, BindingFlags.DoNotWrapExceptions, null, arguments, null)!;
    }
}
