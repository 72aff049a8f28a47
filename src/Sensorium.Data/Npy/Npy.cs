using System.Globalization;
using System.Text;

namespace Sensorium.Data.Npy;

/// <summary>
/// Reads and writes numpy's .npy format (versions 1.0, 2.0 and 3.0; C and Fortran order; any byte order on read).
/// Every error names the file and what was expected.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Upper bound on a header's length; numpy itself refuses headers over 10,000 bytes by default.</summary>
    private const int MaxHeaderLength = 1 << 20;

    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new NpyFormatException(path, "file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads one array from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static NpyArray Read(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[8];
        int got = ReadFully(stream, prefix);
        if (got < 8) throw new NpyFormatException(name, got == 0 ? "empty file, expected an .npy header" : $"truncated: {got} bytes, expected at least the 8-byte .npy preamble");
        if (!prefix[..6].SequenceEqual(Magic)) throw new NpyFormatException(name, "not an .npy file (the magic string \\x93NUMPY is missing)");
        int major = prefix[6], minor = prefix[7];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            if (ReadFully(stream, len) < 2) throw new NpyFormatException(name, "truncated in the header length");
            headerLength = len[0] | (len[1] << 8);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            if (ReadFully(stream, len) < 4) throw new NpyFormatException(name, "truncated in the header length");
            uint l = BitConverter.ToUInt32(len);
            if (l > MaxHeaderLength) throw new NpyFormatException(name, $"header length {l} is implausible (over {MaxHeaderLength} bytes)");
            headerLength = (int)l;
        }
        else throw new NpyFormatException(name, $"format version {major}.{minor} is not supported (expected 1.x, 2.x or 3.x)");

        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength) throw new NpyFormatException(name, $"truncated in the header: expected {headerLength} header bytes");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (descr, fortran, shape) = ParseHeader(header, name);

        var dtype = NpyDType.TryParse(descr, out string? error) ?? throw new NpyFormatException(name, error!);
        long count = 1;
        foreach (int d in shape) count = checked(count * d);
        long byteCount = checked(count * dtype.ItemSize);
        if (byteCount > Array.MaxLength) throw new NpyFormatException(name, $"array of {byteCount} bytes is too large to read");
        if (stream.CanSeek && stream.Length - stream.Position < byteCount)
            throw new NpyFormatException(name, $"truncated: shape ({string.Join(", ", shape)}) of {descr} needs {byteCount} data bytes, the file has {stream.Length - stream.Position}");
        var data = new byte[byteCount];
        int read = ReadFully(stream, data);
        if (read < byteCount) throw new NpyFormatException(name, $"truncated: shape ({string.Join(", ", shape)}) of {descr} needs {byteCount} data bytes, the file has {read}");

        if (dtype.BigEndian) SwapBytes(data, dtype.SwapUnit);
        if (fortran && shape.Length > 1 && count > 1) data = FortranToC(data, shape, dtype.ItemSize);
        return new NpyArray(dtype with { BigEndian = false }, shape, data);
    }

    public static void Write(string path, NpyArray array)
    {
        string? dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, array);
    }

    /// <summary>Writes <paramref name="array"/> as version 1.0 (2.0 when the header needs it), C order, little-endian.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        string shape = array.Shape.Length switch
        {
            0 => "()",
            1 => $"({array.Shape[0]},)",
            _ => "(" + string.Join(", ", array.Shape) + ")",
        };
        string dict = $"{{'descr': '{array.DType.ToDescr()}', 'fortran_order': False, 'shape': {shape}, }}";
        int major = dict.Length + 1 + 10 > ushort.MaxValue ? 2 : 1;
        int preamble = major == 1 ? 10 : 12;
        int total = preamble + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        stream.Write(Magic);
        stream.WriteByte((byte)major);
        stream.WriteByte(0);
        if (major == 1)
        {
            stream.WriteByte((byte)(header.Length & 0xff));
            stream.WriteByte((byte)(header.Length >> 8));
        }
        else stream.Write(BitConverter.GetBytes((uint)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(array.Data);
    }

    /// <summary>Serialises to a byte array (for zip entries and tests).</summary>
    public static byte[] ToBytes(NpyArray array)
    {
        using var ms = new MemoryStream(array.Data.Length + 128);
        Write(ms, array);
        return ms.ToArray();
    }

    // ---- header parsing --------------------------------------------------------------------------------------

    /// <summary>Parses the Python dict literal of the header: descr, fortran_order and shape, in any key order.</summary>
    internal static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, string name)
    {
        string h = header.Trim().TrimEnd('\0').Trim();
        if (!h.StartsWith('{') || !h.EndsWith('}')) throw new NpyFormatException(name, $"header is not a Python dict literal: {Shorten(h)}");
        string? descr = null;
        bool? fortran = null;
        int[]? shape = null;
        int pos = 1;
        while (true)
        {
            SkipSpace(h, ref pos);
            if (pos < h.Length && h[pos] == '}') break;
            string key = ReadQuoted(h, ref pos, name);
            SkipSpace(h, ref pos);
            Expect(h, ref pos, ':', name);
            SkipSpace(h, ref pos);
            switch (key)
            {
                case "descr":
                    if (pos < h.Length && h[pos] == '[') throw new NpyFormatException(name, "structured dtypes (a list descr) are not supported; expected a plain dtype such as '<f4'");
                    descr = ReadQuoted(h, ref pos, name);
                    break;
                case "fortran_order":
                    if (Match(h, ref pos, "True")) fortran = true;
                    else if (Match(h, ref pos, "False")) fortran = false;
                    else throw new NpyFormatException(name, "header field 'fortran_order' must be True or False");
                    break;
                case "shape":
                    shape = ReadShape(h, ref pos, name);
                    break;
                default:
                    throw new NpyFormatException(name, $"unexpected header key '{key}' (expected descr, fortran_order, shape)");
            }
            SkipSpace(h, ref pos);
            if (pos < h.Length && h[pos] == ',') { pos++; continue; }
            SkipSpace(h, ref pos);
            if (pos < h.Length && h[pos] == '}') break;
            throw new NpyFormatException(name, $"malformed header near position {pos}: {Shorten(h)}");
        }
        if (descr is null) throw new NpyFormatException(name, "header lacks 'descr'");
        if (fortran is null) throw new NpyFormatException(name, "header lacks 'fortran_order'");
        if (shape is null) throw new NpyFormatException(name, "header lacks 'shape'");
        return (descr, fortran.Value, shape);
    }

    private static int[] ReadShape(string h, ref int pos, string name)
    {
        Expect(h, ref pos, '(', name);
        var dims = new List<int>();
        while (true)
        {
            SkipSpace(h, ref pos);
            if (pos < h.Length && h[pos] == ')') { pos++; break; }
            int start = pos;
            while (pos < h.Length && char.IsDigit(h[pos])) pos++;
            if (pos < h.Length && h[pos] == 'L') pos++; // Python 2 long suffix
            string digits = h[start..pos].TrimEnd('L');
            if (digits.Length > 0 && digits.All(char.IsAsciiDigit) && !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new NpyFormatException(name, $"shape entry {Shorten(digits)} is too large (at most {int.MaxValue} per dimension)");
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new NpyFormatException(name, $"shape entry '{Shorten(h[start..Math.Min(h.Length, Math.Max(pos, start + 12))])}' is not a non-negative integer");
            dims.Add(d);
            SkipSpace(h, ref pos);
            if (pos < h.Length && h[pos] == ',') pos++;
        }
        return dims.ToArray();
    }

    private static string ReadQuoted(string h, ref int pos, string name)
    {
        if (pos >= h.Length || (h[pos] != '\'' && h[pos] != '"')) throw new NpyFormatException(name, $"expected a quoted string at header position {pos}: {Shorten(h)}");
        char q = h[pos++];
        int end = h.IndexOf(q, pos);
        if (end < 0) throw new NpyFormatException(name, "unterminated string in header");
        string s = h[pos..end];
        pos = end + 1;
        return s;
    }

    private static void Expect(string h, ref int pos, char c, string name)
    {
        if (pos >= h.Length || h[pos] != c) throw new NpyFormatException(name, $"expected '{c}' at header position {pos}: {Shorten(h)}");
        pos++;
    }

    private static bool Match(string h, ref int pos, string word)
    {
        if (string.CompareOrdinal(h, pos, word, 0, word.Length) != 0) return false;
        pos += word.Length;
        return true;
    }

    private static void SkipSpace(string h, ref int pos)
    {
        while (pos < h.Length && char.IsWhiteSpace(h[pos])) pos++;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    // ---- data layout -----------------------------------------------------------------------------------------

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static void SwapBytes(byte[] data, int unit)
    {
        if (unit <= 1) return;
        for (int i = 0; i + unit <= data.Length; i += unit) data.AsSpan(i, unit).Reverse();
    }

    /// <summary>Reorders column-major (Fortran) element bytes into row-major (C) order.</summary>
    private static byte[] FortranToC(byte[] data, int[] shape, int itemSize)
    {
        int rank = shape.Length;
        var fStride = new long[rank];
        long s = 1;
        for (int k = 0; k < rank; k++) { fStride[k] = s; s *= shape[k]; }
        var result = new byte[data.Length];
        var index = new int[rank];
        long count = s;
        for (long c = 0; c < count; c++)
        {
            long f = 0;
            for (int k = 0; k < rank; k++) f += index[k] * fStride[k];
            Buffer.BlockCopy(data, (int)(f * itemSize), result, (int)(c * itemSize), itemSize);
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return result;
    }
}
