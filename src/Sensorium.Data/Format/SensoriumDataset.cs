namespace Sensorium.Data.Format;

/// <summary>
/// One mouse found in a dataset root: its release name, data key, and the folder and/or zip that hold it.
/// <see cref="Source"/> is the one opened: the extracted folder when it has data/ and meta/, otherwise the zip.
/// </summary>
public sealed record MouseEntry(string DataKey, string Name, string? FolderPath, string? ZipPath)
{
    public string Source => FolderPath is not null && IsMouseFolder(FolderPath) ? FolderPath : ZipPath ?? FolderPath!;

    public MouseSourceKind SourceKind => Source == FolderPath ? MouseSourceKind.Folder : MouseSourceKind.Zip;

    /// <summary>Opens <see cref="Source"/>, or the zip when <paramref name="preferZip"/> and one exists.</summary>
    public SensoriumMouse Open(bool preferZip = false) =>
        SensoriumMouse.Open(preferZip && ZipPath is not null ? ZipPath : Source, DataKey);

    internal static bool IsMouseFolder(string path) =>
        Directory.Exists(Path.Combine(path, "data")) && Directory.Exists(Path.Combine(path, "meta"));
}

/// <summary>
/// Finds the mice of a dataset root: folders and zips named static&lt;animal&gt;-&lt;session&gt;-&lt;scan&gt;-GrayImageNet-&lt;hash&gt;
/// directly inside it (other entries are ignored). A folder and its zip are one mouse, listed once. The path may also
/// be a single mouse (its folder or zip). Mice are listed in ordinal order of data key.
/// </summary>
public static class SensoriumDataset
{
    public static IReadOnlyList<MouseEntry> Discover(string path)
    {
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            string name = Path.GetFileName(path);
            return [new MouseEntry(DataKeys.FromName(name), name[..^Path.GetExtension(name).Length], null, path)];
        }
        if (!Directory.Exists(path))
            throw new DataFormatException(path, "not found (expected a dataset root, a mouse folder or a mouse zip)");
        if (MouseEntry.IsMouseFolder(path))
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
            return [new MouseEntry(DataKeys.FromName(name), name, path, null)];
        }

        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        var zips = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string dir in Directory.EnumerateDirectories(path))
            if (DataKeys.TryFromReleaseName(Path.GetFileName(dir)) is not null) folders[Path.GetFileName(dir)] = dir;
        foreach (string zip in Directory.EnumerateFiles(path, "*.zip"))
        {
            string name = Path.GetFileNameWithoutExtension(zip);
            if (DataKeys.TryFromReleaseName(name) is not null) zips[name] = zip;
        }

        var entries = new List<MouseEntry>();
        foreach (string name in folders.Keys.Union(zips.Keys).Order(StringComparer.Ordinal))
            entries.Add(new MouseEntry(DataKeys.TryFromReleaseName(name)!, name, folders.GetValueOrDefault(name), zips.GetValueOrDefault(name)));
        var duplicate = entries.GroupBy(e => e.DataKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new DataFormatException(path, $"data key {duplicate.Key} appears under several names ({string.Join(", ", duplicate.Select(e => e.Name))}); keep one");
        return entries.OrderBy(e => e.DataKey, StringComparer.Ordinal).ToList();
    }
}
