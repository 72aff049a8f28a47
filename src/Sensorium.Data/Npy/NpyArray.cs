using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Sensorium.Data.Npy;

/// <summary>
/// An n-dimensional array as stored in an .npy file. <see cref="Data"/> always holds the elements in C (row-major)
/// order and little-endian byte order, whatever order the file used; the converters read from it.
/// </summary>
public sealed class NpyArray
{
    public NpyArray(NpyDType dtype, int[] shape, byte[] data)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape ({string.Join(",", shape)})");
            count *= d;
        }
        if (count * dtype.ItemSize != data.LongLength)
            throw new ArgumentException($"data holds {data.LongLength} bytes, shape ({string.Join(",", shape)}) of {dtype.ToDescr()} needs {count * dtype.ItemSize}");
        DType = dtype;
        Shape = shape;
        Data = data;
        Count = count;
    }

    public NpyDType DType { get; }
    public int[] Shape { get; }
    public byte[] Data { get; }

    /// <summary>Number of elements (product of the shape; 1 for a 0-d scalar).</summary>
    public long Count { get; }

    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");

    // ---- factories -------------------------------------------------------------------------------------------

    public static NpyArray FromFloat32(float[] values, params int[] shape) => new(NpyDType.Float32, ShapeOr(shape, values.Length), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    public static NpyArray FromFloat64(double[] values, params int[] shape) => new(NpyDType.Float64, ShapeOr(shape, values.Length), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    public static NpyArray FromInt32(int[] values, params int[] shape) => new(NpyDType.Int32, ShapeOr(shape, values.Length), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    public static NpyArray FromInt64(long[] values, params int[] shape) => new(NpyDType.Int64, ShapeOr(shape, values.Length), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    public static NpyArray FromUInt8(byte[] values, params int[] shape) => new(NpyDType.UInt8, ShapeOr(shape, values.Length), (byte[])values.Clone());
    public static NpyArray FromBool(bool[] values, params int[] shape) => new(NpyDType.Bool, ShapeOr(shape, values.Length), values.Select(v => v ? (byte)1 : (byte)0).ToArray());

    /// <summary>A numpy unicode array (<c>&lt;U n</c>, UTF-32LE, n = longest string) as np.save writes str arrays.</summary>
    public static NpyArray FromStrings(string[] values, params int[] shape)
    {
        int length = Math.Max(1, values.Length == 0 ? 1 : values.Max(s => s.EnumerateRunes().Count()));
        var dtype = NpyDType.Unicode(length);
        var data = new byte[values.Length * dtype.ItemSize];
        for (int i = 0; i < values.Length; i++)
        {
            int at = i * dtype.ItemSize;
            foreach (Rune r in values[i].EnumerateRunes())
            {
                BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(at), r.Value);
                at += 4;
            }
        }
        return new NpyArray(dtype, ShapeOr(shape, values.Length), data);
    }

    /// <summary>A numpy bytes array (<c>|S n</c>, ASCII, NUL padded).</summary>
    public static NpyArray FromByteStrings(string[] values, params int[] shape)
    {
        int length = Math.Max(1, values.Length == 0 ? 1 : values.Max(s => Encoding.ASCII.GetByteCount(s)));
        var dtype = NpyDType.Bytes(length);
        var data = new byte[values.Length * dtype.ItemSize];
        for (int i = 0; i < values.Length; i++)
            Encoding.ASCII.GetBytes(values[i], data.AsSpan(i * dtype.ItemSize));
        return new NpyArray(dtype, ShapeOr(shape, values.Length), data);
    }

    private static int[] ShapeOr(int[] shape, int length) => shape.Length == 0 ? [length] : shape;

    // ---- converters ------------------------------------------------------------------------------------------

    public bool IsNumeric => DType.Kind is NpyKind.Bool or NpyKind.Int or NpyKind.UInt or NpyKind.Float;

    /// <summary>Element <paramref name="i"/> (C order) as a double; numeric and bool arrays only.</summary>
    public double GetDouble(long i)
    {
        var s = Data.AsSpan(checked((int)(i * DType.ItemSize)), DType.ItemSize);
        return (DType.Kind, DType.ItemSize) switch
        {
            (NpyKind.Float, 4) => BinaryPrimitives.ReadSingleLittleEndian(s),
            (NpyKind.Float, 8) => BinaryPrimitives.ReadDoubleLittleEndian(s),
            (NpyKind.Int, 1) => (sbyte)s[0],
            (NpyKind.Int, 2) => BinaryPrimitives.ReadInt16LittleEndian(s),
            (NpyKind.Int, 4) => BinaryPrimitives.ReadInt32LittleEndian(s),
            (NpyKind.Int, 8) => BinaryPrimitives.ReadInt64LittleEndian(s),
            (NpyKind.UInt, 1) or (NpyKind.Bool, 1) => s[0],
            (NpyKind.UInt, 2) => BinaryPrimitives.ReadUInt16LittleEndian(s),
            (NpyKind.UInt, 4) => BinaryPrimitives.ReadUInt32LittleEndian(s),
            (NpyKind.UInt, 8) => BinaryPrimitives.ReadUInt64LittleEndian(s),
            _ => throw new InvalidOperationException($"array of {DType.ToDescr()} is not numeric"),
        };
    }

    public float[] ToFloat32()
    {
        RequireNumeric("float32");
        var result = new float[Count];
        if (DType == NpyDType.Float32) MemoryMarshal.Cast<byte, float>(Data).CopyTo(result);
        else if (DType == NpyDType.UInt8) for (int i = 0; i < result.Length; i++) result[i] = Data[i];
        else for (long i = 0; i < Count; i++) result[i] = (float)GetDouble(i);
        return result;
    }

    /// <summary>Writes the elements as float32 into <paramref name="target"/> (length = <see cref="Count"/>), without allocating.</summary>
    public void CopyToFloat32(Span<float> target)
    {
        RequireNumeric("float32");
        if (target.Length != Count) throw new ArgumentException($"target holds {target.Length} elements, array has {Count}");
        if (DType == NpyDType.Float32) MemoryMarshal.Cast<byte, float>(Data).CopyTo(target);
        else if (DType == NpyDType.UInt8) for (int i = 0; i < target.Length; i++) target[i] = Data[i];
        else if (DType == NpyDType.Float64)
        {
            var d = MemoryMarshal.Cast<byte, double>(Data);
            for (int i = 0; i < target.Length; i++) target[i] = (float)d[i];
        }
        else for (int i = 0; i < target.Length; i++) target[i] = (float)GetDouble(i);
    }

    public double[] ToFloat64()
    {
        RequireNumeric("float64");
        var result = new double[Count];
        if (DType == NpyDType.Float64) MemoryMarshal.Cast<byte, double>(Data).CopyTo(result);
        else for (long i = 0; i < Count; i++) result[i] = GetDouble(i);
        return result;
    }

    public long[] ToInt64()
    {
        if (DType.Kind is not (NpyKind.Int or NpyKind.UInt or NpyKind.Bool))
        {
            if (DType.Kind == NpyKind.Float)
            {
                var values = ToFloat64();
                var asLong = new long[values.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    if (values[i] != Math.Floor(values[i]) || double.IsInfinity(values[i]))
                        throw new InvalidOperationException($"element {i} = {values[i]} is not an integer");
                    asLong[i] = (long)values[i];
                }
                return asLong;
            }
            throw new InvalidOperationException($"array of {DType.ToDescr()} does not hold integers");
        }
        var result = new long[Count];
        if (DType == NpyDType.Int64) MemoryMarshal.Cast<byte, long>(Data).CopyTo(result);
        else for (long i = 0; i < Count; i++) result[i] = checked((long)GetDouble(i));
        return result;
    }

    /// <summary>
    /// Elements as strings: unicode and bytes arrays are decoded (trailing NULs dropped); integers and bools are
    /// written in invariant culture (so integer trial indices and hash strings can be handled alike).
    /// </summary>
    public string[] ToStrings()
    {
        var result = new string[Count];
        int size = DType.ItemSize;
        switch (DType.Kind)
        {
            case NpyKind.Unicode:
                var sb = new StringBuilder();
                for (long i = 0; i < Count; i++)
                {
                    sb.Clear();
                    for (int k = 0; k < size; k += 4)
                    {
                        int cp = BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan((int)(i * size + k), 4));
                        if (cp == 0) break;
                        if (!Rune.IsValid(cp)) throw new InvalidOperationException($"element {i} holds an invalid code point {cp}");
                        sb.Append(new Rune(cp).ToString());
                    }
                    result[i] = sb.ToString();
                }
                break;
            case NpyKind.Bytes:
                for (long i = 0; i < Count; i++)
                {
                    var s = Data.AsSpan((int)(i * size), size);
                    int end = s.IndexOf((byte)0);
                    result[i] = Encoding.UTF8.GetString(end < 0 ? s : s[..end]);
                }
                break;
            case NpyKind.Int or NpyKind.UInt:
                var ints = ToInt64();
                for (long i = 0; i < Count; i++) result[i] = ints[i].ToString(CultureInfo.InvariantCulture);
                break;
            case NpyKind.Bool:
                for (long i = 0; i < Count; i++) result[i] = Data[i] != 0 ? "True" : "False";
                break;
            default:
                for (long i = 0; i < Count; i++) result[i] = GetDouble(i).ToString("R", CultureInfo.InvariantCulture);
                break;
        }
        return result;
    }

    public bool[] ToBool()
    {
        if (DType.Kind != NpyKind.Bool) throw new InvalidOperationException($"array of {DType.ToDescr()} is not boolean");
        return Data.Select(b => b != 0).ToArray();
    }

    private void RequireNumeric(string to)
    {
        if (!IsNumeric) throw new InvalidOperationException($"array of {DType.ToDescr()} cannot be converted to {to}");
    }
}
