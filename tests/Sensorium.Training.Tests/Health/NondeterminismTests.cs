using Sensorium.Training.Health;
using static TorchSharp.torch;

namespace Sensorium.Training.Tests.Health;

/// <summary>Alone: the allocator fill is a process-wide libtorch flag, and the GC stress thread collects for the whole process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideDiagnostics
{
    public const string Name = "process-wide diagnostics";
}

/// <summary>
/// Issue 9's hunt for a nondeterministic NaN: the two diagnostics that turn its suspected causes from rare into
/// certain (<see cref="GcStress"/>: a native object freed by the finalizer while libtorch still reads it;
/// <see cref="AllocatorFill"/>: a kernel that reads memory it never wrote) leave a training bit for bit unchanged.
/// </summary>
[Collection(ProcessWideDiagnostics.Name)]
public class NondeterminismTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Junk_fill_makes_every_new_CPU_block_NaN_until_it_is_turned_off()
    {
        try
        {
            AllocatorFill.Apply("junk");
            using (var fresh = empty(4096))
                Assert.True(fresh.isnan().all().item<bool>(), "a block never written reads NaN with junk fill");
            AllocatorFill.Apply("zero");
            using (var fresh = empty(4096))
                Assert.Equal(0f, fresh.abs().max().item<float>());
        }
        finally
        {
            AllocatorFill.Apply("off");
        }
    }

    /// <summary>
    /// Bit for bit the plain run's numbers, or a loud libtorch error — never other numbers. TorchSharp 0.107 passes
    /// implicit <c>Scalar</c>s (its <c>Adam.step</c>'s, BatchNorm's, tensor <c>+</c>'s alpha of 1) as bare handles
    /// whose finalizer may run during the native call when another thread collects, which this stress thread does
    /// continuously: libtorch then reads a freed scalar and refuses it ("Unknown scalar type", an alpha of the wrong
    /// kind). Seen in ~1 of 5 runs under load (src/Sensorium.Training/Health/DIVERGENCE.md, session 8); not reachable
    /// in a training worker, whose training thread is the only one that allocates. What must never happen is a
    /// training that ends normally with other numbers: that would be a silent fault.
    /// </summary>
    [Fact]
    public void A_training_under_GC_stress_and_junk_filled_memory_is_bit_identical_to_a_plain_one_or_fails_loudly()
    {
        var spec = TinyData.Spec(maxEpochs: 3) with { Trainer = TinyData.Spec().Trainer with { MaxEpochs = 3, Threads = 2 } };
        var plain = Epochs(spec);

        long collections;
        List<(double TrainLoss, double Objective)>? stressed = null;
        System.Runtime.InteropServices.ExternalException? refused = null;
        try
        {
            AllocatorFill.Apply("junk");
            using var stress = GcStress.Start();
            try { stressed = Epochs(spec); }
            catch (System.Runtime.InteropServices.ExternalException e) { refused = e; } // libtorch's own check: loud
            collections = stress.Collections;
        }
        finally
        {
            AllocatorFill.Apply("off");
        }
        Assert.True(collections > 0, "the stress thread collected");
        Assert.All(plain, e => Assert.True(double.IsFinite(e.TrainLoss) && double.IsFinite(e.Objective)));
        if (refused is null)
            Assert.Equal(plain, stressed); // bit for bit: every train loss and validation objective
        else
        {
            output.WriteLine($"libtorch refused a freed TorchSharp Scalar (TorchSharp's race, see DIVERGENCE.md): {refused.Message.Split('\n')[0]}");
            Assert.Contains("Exception raised from", refused.Message); // a c10::Error, with its source location
        }
    }

    private static List<(double TrainLoss, double Objective)> Epochs(RunSpec spec)
    {
        using var dir = new Sensorium.Data.Tests.TempDir();
        var log = new EventLog();
        var result = Trainer.Train(spec, [TinyData.Mouse()], dir.Path, log);
        Assert.False(result.Diverged, result.Reason);
        var epochs = log.Of<EpochCompleted>().Select(e => (e.TrainLoss, e.Objective)).ToList();
        Assert.Equal(spec.Trainer.MaxEpochs, epochs.Count);
        return epochs;
    }
}
