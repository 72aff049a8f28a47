using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

public sealed class TorchDeviceTests
{
    [Fact]
    public void CpuAndAutoResolve()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("cpu").type);
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, TorchDevice.Resolve(" Auto ").type);
    }

    [Fact]
    public void CudaWithoutCudaIsAClearError()
    {
        if (cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, TorchDevice.Resolve("cuda").type);
            return;
        }
        var error = Assert.Throws<InvalidOperationException>(() => TorchDevice.Resolve("cuda"));
        Assert.Contains("CUDA is not available", error.Message);
    }

    [Fact]
    public void UnknownChoiceIsRejected() =>
        Assert.Throws<ArgumentException>(() => TorchDevice.Resolve("tpu"));
}
