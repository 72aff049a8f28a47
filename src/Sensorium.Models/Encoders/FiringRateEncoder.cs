using Sensorium.Models.Readouts;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Sensorium.Models.Encoders;

/// <summary>
/// The Sensorium encoder (neuralpredictors 0.3.0 <c>FiringRateEncoder</c>): shared <c>core</c> → optional
/// <c>shifter</c>[data key](pupil centre) → <c>readout</c>[data key](features, shift) → ELU(·) + 1. It composes the
/// role contracts (<see cref="CoreModule"/>, <see cref="ReadoutModule"/>, <see cref="ShifterModule"/>), whatever their kind.
/// Images (B,C_in,H,W), data key, pupil centre (B,2) or null → firing rates (B,N_mouse), strictly positive.
/// State-dict keys equal the official ones: <c>core.…</c>, <c>readout.&lt;data key&gt;.…</c>, <c>shifter.&lt;data key&gt;.…</c>.
/// </summary>
public sealed class FiringRateEncoder : nn.Module<Tensor, string, Tensor?, Tensor>
{
    private readonly CoreModule core;
    private readonly PerMouse<ReadoutModule> readout;
    private readonly PerMouse<ShifterModule>? shifter;
    private readonly SamplingNoise? noise;

    /// <param name="noise">The readouts' shared training-time noise, disposed with the encoder.</param>
    public FiringRateEncoder(CoreModule core, PerMouse<ReadoutModule> readout,
        PerMouse<ShifterModule>? shifter = null, SamplingNoise? noise = null) : base(nameof(FiringRateEncoder))
    {
        if (shifter is not null)
            foreach (var key in readout.Keys.Where(k => !shifter.ContainsKey(k)))
                throw new ArgumentException($"Mouse '{key}' has a readout but no shifter.", nameof(shifter));
        this.core = core;
        this.readout = readout;
        this.shifter = shifter;
        this.noise = noise;
        if (noise is not null) core.AttachNoise(noise);
        RegisterComponents();
    }

    public CoreModule Core => core;
    public IReadOnlyList<string> DataKeys => readout.Keys;
    public bool HasShifter => shifter is not null;
    /// <summary>The readouts' shared training-time position noise (null when built without one).</summary>
    public SamplingNoise? Noise => noise;
    public ReadoutModule Readout(string dataKey) => Lookup(readout, dataKey, "readout");
    public ShifterModule Shifter(string dataKey) =>
        shifter is null ? throw new InvalidOperationException("This model has no shifter.") : Lookup(shifter, dataKey, "shifter");

    /// <param name="images">(B,C_in,H,W)</param>
    /// <param name="dataKey">The mouse whose neurons to predict.</param>
    /// <param name="pupilCenter">(B,2); required when the model has a shifter, ignored otherwise.</param>
    /// <returns>(B,N)</returns>
    public override Tensor forward(Tensor images, string dataKey, Tensor? pupilCenter)
    {
        using var features = core.call(images); // (B,C,H',W')
        using var shift = shifter is null
            ? null
            : Shifter(dataKey).call(pupilCenter ?? throw new ArgumentException(
                $"The model has a shifter: pupil centre (B,2) is required for '{dataKey}'.", nameof(pupilCenter))); // (B,2)
        using var y = Readout(dataKey).call(features, shift); // (B,N)
        using var rates = y.elu(TorchScalars.One, TorchScalars.One, TorchScalars.One); // F.elu(y, 1.0), with long-lived Scalars
        return rates.add(TorchScalars.One, TorchScalars.One);                          // + 1
    }

    /// <summary>core regularizer + readout[dataKey] regularizer (+ shifter[dataKey]'s, if it has one): a scalar.</summary>
    public Tensor Regularizer(string dataKey)
    {
        using var coreReg = core.Regularizer();
        using var readoutReg = Readout(dataKey).Regularizer();
        using var shifterReg = shifter is null ? null : Shifter(dataKey).Regularizer();
        return shifterReg is null ? coreReg + readoutReg : coreReg + readoutReg + shifterReg;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) noise?.Dispose();
        base.Dispose(disposing);
    }

    private static T Lookup<T>(PerMouse<T> parts, string dataKey, string role) where T : nn.Module =>
        parts.TryGetValue(dataKey, out var part)
            ? part
            : throw new KeyNotFoundException(
                $"No {role} for data key '{dataKey}'; the model knows {string.Join(", ", parts.Keys.Select(k => $"'{k}'"))}.");
}
