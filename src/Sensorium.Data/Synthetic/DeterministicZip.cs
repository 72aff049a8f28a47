using System.IO.Compression;

namespace Sensorium.Data.Synthetic;

/// <summary>
/// Zips a folder as the release does (one top folder named like the zip, directory entries included), with entries in
/// ordinal path order and a fixed timestamp, so the same folder always gives the same bytes.
/// </summary>
public static class DeterministicZip
{
    /// <summary>2022-06-20, the competition's start; every entry carries it.</summary>
    private static readonly DateTimeOffset Timestamp = new(2022, 6, 20, 0, 0, 0, TimeSpan.Zero);

    public static void Create(string folder, string zipPath)
    {
        string root = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var dirs = Directory.GetDirectories(folder, "*", SearchOption.AllDirectories)
            .Select(d => Relative(folder, d) + "/");
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Relative(folder, f));
        var entries = dirs.Concat(files).Append("").Select(e => root + "/" + e)
            .Select(e => e.EndsWith("//", StringComparison.Ordinal) ? e[..^1] : e)
            .Order(StringComparer.Ordinal).ToArray();
        string temp = zipPath + ".partial";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
        {
            foreach (string name in entries)
            {
                bool isDir = name.EndsWith('/');
                var entry = zip.CreateEntry(name, isDir ? CompressionLevel.NoCompression : CompressionLevel.Fastest);
                entry.LastWriteTime = Timestamp;
                entry.ExternalAttributes = (isDir ? 0x41ED : 0x81A4) << 16; // drwxr-xr-x / -rw-r--r--
                if (isDir) continue;
                using var source = File.OpenRead(Path.Combine(folder, name[(root.Length + 1)..]));
                using var target = entry.Open();
                source.CopyTo(target);
            }
        }
        File.Move(temp, zipPath, overwrite: true);
    }

    private static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');
}
