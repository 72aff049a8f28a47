namespace Sensorium.Data.Tests;

/// <summary>Locates files of the repository from a test's output directory.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The official golden fixtures (copied into the repository from shared/fixtures/official).</summary>
    public static string Official(string file) => Path.Combine(RepoRoot, "tests", "fixtures", "official", file);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Sensorium.Web.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Sensorium.Web.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary directory deleted when disposed.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sensorium-test-").FullName;
    public string this[string relative] => System.IO.Path.Combine(Path, relative);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
