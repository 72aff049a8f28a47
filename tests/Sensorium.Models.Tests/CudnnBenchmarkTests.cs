using static TorchSharp.torch;

namespace Sensorium.Models.Tests;

/// <summary>
/// The cuDNN benchmark switch reached through libtorch's C++ exports (<see cref="CudnnBenchmark"/>) and the
/// channels-last layout (<see cref="MemoryLayout"/>), on the real libtorch this process loaded. The flag lives in
/// libtorch's global context, which exists without CUDA, so the round trip runs on the CPU.
/// </summary>
public class CudnnBenchmarkTests
{
    [Fact]
    public void Setting_the_flag_round_trips_through_libtorchs_getter()
    {
        bool before = CudnnBenchmark.Get();
        try
        {
            // A wrong calling convention (this not first, bool read from the wrong register) would not read back both ways.
            CudnnBenchmark.Set(true);
            Assert.True(CudnnBenchmark.Get());
            CudnnBenchmark.Set(false);
            Assert.False(CudnnBenchmark.Get());
            CudnnBenchmark.Set(true);
            Assert.True(CudnnBenchmark.Get());
        }
        finally
        {
            CudnnBenchmark.Set(before);
        }
        Assert.Equal(before, CudnnBenchmark.Get());
    }

    [Fact]
    public void The_flag_is_read_from_the_one_libtorch_cpu_this_process_mapped()
    {
        _ = CudnnBenchmark.Get();
        string library = CudnnBenchmark.Library;
        Assert.Equal("libtorch_cpu.so", Path.GetFileName(library));
        Assert.Equal([library], CudnnBenchmark.MappedLibraries("libtorch_cpu.so"));
        Assert.Empty(CudnnBenchmark.MappedLibraries("no-such-library.so"));
    }

    [Fact]
    public void Channels_last_has_pytorchs_strides_and_the_same_values()
    {
        using var x = arange(2 * 3 * 4 * 5, dtype: ScalarType.Float32).reshape(2, 3, 4, 5);
        Assert.False(MemoryLayout.IsChannelsLast(x));
        using var cl = MemoryLayout.ChannelsLast(x);
        Assert.Equal(x.shape, cl.shape);
        Assert.Equal([60L, 1L, 15L, 3L], cl.stride()); // torch: x.contiguous(memory_format=torch.channels_last).stride()
        Assert.True(MemoryLayout.IsChannelsLast(cl));
        Assert.True(x.eq(cl).all().item<bool>());
        // One channel (the Sensorium input): only the channel stride differs from the default (H·W) — what libtorch reads.
        using var one = randn(4, 1, 6, 8);
        Assert.Equal([48L, 48L, 8L, 1L], one.stride());
        using var oneCl = MemoryLayout.ChannelsLast(one);
        Assert.Equal([48L, 1L, 8L, 1L], oneCl.stride());
        Assert.True(one.eq(oneCl).all().item<bool>());
        Assert.Throws<ArgumentException>(() => MemoryLayout.ChannelsLast(randn(2, 3)));
    }

    [Fact]
    public void A_convolution_given_a_channels_last_input_computes_in_channels_last_with_the_same_result()
    {
        using var conv = TorchSharp.torch.nn.Conv2d(3, 8, 3, padding: 1);
        using var x = randn(2, 3, 10, 12);
        using var plain = conv.call(x);
        using var cl = conv.call(MemoryLayout.ChannelsLast(x));
        Assert.False(MemoryLayout.IsChannelsLast(plain));
        Assert.True(MemoryLayout.IsChannelsLast(cl)); // libtorch chose the layout from the input's strides
        Assert.True(plain.allclose(cl, rtol: 1e-5, atol: 1e-5));
    }
}
