using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sensorium.Models.Shifters;

/// <summary>
/// One mouse's shifter (neuralpredictors <c>shifters.mlp.MLP</c>, an entry of <c>MLPShifter</c>): an MLP on the
/// pupil centre, Linear(2,5)-Tanh-Linear(5,5)-Tanh-Linear(5,2)-Tanh for the baselines (<c>mlp</c>).
/// Pupil centre (B,2) → readout grid shift (B,2) in (−1,1). Its regularizer is 0 (gamma_shifter = 0), so it has none.
/// </summary>
public sealed class MlpShifter : ShifterModule, IShifterBuiltFrom<MlpShifterSpec>
{
    public static ShifterModule Build(MlpShifterSpec spec, Generator generator, Device device) =>
        new MlpShifter(2, spec.HiddenChannels, spec.Layers, generator, device);

    public static MlpShifterSpec FromStateDict(MlpShifterSpec spec, IReadOnlyDictionary<string, Tensor> mouseState)
    {
        var linears = Readouts.FullGaussian2dReadout.LinearIndices(mouseState, "mlp.");
        return spec with
        {
            Layers = linears.Count > 0 ? linears.Count : spec.Layers,
            HiddenChannels = linears.Count > 1 ? (int)mouseState["mlp.0.weight"].shape[0] : spec.HiddenChannels,
        };
    }

    private readonly Sequential mlp;

    /// <param name="shiftLayers">Number of Linear layers (3 in the baselines); 1 means Linear(inputs,2)-Tanh.</param>
    /// <param name="generator">Source of the initial values; null means the global RNG.</param>
    public MlpShifter(int inputChannels = 2, int hiddenChannels = 5, int shiftLayers = 3, Generator? generator = null,
        Device? device = null) : base(nameof(MlpShifter))
    {
        if (shiftLayers < 1) throw new ArgumentOutOfRangeException(nameof(shiftLayers), shiftLayers, "At least one layer.");
        var layers = new List<nn.Module<Tensor, Tensor>>();
        var width = inputChannels;
        if (shiftLayers > 1)
        {
            layers.Add(nn.Linear(inputChannels, hiddenChannels, device: device));
            layers.Add(nn.Tanh());
            width = hiddenChannels;
        }
        for (var i = 0; i < shiftLayers - 2; i++)
        {
            layers.Add(nn.Linear(hiddenChannels, hiddenChannels, device: device));
            layers.Add(nn.Tanh());
        }
        layers.Add(nn.Linear(width, 2, device: device));
        layers.Add(nn.Tanh());
        mlp = nn.Sequential(layers);
        Initialize(generator);
        RegisterComponents();
    }

    /// <summary>PyTorch's default Linear initialisation (the reference's initialize() changes nothing).</summary>
    public void Initialize(Generator? generator)
    {
        foreach (var linear in mlp.modules().OfType<Linear>())
            Initialization.LinearDefault(linear, generator);
    }

    /// <param name="pupilCenter">(B,2)</param>
    /// <returns>(B,2)</returns>
    public override Tensor forward(Tensor pupilCenter) => mlp.call(pupilCenter);
}
