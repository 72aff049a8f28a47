using System.Reflection;
using System.Runtime.InteropServices;

namespace Sensorium.Models;

/// <summary>
/// Native set-up that must happen before the first <c>torch</c> call of the process; <see cref="Initialize"/> is
/// idempotent and is called by <see cref="TorchDevice.Resolve"/>, <see cref="ModelBuilder.Build"/> and the trainer.
/// <list type="bullet">
/// <item>Huge pages for large CPU tensors: sets <c>THP_MEM_ALLOC_ENABLE=1</c> (libtorch ≥ 2.3 then aligns
/// allocations of ≥ 2 MB to 2 MB and madvises them as huge pages) unless the variable is already set. A training step
/// allocates and frees ~1.5 GB of temporaries; with 4 KB pages the page faults cost ~25% of a step's CPU time here.
/// libtorch reads the variable on its first allocation, so it is set in the native environment (setenv), not
/// only in .NET's copy.</item>
/// <item><c>SENSORIUM_LIBTORCH_DIR</c>: a folder with another libtorch (e.g. a pip torch's <c>torch/lib</c> with CUDA):
/// its <c>libc10.so</c>, <c>libtorch_cpu.so</c>, <c>libtorch_cuda.so</c> (if present) and <c>libtorch.so</c> are loaded
/// first, then our (patched) <c>libLibTorchSharp.so</c>, whose dependencies then bind to them by soname; TorchSharp's own
/// lookups of <c>torch_cpu</c>/<c>torch_cuda</c>/<c>LibTorchSharp</c> are answered with those handles, so the copies
/// in the build output are never loaded beside them. The libtorch must be ABI-compatible with TorchSharp 0.107
/// (libtorch 2.10.x).</item>
/// </list>
/// </summary>
public static class TorchNative
{
    public const string LibTorchDirVariable = "SENSORIUM_LIBTORCH_DIR";
    private static readonly object Gate = new();
    private static bool done;
    private static readonly Dictionary<string, IntPtr> Preloaded = new(StringComparer.Ordinal);

    /// <summary>What the last <see cref="Initialize"/> did, for diagnostics (one line per action).</summary>
    public static IReadOnlyList<string> Log { get; private set; } = [];

    /// <summary>Run the set-up once; throws <see cref="InvalidOperationException"/> with a clear message when
    /// <c>SENSORIUM_LIBTORCH_DIR</c> is set but cannot be used.</summary>
    public static void Initialize()
    {
        lock (Gate)
        {
            if (done) return;
            done = true;
            var log = new List<string>();
            try
            {
                EnableHugePages(log);
                string? dir = Environment.GetEnvironmentVariable(LibTorchDirVariable);
                if (!string.IsNullOrWhiteSpace(dir)) Preload(dir, log);
            }
            finally
            {
                Log = log;
            }
        }
    }

    private static void EnableHugePages(List<string> log)
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") is { } existing)
        {
            log.Add($"THP_MEM_ALLOC_ENABLE={existing} (kept)");
            return;
        }
        try
        {
            if (setenv("THP_MEM_ALLOC_ENABLE", "1", 0) == 0)
            {
                Environment.SetEnvironmentVariable("THP_MEM_ALLOC_ENABLE", "1");
                log.Add("THP_MEM_ALLOC_ENABLE=1");
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            log.Add("setenv unavailable: huge pages not enabled");
        }
    }

    private static void Preload(string dir, List<string> log)
    {
        if (!Directory.Exists(dir))
            throw new InvalidOperationException($"{LibTorchDirVariable}={dir}: no such folder.");
        string Lib(string name) => Path.Combine(dir, name);
        foreach (var required in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            if (!File.Exists(Lib(required)))
                throw new InvalidOperationException($"{LibTorchDirVariable}={dir}: {required} is missing (expected a libtorch lib folder, e.g. a pip torch's torch/lib).");
        // Dependencies first, so each later library binds to these by soname.
        foreach (var (key, file) in new[] { ("c10", "libc10.so"), ("torch_cpu", "libtorch_cpu.so"), ("c10_cuda", "libc10_cuda.so"),
                     ("torch_cuda", "libtorch_cuda.so"), ("torch", "libtorch.so") })
        {
            if (!File.Exists(Lib(file))) { log.Add($"{file}: not in {dir} (skipped)"); continue; }
            try
            {
                Preloaded[key] = NativeLibrary.Load(Lib(file));
                log.Add($"loaded {Lib(file)}");
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new InvalidOperationException($"{LibTorchDirVariable}: cannot load {Lib(file)}: {e.Message}", e);
            }
        }
        var torchSharp = typeof(TorchSharp.torch).Assembly;
        string ours = FindLibTorchSharp(torchSharp)
            ?? throw new InvalidOperationException("libLibTorchSharp.so is not in the build output (runtimes/linux-x64/native).");
        try
        {
            Preloaded["LibTorchSharp"] = NativeLibrary.Load(ours);
            log.Add($"loaded {ours}");
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                $"{LibTorchDirVariable}: {ours} does not link against the libtorch in {dir} (TorchSharp 0.107 needs libtorch 2.10.x): {e.Message}", e);
        }
        try
        {
            NativeLibrary.SetDllImportResolver(torchSharp, Resolve);
            log.Add("TorchSharp's native lookups answered with the preloaded libraries");
        }
        catch (InvalidOperationException)
        {
            log.Add("a resolver for TorchSharp was already set: lookups by name may load the build output's libtorch");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        string key = name.StartsWith("lib", StringComparison.Ordinal) ? name[3..] : name;
        if (key.EndsWith(".so", StringComparison.Ordinal)) key = key[..^3];
        return Preloaded.TryGetValue(key, out var handle) ? handle : IntPtr.Zero;
    }

    private static string? FindLibTorchSharp(Assembly torchSharp)
    {
        foreach (string baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(torchSharp.Location) ?? "" })
        {
            foreach (string candidate in new[]
                     {
                         Path.Combine(baseDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
                         Path.Combine(baseDir, "libLibTorchSharp.so"),
                     })
                if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
