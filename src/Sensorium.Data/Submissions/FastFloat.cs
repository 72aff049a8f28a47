using System.Globalization;

namespace Sensorium.Data.Submissions;

/// <summary>
/// Parses decimal numbers from UTF-8 bytes. Short inputs (≤ 19 significant digits whose mantissa fits 2^53, decimal
/// exponent within ±22) take Clinger's exact fast path: one correctly rounded multiply or divide of two exact doubles.
/// Everything else (17-digit reprs, nan, inf, odd forms) goes to the runtime's parser, so results always equal
/// <see cref="double.Parse(string)"/>.
/// </summary>
internal static class FastFloat
{
    private static readonly double[] PowersOf10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static bool TryParse(ReadOnlySpan<byte> s, out double value)
    {
        if (TryParsePrefix(s, out value, out int used) && used == s.Length) return true;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// The fast path on the number at the start of <paramref name="s"/>: true with the bytes it used when the number
    /// is exact this way; false when the caller must use <see cref="TryParse"/> on the whole token.
    /// </summary>
    // Hot loop of a one-shot command: compile fully optimized at once (no tier-0 first pass).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool TryParsePrefix(ReadOnlySpan<byte> s, out double value, out int used)
    {
        used = 0;
        value = 0;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+')) { negative = s[i] == (byte)'-'; i++; }
        ulong mantissa = 0;
        int digits = 0, exponent = 0;
        bool any = false;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
        {
            any = true;
            if (mantissa == 0 && s[i] == (byte)'0') continue;
            if (++digits > 19) return false;
            mantissa = mantissa * 10 + (uint)(s[i] - '0');
        }
        if (i < s.Length && s[i] == (byte)'.')
        {
            for (i++; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
            {
                any = true;
                exponent--;
                if (mantissa == 0 && s[i] == (byte)'0') continue;
                if (++digits > 19) return false;
                mantissa = mantissa * 10 + (uint)(s[i] - '0');
            }
        }
        if (!any) return false;
        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            i++;
            bool negExp = false;
            if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+')) { negExp = s[i] == (byte)'-'; i++; }
            int e = 0, start = i;
            for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
            {
                if (e > 10000) return false;
                e = e * 10 + (s[i] - '0');
            }
            if (i == start) return false;
            exponent += negExp ? -e : e;
        }
        if (mantissa > (1UL << 53)) return false;
        used = i;
        double m = mantissa;
        if (mantissa == 0) value = 0;
        else if (exponent == 0) value = m;
        else if (exponent < 0 && exponent >= -22) value = m / PowersOf10[-exponent];
        else if (exponent > 0 && exponent <= 22) value = m * PowersOf10[exponent];
        else return false;
        if (negative) value = -value;
        return true;
    }
}
