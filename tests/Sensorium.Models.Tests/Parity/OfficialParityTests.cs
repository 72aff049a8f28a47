using Sensorium.Models.Cores;
using Sensorium.Models.Measures;
using Sensorium.Models.Readouts;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests.Parity;

/// <summary>
/// The proof of faithfulness: the official pretrained baselines, loaded into models built from the presets,
/// reproduce the official reference outputs (MANIFEST §2–§4) within the suggested float32 tolerances.
/// </summary>
public sealed class OfficialParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("sota")]
    [InlineData("ln")]
    [InlineData("p_sota")]
    [InlineData("p_ln")]
    public void OutputsMuAndShifterMatchTheReference(string name)
    {
        var official = OfficialModel.Named(name);
        using var model = official.LoadWithPyBridge();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Fixtures.Float32(official.Inputs);
        var pupil = official.Spec.HasShifter ? Fixtures.Float32("pupil_center.npy") : null;

        var rates = model.call(images, official.DataKey, pupil);
        var outDiff = Fixtures.AssertClose(rates, Fixtures.Float32($"{name}_outputs.npy"), 1e-4, 1e-4, $"{name} outputs");
        var mu = ((FullGaussian2dReadout)model.Readout(official.DataKey)).Mu().view(official.Neurons, 2); // (N,2)
        var muDiff = Fixtures.AssertClose(mu, Fixtures.Float32($"{name}_mu.npy"), 1e-6, 0, $"{name} mu");
        output.WriteLine($"{name}: outputs max|diff| {outDiff:E2}, mu max|diff| {muDiff:E2}");
        if (pupil is not null)
        {
            var shift = model.Shifter(official.DataKey).call(pupil);
            var shiftDiff = Fixtures.AssertClose(shift, Fixtures.Float32($"{name}_shifter_out.npy"), 1e-6, 0, $"{name} shifter");
            output.WriteLine($"{name}: shifter max|diff| {shiftDiff:E2}");
        }
    }

    [Fact]
    public void SotaCoreAndReadoutPreactivationsMatch()
    {
        var official = OfficialModel.Sota;
        using var model = official.LoadWithPyBridge();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Fixtures.Float32(official.Inputs);
        var core = model.Core.call(images); // (16,64,28,56)
        // The reference core output of the first 2 images (the full 16 are 6 MB; in eval mode images are independent).
        var coreDiff = Fixtures.AssertClose(core.narrow(0, 0, 2), Fixtures.Float32("sota_core_out_first2.npy"), 1e-4, 0, "sota core");
        output.WriteLine($"sota: core (first 2) max|diff| {coreDiff:E2}");
        var preact = model.Readout(official.DataKey).call(core, null);
        var diff = Fixtures.AssertClose(preact, Fixtures.Float32("sota_readout_preact.npy"), 1e-4, 1e-4, "sota preact");
        output.WriteLine($"sota: readout pre-activation max|diff| {diff:E2}");
    }

    [Fact]
    public void LnCoreOutputMatches()
    {
        var official = OfficialModel.Ln;
        using var model = official.LoadWithPyBridge();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Fixtures.Float32(official.Inputs).narrow(0, 0, 4); // (4,1,36,64)
        var core = model.Core.call(images);
        var diff = Fixtures.AssertClose(core, Fixtures.Float32("ln_core_out_first4.npy"), 1e-4, 0, "ln core");
        output.WriteLine($"ln: core (first 4) max|diff| {diff:E2}");
    }

    [Fact]
    public void SotaPlusExtremePupilAndManualShiftMatch()
    {
        var official = OfficialModel.SotaPlus;
        using var model = official.LoadWithPyBridge();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Fixtures.Float32(official.Inputs).narrow(0, 0, 4); // (4,4,36,64)

        var pupil = Fixtures.Float32("p_sota_extreme_pupil_center.npy");
        var shift = model.Shifter(official.DataKey).call(pupil);
        var shiftDiff = Fixtures.AssertClose(shift, Fixtures.Float32("p_sota_extreme_shifter_out.npy"), 1e-6, 0, "extreme shifter");
        var rates = model.call(images, official.DataKey, pupil);
        var outDiff = Fixtures.AssertClose(rates, Fixtures.Float32("p_sota_extreme_outputs.npy"), 1e-4, 1e-4, "extreme outputs");

        // Hand-set shifts push many grid points outside [−1,1]: they must read zeros, not be clamped back.
        var manual = Fixtures.Float32("p_sota_manual_shift.npy");
        var preact = model.Readout(official.DataKey).call(model.Core.call(images), manual);
        var manualDiff = Fixtures.AssertClose(preact, Fixtures.Float32("p_sota_manual_shift_readout_preact.npy"), 1e-4, 1e-4, "manual shift");
        output.WriteLine($"p_sota extreme: shifter {shiftDiff:E2}, outputs {outDiff:E2}; manual shift pre-activation {manualDiff:E2}");
    }

    [Fact]
    public void SotaRegularizersAndLossMatch()
    {
        var official = OfficialModel.Sota;
        using var model = official.LoadWithPyBridge();
        using var scope = NewDisposeScope();
        // [laplace, core_reg, readout_reg, poisson_sum] (MANIFEST §4); model.regularizer = 600.2488403320312
        var expected = Fixtures.Float64("sota_losses.npy");
        var readout = (FullGaussian2dReadout)model.Readout(official.DataKey);
        var laplace = ((Stacked2dCore)model.Core).Laplace().item<float>();
        var coreReg = model.Core.Regularizer().item<float>();
        var readoutReg = readout.Regularizer().item<float>();
        var total = model.Regularizer(official.DataKey).item<float>();
        var l1 = readout.FeatureL1().item<float>();
        AssertRelative(expected[0], laplace, "laplace");
        AssertRelative(expected[1], coreReg, "core_reg");
        AssertRelative(expected[2], readoutReg, "readout_reg");
        AssertRelative(600.2488403320312, total, "model.regularizer");
        AssertRelative(75213.6328125, l1, "Σ|features|");

        using var _ = no_grad();
        var rates = model.call(Fixtures.Float32(official.Inputs), official.DataKey, null);
        var target = Fixtures.Float32("sota_poisson_target.npy");
        var poisson = new PoissonLoss().call(rates, target).item<float>();
        AssertRelative(expected[3], poisson, "poisson_sum (our outputs)");
        var poissonOnReference = new PoissonLoss().call(Fixtures.Float32("sota_outputs.npy"), target).item<float>();
        AssertRelative(expected[3], poissonOnReference, "poisson_sum (reference outputs)");
        AssertRelative(1.009531021118164, new PoissonLoss(avg: true).call(Fixtures.Float32("sota_outputs.npy"), target).item<float>(), "poisson avg");
    }

    private void AssertRelative(double expected, double actual, string what)
    {
        var rel = Math.Abs(actual - expected) / Math.Abs(expected);
        output.WriteLine($"{what}: {actual:R} vs {expected:R}, rel diff {rel:E2}");
        Assert.True(rel <= 1e-5, $"{what}: {actual} vs {expected} (rel {rel:E2})");
    }
}
