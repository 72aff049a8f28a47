namespace Sensorium.Data.Npy;

/// <summary>The element kinds an .npy file of the Sensorium release can hold (numpy type characters).</summary>
public enum NpyKind
{
    Bool,     // b1
    Int,      // i1 i2 i4 i8
    UInt,     // u1 u2 u4 u8
    Float,    // f4 f8
    Unicode,  // U<n>: UTF-32, n code points per element
    Bytes,    // S<n>: n bytes per element, NUL padded
}

/// <summary>A parsed numpy <c>descr</c> such as <c>&lt;f4</c>, <c>|u1</c> or <c>&lt;U32</c>.</summary>
/// <param name="Kind">Element kind.</param>
/// <param name="ItemSize">Bytes per element (for Unicode 4 × length).</param>
/// <param name="BigEndian">True when the file stores multi-byte values big-endian ('&gt;').</param>
public readonly record struct NpyDType(NpyKind Kind, int ItemSize, bool BigEndian)
{
    public static readonly NpyDType Bool = new(NpyKind.Bool, 1, false);
    public static readonly NpyDType UInt8 = new(NpyKind.UInt, 1, false);
    public static readonly NpyDType Int32 = new(NpyKind.Int, 4, false);
    public static readonly NpyDType Int64 = new(NpyKind.Int, 8, false);
    public static readonly NpyDType Float32 = new(NpyKind.Float, 4, false);
    public static readonly NpyDType Float64 = new(NpyKind.Float, 8, false);
    public static NpyDType Unicode(int length) => new(NpyKind.Unicode, 4 * Math.Max(1, length), false);
    public static NpyDType Bytes(int length) => new(NpyKind.Bytes, Math.Max(1, length), false);

    /// <summary>The width in bytes of one scalar that byte order applies to (4 for UTF-32 code units, 1 for bytes).</summary>
    internal int SwapUnit => Kind switch
    {
        NpyKind.Unicode => 4,
        NpyKind.Bytes or NpyKind.Bool => 1,
        _ => ItemSize,
    };

    /// <summary>Parses a descr string; returns null with a reason when it is not one we read.</summary>
    public static NpyDType? TryParse(string descr, out string? error)
    {
        error = null;
        if (descr.Length < 2) { error = $"dtype '{descr}' is not supported (expected one of |b1, i1/i2/i4/i8, u1/u2/u4/u8, f4/f8, U<n>, S<n>)"; return null; }
        char order = descr[0];
        string rest = descr[1..];
        if (order is not ('<' or '>' or '|' or '='))
        {
            order = '|';
            rest = descr;
        }
        bool big = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        char type = rest[0];
        if (!int.TryParse(rest.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int size) || size <= 0)
        {
            error = $"dtype '{descr}' has no valid size";
            return null;
        }
        NpyDType? result = type switch
        {
            'b' when size == 1 => new NpyDType(NpyKind.Bool, 1, false),
            'i' when size is 1 or 2 or 4 or 8 => new NpyDType(NpyKind.Int, size, big && size > 1),
            'u' when size is 1 or 2 or 4 or 8 => new NpyDType(NpyKind.UInt, size, big && size > 1),
            'f' when size is 4 or 8 => new NpyDType(NpyKind.Float, size, big),
            'U' => new NpyDType(NpyKind.Unicode, checked(size * 4), big),
            'S' => new NpyDType(NpyKind.Bytes, size, false),
            _ => null,
        };
        if (result is null)
            error = $"dtype '{descr}' is not supported (expected one of |b1, i1/i2/i4/i8, u1/u2/u4/u8, f4/f8, U<n>, S<n>)";
        return result;
    }

    /// <summary>The descr this library writes (always little-endian).</summary>
    public string ToDescr() => Kind switch
    {
        NpyKind.Bool => "|b1",
        NpyKind.Int => ItemSize == 1 ? "|i1" : $"<i{ItemSize}",
        NpyKind.UInt => ItemSize == 1 ? "|u1" : $"<u{ItemSize}",
        NpyKind.Float => $"<f{ItemSize}",
        NpyKind.Unicode => $"<U{ItemSize / 4}",
        NpyKind.Bytes => $"|S{ItemSize}",
        _ => throw new InvalidOperationException($"unknown kind {Kind}"),
    };
}
