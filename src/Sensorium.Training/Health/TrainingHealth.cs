using Sensorium.Models.Encoders;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training.Health;

/// <summary>Non-finite numbers met while training: where (epoch, and the batch when it was a training step) and what.</summary>
public sealed class TrainingDivergedException(int epoch, int? batch, string what)
    : Exception(batch is null ? $"diverged at epoch {epoch} ({what})" : $"diverged at epoch {epoch}, batch {batch} ({what})")
{
    public int Epoch { get; } = epoch;
    public int? Batch { get; } = batch;
    public string What { get; } = what;
}

/// <summary>
/// The training-health guard (beyond the reference, whose trainer has none): before each optimizer step the loss of
/// the step and every gradient are checked with one device→host read; after each epoch every parameter and buffer
/// (BatchNorm's running statistics) is. A failed check names the first non-finite quantity by its state-dict key.
/// </summary>
public static class TrainingHealth
{
    /// <summary>
    /// Throws <see cref="TrainingDivergedException"/> unless <paramref name="stepLoss"/> and every gradient are finite.
    /// One device→host read in all (a synchronisation on CUDA): the finiteness of the sum of the loss and of every
    /// gradient's sum (a sum with a NaN or ±inf in it is not finite, so a finite one proves every value finite; one
    /// reduction per gradient instead of two), together with <paramref name="alsoRead"/> when given — the caller's
    /// progress value, which then costs no second read. Returns that value as a double (NaN without one). Only when the
    /// check fails are the loss and gradients looked at one by one to name the culprit.
    /// </summary>
    public static void RequireFiniteStep(FiringRateEncoder model, Tensor stepLoss, int epoch, int batch) =>
        Check(model, stepLoss, epoch, batch, null);

    /// <summary><see cref="RequireFiniteStep"/> that also reads <paramref name="alsoRead"/> (a scalar) in the same
    /// device→host copy and returns it as a double.</summary>
    public static double RequireFiniteStepAndRead(FiringRateEncoder model, Tensor stepLoss, int epoch, int batch, Tensor alsoRead) =>
        Check(model, stepLoss, epoch, batch, alsoRead);

    static double Check(FiringRateEncoder model, Tensor stepLoss, int epoch, int batch, Tensor? alsoRead)
    {
        using var scope = NewDisposeScope();
        var grads = model.named_parameters().Select(p => (p.name, grad: p.parameter.grad)).Where(g => g.grad is not null).ToList();
        var sums = new List<Tensor> { stepLoss.to(ScalarType.Float64).sum() };
        sums.AddRange(grads.Select(g => g.grad!.sum(ScalarType.Float64)));
        var finite = stack(sums).sum().isfinite().to(ScalarType.Float64).reshape(1);
        bool ok;
        double value = double.NaN;
        if (alsoRead is null) ok = finite.item<double>() != 0;
        else
        {
            var both = cat([finite, alsoRead.detach().to(ScalarType.Float64).reshape(1)]).cpu().data<double>().ToArray();
            (ok, value) = (both[0] != 0, both[1]);
        }
        if (ok) return value;
        if (!stepLoss.isfinite().all().item<bool>())
            throw new TrainingDivergedException(epoch, batch, $"loss {Describe(stepLoss)}");
        foreach (var (name, grad) in grads)
            if (!grad!.isfinite().all().item<bool>())
                throw new TrainingDivergedException(epoch, batch, $"gradient of {name}: {Describe(grad)}");
        return value; // the sum overflowed although every value is finite: the step is sound
    }

    /// <summary>Throws <see cref="TrainingDivergedException"/> unless every parameter and buffer of the model is finite.</summary>
    public static void RequireFiniteState(FiringRateEncoder model, int epoch)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, value) in model.state_dict())
        {
            if (!value.is_floating_point()) continue;
            if (!value.isfinite().all().item<bool>())
                throw new TrainingDivergedException(epoch, null, $"{name}: {Describe(value)}");
        }
    }

    /// <summary>The file in a run directory that injects a fault: "E B" makes the loss of epoch E, batch B NaN.</summary>
    public const string FaultInjectionFile = "inject-nonfinite.txt";

    /// <summary>
    /// Fault injection for tests of everything downstream of the guard (CLI, worker protocol, web app): a run
    /// directory holding <see cref="FaultInjectionFile"/> with "E B" gets a NaN loss at epoch E, batch B (from 1).
    /// Never written by the workbench itself; a malformed file is an error, not ignored.
    /// </summary>
    public static (int Epoch, int Batch)? ReadFaultInjection(string runDir)
    {
        string path = Path.Combine(runDir, FaultInjectionFile);
        if (!File.Exists(path)) return null;
        var parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 2 && int.TryParse(parts[0], out int e) && int.TryParse(parts[1], out int b) && e > 0 && b > 0) return (e, b);
        throw new Sensorium.Data.DataFormatException(path, "expected two positive integers: the epoch and the batch whose loss is made NaN");
    }

    /// <summary>"NaN", "+inf", or "3 of 49,728 values non-finite (NaN 2, ±inf 1)".</summary>
    public static string Describe(Tensor t)
    {
        using var scope = NewDisposeScope();
        long total = t.numel();
        long nan = t.isnan().sum().item<long>();
        long inf = t.isinf().sum().item<long>();
        if (total == 1) return nan > 0 ? "NaN" : t.to_type(ScalarType.Float64).item<double>() > 0 ? "+inf" : "-inf";
        return $"{nan + inf:N0} of {total:N0} values non-finite (NaN {nan:N0}, ±inf {inf:N0})";
    }
}
