using System.Runtime.InteropServices;
using TorchSharp;

namespace Sensorium.Models;

/// <summary>
/// libtorch's <c>torch.backends.cudnn.benchmark</c> switch (cuDNN tries its convolution algorithms for each new input
/// shape and keeps the fastest), which TorchSharp 0.107 does not expose. It is one flag of libtorch's process-wide
/// <c>at::Context</c>, reached through three C++ exports of the <c>libtorch_cpu.so</c> this process loaded (the build
/// output's, or <c>SENSORIUM_LIBTORCH_DIR</c>'s — <see cref="TorchNative"/>): <c>at::globalContext()</c>,
/// <c>at::Context::setBenchmarkCuDNN(bool)</c> and the getter <c>at::Context::benchmarkCuDNN() const</c>. On x86-64
/// and arm64 Linux (the Itanium C++ ABI) a member function is a plain C function whose first argument is <c>this</c>, so
/// the two methods are called with the context pointer first; every set is read back through the getter. The flag
/// exists without CUDA (the context is libtorch's own), so the round trip works on the CPU, where it has no effect.
/// </summary>
public static class CudnnBenchmark
{
    public const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    public const string SetterSymbol = "_ZN2at7Context17setBenchmarkCuDNNEb";
    public const string GetterSymbol = "_ZNK2at7Context14benchmarkCuDNNEv";

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContextFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool on);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFn(IntPtr context);

    private sealed record Entry(string Library, IntPtr Context, SetFn Set, GetFn Get);

    private static readonly object Gate = new();
    private static Entry? entry;

    /// <summary>The libtorch_cpu.so whose context is read and set (resolving it if needed).</summary>
    public static string Library => Resolve().Library;

    /// <summary>The switch's current value in the loaded libtorch. Throws <see cref="InvalidOperationException"/>
    /// naming the library and symbol when it cannot be reached.</summary>
    public static bool Get()
    {
        var e = Resolve();
        lock (Gate) return e.Get(e.Context);
    }

    /// <summary>Sets the switch and reads it back; throws <see cref="InvalidOperationException"/> when a symbol is
    /// missing or the value read back is not the one set.</summary>
    public static void Set(bool on)
    {
        var e = Resolve();
        lock (Gate)
        {
            e.Set(e.Context, on);
            bool now = e.Get(e.Context);
            if (now != on)
                throw new InvalidOperationException(
                    $"cuDNN benchmark: set to {on} in {e.Library}, but its getter reads {now} (the call did not take effect)");
        }
    }

    private static Entry Resolve()
    {
        lock (Gate)
        {
            if (entry is not null) return entry;
            TorchNative.Initialize();
            torch.InitializeDeviceType(DeviceType.CPU); // libtorch is loaded from here on
            var mapped = MappedLibraries("libtorch_cpu.so");
            if (mapped.Count == 0)
                throw new InvalidOperationException("cuDNN benchmark: no libtorch_cpu.so is mapped in this process (/proc/self/maps)");
            if (mapped.Count > 1)
                throw new InvalidOperationException(
                    $"cuDNN benchmark: {mapped.Count} different libtorch_cpu.so are loaded ({string.Join(", ", mapped)}); which one TorchSharp uses is unknown, so the switch is not set");
            string library = mapped[0];
            IntPtr handle;
            try { handle = NativeLibrary.Load(library); }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
            {
                throw new InvalidOperationException($"cuDNN benchmark: cannot open {library}: {ex.Message}", ex);
            }
            IntPtr Export(string symbol) => NativeLibrary.TryGetExport(handle, symbol, out IntPtr address)
                ? address
                : throw new InvalidOperationException($"cuDNN benchmark: {library} exports no {symbol} (a libtorch with another C++ ABI?)");
            var globalContext = Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(Export(GlobalContextSymbol));
            var set = Marshal.GetDelegateForFunctionPointer<SetFn>(Export(SetterSymbol));
            var get = Marshal.GetDelegateForFunctionPointer<GetFn>(Export(GetterSymbol));
            IntPtr context = globalContext();
            if (context == IntPtr.Zero) throw new InvalidOperationException($"cuDNN benchmark: at::globalContext() of {library} returned null");
            return entry = new Entry(library, context, set, get);
        }
    }

    /// <summary>The distinct paths of the mapped files named <paramref name="fileName"/> (from /proc/self/maps).</summary>
    public static IReadOnlyList<string> MappedLibraries(string fileName)
    {
        var paths = new List<string>();
        if (!File.Exists("/proc/self/maps")) return paths;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            string path = line[slash..].Trim();
            if (Path.GetFileName(path) == fileName && !paths.Contains(path)) paths.Add(path);
        }
        return paths;
    }
}
