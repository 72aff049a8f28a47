using System.IO.Compression;

namespace Sensorium.Data.Format;

/// <summary>
/// A mouse read straight from its zip (no extraction). The release zips hold one top folder named like the zip, with
/// data/ and meta/ inside; a zip with data/ and meta/ at its root, or with a single differently named top folder, is
/// accepted too. macOS "__MACOSX/" entries are ignored.
/// </summary>
internal sealed class ZipMouseFiles : MouseFiles
{
    private readonly string _path;
    private readonly FileStream _stream;
    private readonly ZipArchive _archive;
    private readonly Dictionary<string, ZipArchiveEntry> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _directories = new(StringComparer.Ordinal);

    /// <summary>The top folder inside the zip ("static…/"), or "" when data/ and meta/ sit at its root.</summary>
    public string Prefix { get; }

    public ZipMouseFiles(string path)
    {
        _path = Path.GetFullPath(path);
        _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        try
        {
            _archive = new ZipArchive(_stream, ZipArchiveMode.Read, leaveOpen: false);
            Prefix = FindPrefix();
            foreach (var entry in _archive.Entries)
            {
                string name = entry.FullName.Replace('\\', '/');
                if (!name.StartsWith(Prefix, StringComparison.Ordinal) || name.EndsWith('/')) continue;
                string relative = name[Prefix.Length..];
                _files[relative] = entry;
                // Register every folder on the way, so ListFiles and DirectoryExists see them.
                _directories.TryAdd("", []);
                for (int i = relative.IndexOf('/'); i >= 0; i = relative.IndexOf('/', i + 1))
                    _directories.TryAdd(relative[..i], []);
                int slash = relative.LastIndexOf('/');
                _directories[slash < 0 ? "" : relative[..slash]].Add(relative[(slash + 1)..]);
            }
        }
        catch (InvalidDataException e)
        {
            _stream.Dispose();
            throw new DataFormatException(_path, $"not a readable zip archive ({e.Message})");
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    private string FindPrefix()
    {
        var names = _archive.Entries.Select(e => e.FullName.Replace('\\', '/'))
            .Where(n => !n.StartsWith("__MACOSX/", StringComparison.Ordinal)).ToList();
        static bool HasLayout(List<string> names, string prefix) =>
            names.Any(n => n.StartsWith(prefix + "data/", StringComparison.Ordinal)) &&
            names.Any(n => n.StartsWith(prefix + "meta/", StringComparison.Ordinal));

        string own = Path.GetFileNameWithoutExtension(_path) + "/";
        if (HasLayout(names, own)) return own;
        if (HasLayout(names, "")) return "";
        var tops = names.Where(n => n.Contains('/')).Select(n => n[..(n.IndexOf('/') + 1)]).Distinct().ToList();
        if (tops.Count == 1 && HasLayout(names, tops[0])) return tops[0];
        throw new DataFormatException(_path, $"zip layout not recognised: expected data/ and meta/ inside a top folder '{own}' (or at the zip's root)");
    }

    public override string Source => _path;
    public override MouseSourceKind Kind => MouseSourceKind.Zip;
    public override bool FileExists(string relative) => _files.ContainsKey(relative);
    public override bool DirectoryExists(string relative) => _directories.ContainsKey(relative);

    public override IReadOnlyList<string> ListFiles(string relativeDirectory) =>
        _directories.TryGetValue(relativeDirectory, out var list) ? list : [];

    protected override Stream OpenExisting(string relative)
    {
        try { return _files[relative].Open(); }
        catch (InvalidDataException e) { throw new DataFormatException(Describe(relative), $"corrupt zip entry ({e.Message})"); }
    }

    public override string Describe(string relative) => $"{_path}!/{Prefix}{relative}";
    public override MouseFiles Reopen() => new ZipMouseFiles(_path);
    public override void Dispose() => _archive.Dispose();
}
