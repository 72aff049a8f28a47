using TorchSharp;
using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

public class TorchLoadTests
{
    [Fact]
    public void LibtorchLoadsAndComputes()
    {
        var a = tensor(new float[] { 1, 2, 3 });
        Assert.Equal(6f, a.sum().item<float>());
    }
}
