using System.Diagnostics;
using Sensorium.Models;
using Sensorium.Models.Encoders;
using Sensorium.Models.Measures;
using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Training;

/// <summary>What <see cref="TrainingBench"/> trains on: one mouse of random seeded data.</summary>
/// <param name="Trials">Trials uploaded to the device (batches are drawn from them); also the loss scale's trial count.</param>
public sealed record TrainingBenchConfig(ModelSpec Model, int Neurons = 8000, int Batch = 128, int Height = 36,
    int Width = 64, int Trials = 1024, string Device = "auto", ulong Seed = 42, string Precision = MixedPrecision.Fp32,
    bool CudnnBenchmark = false, bool ChannelsLast = false);

/// <summary>One timed training step; the split is in milliseconds (on CUDA it costs a synchronisation per phase).</summary>
/// CpuMs/SysMs: this process's CPU time (all threads; SysMs the kernel part) during the step: robust under load.
public readonly record struct StepTiming(double TotalMs, double ForwardMs, double BackwardMs, double OptimizerMs, double Loss,
    double CpuMs, double SysMs);

/// <summary>
/// The trainer's real step (<see cref="Trainer"/>'s objective → backward → Adam step → zero_grad, one dispose scope)
/// on random seeded data for timing: `sensorium bench train`. Not used by training itself.
/// </summary>
public sealed class TrainingBench : IDisposable
{
    private readonly FiringRateEncoder model;
    private readonly DeviceData data;
    private readonly TorchSharp.Modules.OptimizerHelper optimizer;
    private readonly PoissonLoss poisson = new(avg: false);
    private readonly Random rng;
    private readonly TrainingBenchConfig config;
    private readonly ScalarType? lowType;

    public TrainingBench(TrainingBenchConfig config)
    {
        this.config = config;
        Device = TorchDevice.Resolve(config.Device);
        CudnnBenchmark = CudnnSetup.Apply(config.CudnnBenchmark, Device); // as the trainer: CUDA only, verified
        var mouse = RandomMouse(config);
        model = ModelBuilder.Build(config.Model, [MouseNeurons.FromCortex(mouse.DataKey, mouse.CorticalX, mouse.CorticalY)],
            Device, config.Seed);
        data = new DeviceData(mouse, Device, behaviorChannels: config.Model.InputChannels == 4, pupilCenter: config.Model.HasShifter);
        lowType = MixedPrecision.LowType(config.Precision); // bf16: the forward under autocast, as the trainer's
        optimizer = optim.Adam(model.parameters(), 0.009);
        rng = new Random((int)config.Seed);
        Parameters = model.parameters().Sum(p => p.numel());
        model.train();
    }

    public Device Device { get; }
    /// <summary>What became of the cuDNN benchmark setting (<see cref="CudnnSetup.Apply"/>).</summary>
    public string CudnnBenchmark { get; }
    public long Parameters { get; }
    public FiringRateEncoder Model => model;

    /// <summary>A random seeded mouse: standard-normal images, Poisson-like responses, cortical positions in a square.</summary>
    public static MouseTrainingData RandomMouse(TrainingBenchConfig c)
    {
        var r = new Random((int)c.Seed);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));
        var images = new float[(long)c.Trials * c.Height * c.Width];
        for (long i = 0; i < images.Length; i++) images[i] = Normal();
        var responses = new float[(long)c.Trials * c.Neurons];
        for (long i = 0; i < responses.Length; i++) responses[i] = r.NextDouble() < 0.7 ? 0f : (float)(-Math.Log(1 - r.NextDouble()) * 2);
        var behavior = new float[c.Trials * 3];
        for (int i = 0; i < behavior.Length; i++) behavior[i] = Normal();
        var pupil = new float[c.Trials * 2];
        for (int i = 0; i < pupil.Length; i++) pupil[i] = Normal();
        var x = new double[c.Neurons];
        var y = new double[c.Neurons];
        for (int n = 0; n < c.Neurons; n++) { x[n] = r.NextDouble() * 1000; y[n] = r.NextDouble() * 1000; }
        int validation = Math.Max(1, c.Trials / 10);
        return new MouseTrainingData("bench-mouse", images, c.Height, c.Width, responses, c.Neurons, behavior, pupil,
            [.. Enumerable.Range(0, c.Trials - validation)], [.. Enumerable.Range(c.Trials - validation, validation)], x, y);
    }

    private int[] NextBatch()
    {
        var trials = new int[config.Batch];
        for (int i = 0; i < trials.Length; i++) trials[i] = rng.Next(config.Trials);
        return trials;
    }

    private void Sync()
    {
        if (Device.type == DeviceType.CUDA) cuda.synchronize();
    }

    /// <summary>
    /// One training step. With <paramref name="split"/> on CUDA the phases are separated by synchronisations (the
    /// total then includes them); on the CPU the split is free. Without it the step has one synchronisation (the loss
    /// read), as a training loop that reads its loss every step; forward and backward are then launch times only.
    /// </summary>
    public StepTiming TrainStep(bool split)
    {
        var trials = NextBatch();
        var process = Process.GetCurrentProcess();
        var (cpu0, sys0) = (process.TotalProcessorTime, process.PrivilegedProcessorTime);
        var clock = Stopwatch.StartNew();
        double forward, backward;
        Tensor lossValue;
        using (var scope = NewDisposeScope())
        {
            var index = data.Index(trials);
            Tensor loss;
            using (Autocast.Enable(lowType))
                loss = Trainer.Objective(model, data, index, trials.Length, poisson, scaleLoss: true, detachCore: false, config.ChannelsLast);
            if (split) Sync();
            forward = clock.Elapsed.TotalMilliseconds;
            loss.backward();
            if (split) Sync();
            backward = clock.Elapsed.TotalMilliseconds - forward;
            lossValue = loss.detach().MoveToOuterDisposeScope();
        }
        double before = clock.Elapsed.TotalMilliseconds;
        optimizer.step();
        optimizer.zero_grad();
        if (split) Sync();
        // Without split the loss read is the step's one synchronisation and is timed; with split the step ended synchronised.
        double value = split ? double.NaN : lossValue.item<float>();
        double total = clock.Elapsed.TotalMilliseconds;
        if (split) value = lossValue.item<float>();
        lossValue.Dispose();
        process.Refresh();
        var (cpu, sys) = ((process.TotalProcessorTime - cpu0).TotalMilliseconds, (process.PrivilegedProcessorTime - sys0).TotalMilliseconds);
        return new StepTiming(total, forward, backward, total - before, value, cpu, sys);
    }

    /// <summary>One evaluation batch (eval mode, no grad) of the training batch size; milliseconds.</summary>
    public double EvalStep()
    {
        var trials = NextBatch();
        model.eval();
        try
        {
            var clock = Stopwatch.StartNew();
            using (no_grad())
            using (NewDisposeScope())
            {
                var index = data.Index(trials);
                var inputs = data.Inputs(index);
                var pupil = data.Pupil(index);
                var output = model.call(inputs, data.Mouse.DataKey, pupil); // the fp32 model, as validation
                Sync();
            }
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            model.train();
        }
    }

    /// <summary>
    /// Forward and backward times per part (median ms over <paramref name="reps"/>): the core alone, the readout alone on
    /// detached core features, and the whole model with the loss. For finding where the time goes; not a training step
    /// (no optimizer step, gradients are zeroed).
    /// </summary>
    public IReadOnlyDictionary<string, double> ProfileParts(int reps)
    {
        var times = new Dictionary<string, List<double>>();
        var process = Process.GetCurrentProcess();
        T Measure<T>(string part, Func<T> work)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var result = work();
            Sync();
            double wall = clock.Elapsed.TotalMilliseconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
            foreach (var (k, v) in new[] { (part, wall), (part + ".cpu", cpu) })
            {
                if (!times.TryGetValue(k, out var l)) times[k] = l = [];
                l.Add(v);
            }
            return result;
        }
        string key = data.Mouse.DataKey;
        var readout = model.Readout(key);
        for (int r = 0; r < reps; r++)
        {
            var trials = NextBatch();
            using var scope = NewDisposeScope();
            var index = data.Index(trials);
            var inputs = data.Inputs(index);
            if (config.ChannelsLast) inputs = MemoryLayout.ChannelsLast(inputs);
            var pupil = data.Pupil(index);
            var features = Measure("core.forward", () => model.Core.call(inputs));
            var g = ones_like(features);
            Measure("core.backward", () => { features.backward([g]); return 0; });
            var detached = features.detach().requires_grad_(true);
            var shift = model.HasShifter ? model.Shifter(key).call(pupil!) : null;
            var y = Measure("readout.forward", () => readout.call(detached, shift));
            var gy = ones_like(y);
            Measure("readout.backward", () => { y.backward([gy]); return 0; });
            var reg = Measure("regularizers.forward", () => model.Regularizer(key));
            Measure("regularizers.backward", () => { reg.backward(); return 0; });
            optimizer.zero_grad();
        }
        return times.ToDictionary(kv => kv.Key, kv => Median(kv.Value));
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    public void Dispose()
    {
        optimizer.Dispose();
        poisson.Dispose();
        data.Dispose();
        model.Dispose();
    }
}
