namespace Sensorium.Training.Health;

/// <summary>
/// A diagnostic for issue 9 (nondeterministic NaN on the CPU): while a training runs, a background thread forces
/// garbage collections and runs the finalizers in a tight loop, so that any native object the training still uses
/// while .NET already considers it garbage (a TorchSharp <c>Tensor</c>, <c>Scalar</c> or <c>Generator</c> whose
/// finalizer frees the native object) is freed under the kernel's feet at once, instead of once in a long while.
/// Off unless <see cref="Variable"/> is set: <c>SENSORIUM_GC_STRESS=1</c> (or a number: the pause in milliseconds
/// between collections, default 0). Never on in production; tests and <c>scripts/stress-divergence.sh --gc-stress</c>
/// use it.
/// </summary>
public sealed class GcStress : IDisposable
{
    public const string Variable = "SENSORIUM_GC_STRESS";

    private readonly Thread thread;
    private readonly int pauseMs;
    private volatile bool stop;

    /// <summary>Collections done so far (for the report).</summary>
    public long Collections => Interlocked.Read(ref collections);
    private long collections;

    private GcStress(int pauseMs)
    {
        this.pauseMs = pauseMs;
        thread = new Thread(Loop) { IsBackground = true, Name = "sensorium-gc-stress", Priority = ThreadPriority.BelowNormal };
        thread.Start();
    }

    /// <summary>Starts the stress thread when <see cref="Variable"/> asks for it, else returns null.</summary>
    public static GcStress? FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value) || value == "0") return null;
        if (value is "1" or "on" or "true") return new GcStress(0);
        if (int.TryParse(value, out int ms) && ms > 0) return new GcStress(ms);
        throw new ArgumentException($"{Variable}={value}: expected 1 (collect continuously) or a pause in milliseconds");
    }

    /// <summary>Starts the stress thread (tests).</summary>
    public static GcStress Start(int pauseMs = 0) => new(pauseMs);

    private void Loop()
    {
        while (!stop)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref collections);
            if (pauseMs > 0) Thread.Sleep(pauseMs);
        }
    }

    public void Dispose()
    {
        stop = true;
        thread.Join();
        Console.Error.WriteLine($"{Variable}: {Collections:N0} forced collections during training");
    }
}
