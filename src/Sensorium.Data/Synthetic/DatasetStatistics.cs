using Sensorium.Data.Npy;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// Writes <c>meta/statistics/&lt;name&gt;/all/{mean,std,min,max,median}.npy</c> as numpy computes them: population std
/// (ddof 0), median averaging the two middle values. Images: 0-d float64 over every pixel of every trial; the others
/// float32 per column.
/// </summary>
public static class DatasetStatistics
{
    public static readonly string[] Names = ["mean", "std", "min", "max", "median"];

    /// <summary>Image statistics from a histogram of all pixel values (256 bins, counting every trial).</summary>
    public static void WriteImages(string metaDir, long[] histogram)
    {
        long n = histogram.Sum();
        double sum = 0, sq = 0;
        int min = -1, max = 0;
        for (int v = 0; v < 256; v++)
        {
            if (histogram[v] == 0) continue;
            if (min < 0) min = v;
            max = v;
            sum += (double)v * histogram[v];
            sq += (double)v * v * histogram[v];
        }
        double mean = sum / n, std = Math.Sqrt(Math.Max(0, sq / n - mean * mean));
        double median = (Kth(histogram, (n - 1) / 2) + Kth(histogram, n / 2)) / 2.0;
        double[] values = [mean, std, min, max, median];
        string dir = Path.Combine(metaDir, "statistics", "images", "all");
        for (int k = 0; k < Names.Length; k++)
            Npy.Npy.Write(Path.Combine(dir, Names[k] + ".npy"), new NpyArray(NpyDType.Float64, [], BitConverter.GetBytes(values[k])));
    }

    private static int Kth(long[] histogram, long k)
    {
        long seen = 0;
        for (int v = 0; v < 256; v++)
        {
            seen += histogram[v];
            if (seen > k) return v;
        }
        return 255;
    }

    /// <summary>Writes per-column statistics (from <see cref="Compute"/>) under <c>meta/statistics/&lt;name&gt;/all</c>.</summary>
    public static void WriteColumns(string metaDir, string name, float[][] statistics)
    {
        string dir = Path.Combine(metaDir, "statistics", name, "all");
        for (int k = 0; k < Names.Length; k++)
            Npy.Npy.Write(Path.Combine(dir, Names[k] + ".npy"), NpyArray.FromFloat32(statistics[k]));
    }

    /// <summary>
    /// mean, std, min, max, median of each column of <paramref name="matrix"/> (row-major, <paramref name="columns"/>
    /// wide) over <paramref name="rows"/>. Works on blocks of 64 columns so that reads stay in cache.
    /// </summary>
    public static float[][] Compute(float[] matrix, int columns, IReadOnlyList<int> rows)
    {
        const int Block = 64;
        int m = rows.Count;
        var r = Enumerable.Range(0, 5).Select(_ => new float[columns]).ToArray();
        Parallel.For(0, (columns + Block - 1) / Block, () => new float[Block * m], (b, _, buffer) =>
        {
            int first = b * Block, width = Math.Min(Block, columns - first);
            for (int k = 0; k < m; k++)
            {
                long at = (long)rows[k] * columns + first;
                for (int c = 0; c < width; c++) buffer[c * m + k] = matrix[at + c];
            }
            for (int c = 0; c < width; c++)
            {
                var column = buffer.AsSpan(c * m, m);
                double sum = 0;
                foreach (float v in column) sum += v;
                double mean = sum / m, sq = 0;
                foreach (float v in column) { double d = v - mean; sq += d * d; }
                column.Sort();
                int j = first + c;
                r[0][j] = (float)mean;
                r[1][j] = (float)Math.Sqrt(sq / m);
                r[2][j] = column[0];
                r[3][j] = column[m - 1];
                r[4][j] = m % 2 == 1 ? column[m / 2] : (column[m / 2 - 1] + column[m / 2]) / 2f;
            }
            return buffer;
        }, _ => { });
        return r;
    }
}
