using System.Text;
using Sensorium.Data.Npy;

namespace Sensorium.Data.Tests.Npy;

public class NpyRoundTripTests
{
    private static NpyArray RoundTrip(NpyArray a) => Sensorium.Data.Npy.Npy.Read(new MemoryStream(Sensorium.Data.Npy.Npy.ToBytes(a)), "memory.npy");

    [Fact]
    public void Float32RoundTripsWithShape()
    {
        float[] v = [1.5f, -2.25f, float.MaxValue, 0f, float.Epsilon, 3f];
        var back = RoundTrip(NpyArray.FromFloat32(v, 2, 3));
        Assert.Equal("<f4", back.DType.ToDescr());
        Assert.Equal([2, 3], back.Shape);
        Assert.Equal(v, back.ToFloat32());
    }

    [Fact]
    public void Float64RoundTrips()
    {
        double[] v = [Math.PI, -1e300, 5e-324];
        var back = RoundTrip(NpyArray.FromFloat64(v));
        Assert.Equal("<f8", back.DType.ToDescr());
        Assert.Equal(v, back.ToFloat64());
    }

    [Fact]
    public void UInt8RoundTrips()
    {
        byte[] v = [0, 1, 127, 128, 255, 42];
        var back = RoundTrip(NpyArray.FromUInt8(v, 1, 2, 3));
        Assert.Equal("|u1", back.DType.ToDescr());
        Assert.Equal([1, 2, 3], back.Shape);
        Assert.Equal(v.Select(x => (float)x), back.ToFloat32());
    }

    [Fact]
    public void Int32AndInt64RoundTrip()
    {
        int[] i4 = [int.MinValue, -1, 0, int.MaxValue];
        long[] i8 = [long.MinValue, -7, 0, long.MaxValue];
        var b4 = RoundTrip(NpyArray.FromInt32(i4));
        var b8 = RoundTrip(NpyArray.FromInt64(i8));
        Assert.Equal("<i4", b4.DType.ToDescr());
        Assert.Equal("<i8", b8.DType.ToDescr());
        Assert.Equal(i4.Select(x => (long)x), b4.ToInt64());
        Assert.Equal(i8, b8.ToInt64());
        Assert.Equal(["-2147483648", "-1", "0", "2147483647"], b4.ToStrings());
    }

    [Fact]
    public void BoolRoundTrips()
    {
        bool[] v = [true, false, true];
        var back = RoundTrip(NpyArray.FromBool(v));
        Assert.Equal("|b1", back.DType.ToDescr());
        Assert.Equal(v, back.ToBool());
    }

    [Fact]
    public void UnicodeRoundTripsIncludingNonAscii()
    {
        string[] v = ["train", "validation", "final_test", "ünïcødé", "𝔁", ""];
        var back = RoundTrip(NpyArray.FromStrings(v));
        Assert.Equal("<U10", back.DType.ToDescr());
        Assert.Equal(v, back.ToStrings());
    }

    [Fact]
    public void ByteStringsRoundTrip()
    {
        string[] v = ["train", "test", "cfa0860e83a4c3a763a7e62d825349f7"];
        var back = RoundTrip(NpyArray.FromByteStrings(v));
        Assert.Equal("|S32", back.DType.ToDescr());
        Assert.Equal(v, back.ToStrings());
    }

    [Fact]
    public void ScalarAndEmptyArraysRoundTrip()
    {
        var scalar = RoundTrip(new NpyArray(NpyDType.Float64, [], BitConverter.GetBytes(81.25)));
        Assert.Empty(scalar.Shape);
        Assert.Equal(81.25, scalar.ToFloat64().Single());
        var empty = RoundTrip(NpyArray.FromFloat32([], 0, 5));
        Assert.Equal([0, 5], empty.Shape);
        Assert.Empty(empty.ToFloat32());
    }

    [Fact]
    public void WrittenHeaderIsPaddedTo64Bytes()
    {
        byte[] bytes = Sensorium.Data.Npy.Npy.ToBytes(NpyArray.FromFloat32([1f, 2f]));
        int headerLen = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLen) % 64);
        Assert.Equal((byte)'\n', bytes[10 + headerLen - 1]);
    }

    [Fact]
    public void FileRoundTrip()
    {
        using var dir = new TempDir();
        string path = dir["a/b/x.npy"];
        Sensorium.Data.Npy.Npy.Write(path, NpyArray.FromFloat32([1, 2, 3, 4], 2, 2));
        Assert.Equal([1f, 2, 3, 4], Sensorium.Data.Npy.Npy.Read(path).ToFloat32());
    }
}

/// <summary>Files as other writers (numpy with other options, big-endian machines) make them.</summary>
public class NpyForeignLayoutTests
{
    internal static byte[] Build(string header, byte[] data, int major = 1)
    {
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        byte[] h = Encoding.UTF8.GetBytes(header + "\n");
        if (major == 1) { ms.WriteByte((byte)(h.Length & 0xff)); ms.WriteByte((byte)(h.Length >> 8)); }
        else ms.Write(BitConverter.GetBytes((uint)h.Length));
        ms.Write(h);
        ms.Write(data);
        return ms.ToArray();
    }

    private static NpyArray Read(byte[] bytes) => Sensorium.Data.Npy.Npy.Read(new MemoryStream(bytes), "foreign.npy");

    [Fact]
    public void FortranOrderIsReturnedInCOrder()
    {
        // The 2x3 matrix [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6.
        float[] colMajor = [1, 4, 2, 5, 3, 6];
        var a = Read(Build("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", colMajor.SelectMany(BitConverter.GetBytes).ToArray()));
        Assert.Equal([1f, 2, 3, 4, 5, 6], a.ToFloat32());
    }

    [Fact]
    public void FortranOrderThreeDimensions()
    {
        // shape (2,2,2): C index (i,j,k) -> value 100i+10j+k; Fortran position i + 2j + 4k.
        var f = new double[8];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) for (int k = 0; k < 2; k++) f[i + 2 * j + 4 * k] = 100 * i + 10 * j + k;
        var a = Read(Build("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", f.SelectMany(BitConverter.GetBytes).ToArray()));
        Assert.Equal([0.0, 1, 10, 11, 100, 101, 110, 111], a.ToFloat64());
    }

    [Theory]
    [InlineData(">f4")]
    [InlineData(">f8")]
    [InlineData(">i4")]
    [InlineData(">i8")]
    public void BigEndianNumbersAreSwapped(string descr)
    {
        int size = descr[2] - '0';
        double[] values = [1, -2, 300];
        var data = new List<byte>();
        foreach (double v in values)
        {
            byte[] le = descr[1] switch
            {
                'f' when size == 4 => BitConverter.GetBytes((float)v),
                'f' => BitConverter.GetBytes(v),
                _ when size == 4 => BitConverter.GetBytes((int)v),
                _ => BitConverter.GetBytes((long)v),
            };
            data.AddRange(le.Reverse());
        }
        var a = Read(Build($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (3,), }}", data.ToArray()));
        Assert.Equal(values, a.ToFloat64());
    }

    [Fact]
    public void BigEndianUnicodeIsSwapped()
    {
        var data = "ab".SelectMany(c => BitConverter.GetBytes((int)c).Reverse()).Concat(new byte[8]).ToArray();
        var a = Read(Build("{'descr': '>U4', 'fortran_order': False, 'shape': (1,), }", data));
        Assert.Equal(["ab"], a.ToStrings());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Versions2And3AreRead(int major)
    {
        var a = Read(Build("{'shape': (2,), 'fortran_order': False, 'descr': '<i8'}", BitConverter.GetBytes(7L).Concat(BitConverter.GetBytes(-9L)).ToArray(), major));
        Assert.Equal([7L, -9L], a.ToInt64());
    }

    [Fact]
    public void OfficialFixturesAreRead()
    {
        var image = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("transform_input_uint8.npy"));
        Assert.Equal("|u1", image.DType.ToDescr());
        Assert.Equal([1, 144, 256], image.Shape);
        var trials = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("metrics_gt_trial_indices.npy"));
        Assert.Equal(NpyKind.Unicode, trials.DType.Kind);
        Assert.Equal(392, trials.ToStrings().Length);
        Assert.All(trials.ToStrings(), t => Assert.Matches("^[0-9a-f]{32}$", t));
        var responses = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("metrics_gt_responses.npy"));
        Assert.Equal([392, 50], responses.Shape);
        var meanStd = Sensorium.Data.Npy.Npy.Read(TestPaths.Official("transform_mean_std.npy")).ToFloat64();
        Assert.Equal([81.25, 52.5], meanStd);
    }
}

public class NpyMalformedTests
{
    private static NpyFormatException Fails(byte[] bytes) =>
        Assert.Throws<NpyFormatException>(() => Sensorium.Data.Npy.Npy.Read(new MemoryStream(bytes), "bad.npy"));

    [Fact]
    public void EmptyFile() => Assert.Contains("empty", Fails([]).Message);

    [Fact]
    public void NotNpy() => Assert.Contains("magic", Fails(Encoding.ASCII.GetBytes("hello world, not numpy")).Message);

    [Fact]
    public void UnknownVersion()
    {
        var b = NpyForeignLayoutTests.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        b[6] = 9;
        Assert.Contains("version 9", Fails(b).Message);
    }

    [Fact]
    public void A_thirteen_digit_dimension_is_named_whole_and_called_too_large()
    {
        var b = NpyForeignLayoutTests.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 2), }", new byte[4]);
        var message = Fails(b).Message;
        Assert.Contains("shape entry 1099511627776 is too large", message);
        Assert.DoesNotContain("not a non-negative integer", message);
        Assert.Contains("not a non-negative integer", Fails(NpyForeignLayoutTests.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", new byte[4])).Message);
    }

    [Fact]
    public void TruncatedHeader()
    {
        var b = NpyForeignLayoutTests.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        Assert.Contains("truncated in the header", Fails(b[..20]).Message);
    }

    [Fact]
    public void TruncatedData()
    {
        var full = Sensorium.Data.Npy.Npy.ToBytes(NpyArray.FromFloat32(new float[100], 10, 10));
        var ex = Fails(full[..^10]);
        Assert.StartsWith("bad.npy: truncated", ex.Message);
        Assert.Contains("400 data bytes", ex.Message);
    }

    [Fact]
    public void TruncatedDataOnNonSeekableStream()
    {
        var full = Sensorium.Data.Npy.Npy.ToBytes(NpyArray.FromFloat32(new float[100], 10, 10));
        var ex = Assert.Throws<NpyFormatException>(() => Sensorium.Data.Npy.Npy.Read(new NonSeekable(full[..^10]), "zip:bad.npy"));
        Assert.Contains("truncated", ex.Message);
    }

    [Theory]
    [InlineData("<c8")]
    [InlineData("O")]
    [InlineData("<M8")]
    [InlineData("<f2")]
    public void UnknownDtype(string descr)
    {
        var b = NpyForeignLayoutTests.Build($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}", new byte[16]);
        var ex = Fails(b);
        Assert.Contains(descr, ex.Message);
        Assert.Contains("not supported", ex.Message);
    }

    [Fact]
    public void StructuredDtype()
    {
        var b = NpyForeignLayoutTests.Build("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        Assert.Contains("structured", Fails(b).Message);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'shape': (1,), }", "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", "shape")]
    [InlineData("{'fortran_order': False, 'shape': (1,), }", "descr")]
    [InlineData("{'descr': '<f4', 'fortran_order': maybe, 'shape': (1,), }", "True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "shape entry")]
    [InlineData("not a dict", "dict")]
    public void BadHeaders(string header, string expected)
    {
        var b = NpyForeignLayoutTests.Build(header, new byte[4]);
        Assert.Contains(expected, Fails(b).Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var ex = Assert.Throws<NpyFormatException>(() => Sensorium.Data.Npy.Npy.Read("/nonexistent/x.npy"));
        Assert.Equal("/nonexistent/x.npy", ex.FileName);
    }

    [Fact]
    public void ConvertingStringsToNumbersIsRefused()
    {
        var a = NpyArray.FromStrings(["train"]);
        Assert.Throws<InvalidOperationException>(() => a.ToFloat32());
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
