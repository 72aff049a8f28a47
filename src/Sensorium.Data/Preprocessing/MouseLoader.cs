using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Sensorium.Data.Format;
using Sensorium.Data.Npy;

namespace Sensorium.Data.Preprocessing;

/// <summary>How to preprocess a mouse at load.</summary>
/// <param name="Scale">ScaleInputs factor: 0.25 (the baselines' 36×64) by default; 1 keeps 144×256.</param>
/// <param name="MaxParallelism">Reader threads (each with its own file or zip handle); results do not depend on it.</param>
public sealed record LoadOptions(double Scale = 0.25, int MaxParallelism = 0)
{
    /// <summary>Worker threads used for a mouse of <paramref name="trials"/> trials (at least 64 trials each).</summary>
    public int Workers(int trials) =>
        Math.Clamp(Math.Min(MaxParallelism > 0 ? MaxParallelism : Environment.ProcessorCount, (trials + 63) / 64), 1, 64);
}

/// <summary>
/// Loads a mouse into a <see cref="PreprocessedMouse"/> in one pass: each trial's files are decoded, normalized and
/// rescaled straight into the target arrays (zip entries are streamed), so raw full-size images never accumulate in
/// memory. Trials are split into contiguous ranges, one per worker; the output does not depend on the split, and the
/// error reported for malformed input is always the one of the lowest trial.
/// </summary>
public static class MouseLoader
{
    public static PreprocessedMouse Load(string path, LoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var mouse = SensoriumMouse.Open(path);
        return Load(mouse, options, cancellationToken);
    }

    public static PreprocessedMouse Load(SensoriumMouse mouse, LoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LoadOptions();
        var normalizer = new NeuroNormalizer(mouse.Statistics);
        var scaler = new ScaleInputs(mouse.ImageShape.Height, mouse.ImageShape.Width, options.Scale);
        int t = mouse.TrialCount, n = mouse.NeuronCount, plane = scaler.OutHeight * scaler.OutWidth;
        var images = new float[checked((long)t * plane)];
        var responses = new float[checked((long)t * n)];
        var behavior = new float[t * SensoriumMouse.BehaviorLength];
        var pupil = new float[t * SensoriumMouse.PupilCenterLength];

        int workers = options.Workers(t);
        var failures = new Exception?[workers];
        void Work(int w)
        {
            int from = (int)((long)t * w / workers), to = (int)((long)t * (w + 1) / workers);
            using var files = w == 0 ? null : mouse.Files.Reopen();
            var worker = new TrialWorker(mouse, files ?? mouse.Files, normalizer, scaler);
            for (int i = from; i < to; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    worker.Image(i, images.AsSpan(i * plane, plane));
                    worker.Responses(i, responses.AsSpan(i * n, n));
                    worker.Behavior(i, behavior.AsSpan(i * SensoriumMouse.BehaviorLength, SensoriumMouse.BehaviorLength));
                    worker.PupilCenter(i, pupil.AsSpan(i * SensoriumMouse.PupilCenterLength, SensoriumMouse.PupilCenterLength));
                    RequireFinite(mouse, files ?? mouse.Files, TrialData.Images, i, images.AsSpan(i * plane, plane));
                    RequireFinite(mouse, files ?? mouse.Files, TrialData.Responses, i, responses.AsSpan(i * n, n));
                    RequireFinite(mouse, files ?? mouse.Files, TrialData.Behavior, i, behavior.AsSpan(i * SensoriumMouse.BehaviorLength, SensoriumMouse.BehaviorLength));
                    RequireFinite(mouse, files ?? mouse.Files, TrialData.PupilCenter, i, pupil.AsSpan(i * SensoriumMouse.PupilCenterLength, SensoriumMouse.PupilCenterLength));
                }
                catch (DataFormatException e)
                {
                    failures[w] = e;
                    return;
                }
            }
        }
        try
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, Work);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        // Ranges are ascending by worker and each worker stops at its first bad trial: the first failure is the lowest trial's.
        var first = failures.FirstOrDefault(f => f is not null);
        if (first is not null) throw first;

        return new PreprocessedMouse(mouse.DataKey, mouse.Source, options.Scale, mouse.ImageShape, scaler.OutHeight, scaler.OutWidth,
            images, responses, behavior, pupil, mouse.Meta, mouse.Statistics, normalizer);
    }

    /// <summary>Per-thread state: the file handle and reusable buffers.</summary>
    /// <summary>
    /// A NaN or infinity in a trial (after normalisation) would turn every prediction and gradient that touches it
    /// non-finite: refuse the dataset at loading, naming the file and the position, rather than train on it.
    /// </summary>
    private static void RequireFinite(SensoriumMouse mouse, MouseFiles files, TrialData what, int trial, ReadOnlySpan<float> values)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (float.IsFinite(values[k])) continue;
            string path = files.Describe(SensoriumMouse.TrialPath(what, trial));
            string value = float.IsNaN(values[k]) ? "NaN" : values[k] > 0 ? "+inf" : "-inf";
            throw new DataFormatException(path, $"value {k} is {value} after normalisation; every value must be finite" +
                (what == TrialData.Images ? "" : $" (raw value {mouse.ReadTrial(files, what, trial).GetDouble(k).ToString(System.Globalization.CultureInfo.InvariantCulture)})"));
        }
    }

    private sealed class TrialWorker(SensoriumMouse mouse, MouseFiles files, NeuroNormalizer normalizer, ScaleInputs scaler)
    {
        private readonly double[] _plane = new double[scaler.InHeight * scaler.InWidth];
        private readonly double[] _rows = new double[scaler.InHeight * scaler.OutWidth];
        private readonly double[] _out = new double[scaler.OutHeight * scaler.OutWidth];
        private double[]? _uint8Table;

        public void Image(int trial, Span<float> target)
        {
            var raw = mouse.ReadTrial(files, TrialData.Images, trial);
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            if (raw.DType == NpyDType.UInt8)
            {
                // 256 possible values: normalize each once, with the same (x − mean)/std arithmetic.
                var table = _uint8Table ??= Enumerable.Range(0, 256).Select(v => normalizer.NormalizeImage(v)).ToArray();
                if (scaler.IsIdentity)
                {
                    // Scale 1: bilinear sampling at the pixel centres returns the pixels themselves.
                    var data = raw.Data;
                    for (int k = 0; k < data.Length; k++) target[k] = (float)table[data[k]];
                }
                else scaler.Rescale(raw.Data, table, _rows, target);
                return;
            }
            for (int k = 0; k < _plane.Length; k++)
            {
                double v = raw.DType == NpyDType.Float32 ? MemoryMarshal.Cast<byte, float>(raw.Data)[k]
                    : raw.DType == NpyDType.Float64 ? MemoryMarshal.Cast<byte, double>(raw.Data)[k]
                    : raw.GetDouble(k);
                double z = normalizer.NormalizeImage(v);
                _plane[k] = z;
                if (z < min) min = z;
                if (z > max) max = z;
            }
            scaler.Rescale(_plane, min, max, _rows, _out);
            for (int k = 0; k < _out.Length; k++) target[k] = (float)_out[k];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: 8000 values per trial, optimized from the first call
        public void Responses(int trial, Span<float> target)
        {
            var raw = mouse.ReadTrial(files, TrialData.Responses, trial);
            var precision = normalizer.ResponsePrecision;
            if (raw.DType == NpyDType.Float32)
            {
                var values = MemoryMarshal.Cast<byte, float>(raw.Data);
                for (int j = 0; j < target.Length; j++) target[j] = (float)(values[j] * precision[j]);
            }
            else for (int j = 0; j < target.Length; j++) target[j] = (float)(raw.GetDouble(j) * precision[j]);
        }

        public void Behavior(int trial, Span<float> target)
        {
            var raw = mouse.ReadTrial(files, TrialData.Behavior, trial);
            for (int k = 0; k < target.Length; k++) target[k] = (float)(raw.GetDouble(k) * normalizer.BehaviorPrecision[k]);
        }

        public void PupilCenter(int trial, Span<float> target)
        {
            var raw = mouse.ReadTrial(files, TrialData.PupilCenter, trial);
            for (int k = 0; k < target.Length; k++)
                target[k] = (float)((raw.GetDouble(k) - normalizer.PupilCenterMean[k]) / normalizer.PupilCenterStd[k]);
        }
    }
}
