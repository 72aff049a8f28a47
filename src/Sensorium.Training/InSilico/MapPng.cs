using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Sensorium.Training.InSilico;

/// <summary>
/// Small PNG pictures of H×W maps (RGB, no filter, deflate), enlarged by whole pixels: images as the screen would show
/// them (grey scale over the black..white range), signed maps on a blue–white–red scale symmetric about 0, and
/// non-negative maps on a white..dark scale. No imaging library needed.
/// </summary>
public static class MapPng
{
    /// <summary>An image in normalized units, black at <paramref name="min"/> and white at <paramref name="max"/>.</summary>
    public static byte[] Image(ReadOnlySpan<float> map, int h, int w, float min, float max, int zoom = 4)
    {
        var rgb = new byte[h * w * 3];
        for (int p = 0; p < h * w; p++)
        {
            byte v = (byte)Math.Clamp((int)Math.Round(255 * (map[p] - min) / Math.Max(1e-12f, max - min)), 0, 255);
            rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = v;
        }
        return Encode(rgb, h, w, zoom);
    }

    /// <summary>Signed map: blue (negative) – white (0) – red (positive), scaled by the largest magnitude.</summary>
    public static byte[] Signed(ReadOnlySpan<float> map, int h, int w, int zoom = 4)
    {
        float m = 1e-20f;
        foreach (var v in map) m = Math.Max(m, Math.Abs(v));
        var rgb = new byte[h * w * 3];
        for (int p = 0; p < h * w; p++)
        {
            double t = Math.Clamp(map[p] / m, -1, 1);
            byte fade = (byte)Math.Round(255 * (1 - Math.Abs(t)));
            (rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]) = t >= 0 ? ((byte)255, fade, fade) : (fade, fade, (byte)255);
        }
        return Encode(rgb, h, w, zoom);
    }

    /// <summary>Non-negative map (e.g. gradient energy, or a tuning table): white at 0, dark red at its maximum.</summary>
    public static byte[] Magnitude(ReadOnlySpan<float> map, int h, int w, int zoom = 4)
    {
        float m = 1e-20f, lo = float.MaxValue;
        foreach (var v in map) { m = Math.Max(m, v); lo = Math.Min(lo, v); }
        lo = Math.Min(lo, 0);
        var rgb = new byte[h * w * 3];
        for (int p = 0; p < h * w; p++)
        {
            double t = Math.Clamp((map[p] - lo) / Math.Max(1e-20, m - lo), 0, 1);
            rgb[3 * p] = (byte)Math.Round(255 - 105 * t);
            rgb[3 * p + 1] = rgb[3 * p + 2] = (byte)Math.Round(255 * (1 - t));
        }
        return Encode(rgb, h, w, zoom);
    }

    public static byte[] Encode(ReadOnlySpan<byte> rgb, int h, int w, int zoom)
    {
        if (rgb.Length != h * w * 3) throw new ArgumentException($"{rgb.Length} bytes for {h}×{w} RGB");
        zoom = Math.Max(1, zoom);
        int width = w * zoom, height = h * zoom;
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(output, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + width * 3]; // filter byte 0: none
            for (int y = 0; y < height; y++)
            {
                int sy = y / zoom;
                for (int x = 0; x < width; x++)
                {
                    int s = 3 * (sy * w + x / zoom);
                    row[1 + 3 * x] = rgb[s]; row[2 + 3 * x] = rgb[s + 1]; row[3 + 3 * x] = rgb[s + 2];
                }
                zlib.Write(row);
            }
        }
        Chunk(output, "IDAT", compressed.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc(Crc(0xFFFFFFFF, typeBytes), data) ^ 0xFFFFFFFF);
        output.Write(word);
    }

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }
}
