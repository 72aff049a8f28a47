using Sensorium.Data.Npy;

namespace Sensorium.Data.Format;

/// <summary>Where one mouse's files live: an extracted folder or the release zip.</summary>
public enum MouseSourceKind { Folder, Zip }

/// <summary>
/// Read access to the files of one mouse by relative path ("data/images/0.npy", "meta/trials/tiers.npy"), whether
/// they sit in a folder or inside a zip. Not thread-safe: call <see cref="Reopen"/> for a handle per thread.
/// </summary>
internal abstract class MouseFiles : IDisposable
{
    /// <summary>The folder or zip path given.</summary>
    public abstract string Source { get; }

    public abstract MouseSourceKind Kind { get; }

    public abstract bool FileExists(string relative);

    public abstract bool DirectoryExists(string relative);

    /// <summary>Names (not paths) of the files directly inside <paramref name="relativeDirectory"/>.</summary>
    public abstract IReadOnlyList<string> ListFiles(string relativeDirectory);

    /// <summary>Opens an existing file for reading; the caller checks <see cref="FileExists"/> first.</summary>
    protected abstract Stream OpenExisting(string relative);

    /// <summary>The name used in error messages: a full path, or "zip!/entry".</summary>
    public abstract string Describe(string relative);

    /// <summary>An independent handle on the same source (for a second thread).</summary>
    public abstract MouseFiles Reopen();

    public abstract void Dispose();

    public Stream Open(string relative, string expected)
    {
        if (!FileExists(relative)) throw new DataFormatException(Describe(relative), $"file not found (expected {expected})");
        return OpenExisting(relative);
    }

    public NpyArray ReadNpy(string relative, string expected)
    {
        using var stream = Open(relative, expected);
        try { return Npy.Npy.Read(stream, Describe(relative)); }
        catch (InvalidDataException e) { throw new DataFormatException(Describe(relative), $"corrupt zip entry ({e.Message})"); }
    }

    /// <summary>Opens a mouse given as a folder (holding data/ and meta/) or as a zip.</summary>
    public static MouseFiles Open(string path)
    {
        if (Directory.Exists(path)) return new FolderMouseFiles(path);
        if (File.Exists(path)) return new ZipMouseFiles(path);
        throw new DataFormatException(path, "not found (expected a mouse folder holding data/ and meta/, or its .zip)");
    }
}

/// <summary>An extracted mouse folder.</summary>
internal sealed class FolderMouseFiles : MouseFiles
{
    private readonly string _root;

    public FolderMouseFiles(string root)
    {
        _root = Path.GetFullPath(root);
    }

    public override string Source => _root;
    public override MouseSourceKind Kind => MouseSourceKind.Folder;
    public override bool FileExists(string relative) => File.Exists(Full(relative));
    public override bool DirectoryExists(string relative) => Directory.Exists(Full(relative));

    public override IReadOnlyList<string> ListFiles(string relativeDirectory) =>
        Directory.EnumerateFiles(Full(relativeDirectory)).Select(p => Path.GetFileName(p)).ToList();

    // A small buffer: .npy reads are one short header read and one bulk read.
    protected override Stream OpenExisting(string relative) =>
        new FileStream(Full(relative), FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);

    public override string Describe(string relative) => Full(relative);
    public override MouseFiles Reopen() => new FolderMouseFiles(_root);
    public override void Dispose() { }

    private string Full(string relative) => Path.Combine(_root, relative.Replace('/', Path.DirectorySeparatorChar));
}
