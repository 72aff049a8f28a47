using System.Runtime.InteropServices;
using TorchSharp;

namespace Sensorium.Training.Health;

/// <summary>
/// A diagnostic for issue 9 (nondeterministic NaN on the CPU): libtorch's CPU allocator can fill every new block
/// with a junk pattern (<c>0x7fedbeef</c>, a NaN as float32) or with zeros — c10's flags
/// <c>caffe2_cpu_allocator_do_junk_fill</c> / <c>_do_zero_fill</c>, exported by <c>libc10.so</c>. With junk fill, a
/// kernel that reads memory it never wrote (a value that otherwise depends on what the allocator handed back — the
/// same on one machine, different on another, different from run to run when frees happen on other threads) reads
/// NaN at once, and the training-health guard names the first non-finite gradient. Off unless
/// <see cref="Variable"/> is <c>junk</c> or <c>zero</c>. Tensors made from .NET arrays (<c>torch.tensor(array)</c>)
/// are not filled: their memory is the (pinned) array.
/// </summary>
public static class AllocatorFill
{
    public const string Variable = "SENSORIUM_ALLOC_FILL";

    /// <summary>Applies <see cref="Variable"/> (loads libtorch if needed); returns what it set, or null when unset.</summary>
    public static string? FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value) || value == "off") return null;
        if (value is not ("junk" or "zero")) throw new ArgumentException($"{Variable}={value}: expected junk, zero or off");
        return Apply(value);
    }

    /// <summary>Sets the fill of new CPU blocks for the whole process: "junk", "zero" or "off" (libtorch's default).
    /// Returns a description of what was set.</summary>
    public static string Apply(string mode)
    {
        if (mode is not ("junk" or "zero" or "off")) throw new ArgumentException($"fill mode {mode}: expected junk, zero or off", nameof(mode));
        torch.InitializeDeviceType(DeviceType.CPU); // libc10 is loaded from here on
        string library = LoadedC10() ?? throw new InvalidOperationException($"{Variable}: libc10.so is not loaded in this process");
        IntPtr handle = NativeLibrary.Load(library);
        IntPtr Flag(string name) => NativeLibrary.TryGetExport(handle, name, out IntPtr address)
            ? address : throw new InvalidOperationException($"{Variable}: {library} exports no {name}");
        Marshal.WriteByte(Flag(JunkFlag), mode == "junk" ? (byte)1 : (byte)0);
        Marshal.WriteByte(Flag(ZeroFlag), mode == "zero" ? (byte)1 : (byte)0);
        return $"new CPU blocks filled: {mode} ({library})";
    }

    private const string JunkFlag = "FLAGS_caffe2_cpu_allocator_do_junk_fill", ZeroFlag = "FLAGS_caffe2_cpu_allocator_do_zero_fill";

    /// <summary>The path of the libc10.so this process mapped (from /proc/self/maps).</summary>
    private static string? LoadedC10()
    {
        if (!File.Exists("/proc/self/maps")) return null;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            string path = line[slash..];
            if (Path.GetFileName(path) == "libc10.so") return path;
        }
        return null;
    }
}
