using TorchSharp;

namespace Sensorium.Models;

/// <summary>
/// Long-lived TorchSharp <see cref="Scalar"/>s for the training step's hot path. A Scalar made by implicit conversion
/// (<c>tensor + 1</c>, and TorchSharp's own <c>add_(tensor)</c>, which passes an alpha of 1) is referenced by nothing
/// once its native handle is read, and its finalizer frees that handle: a collection during the native call frees the
/// scalar under the kernel's feet. The GC-stress diagnostic (<c>NondeterminismTests</c>) caught it there twice ("Unknown
/// scalar type"). A static field keeps these reachable for the whole process.
/// </summary>
public static class TorchScalars
{
    public static readonly Scalar One = 1.0;
}
