using System.Reflection;

namespace Sensorium.Web.Hosting;

/// <summary>
/// Finds the app's content root: the folder holding <c>appsettings.json</c> and <c>wwwroot/</c>. A published app
/// has them next to its binaries (publish copies them there, with MudBlazor's files under wwwroot/_content);
/// a build in the repository uses the repository root, baked in at build time, or found by walking up.
/// </summary>
public static class WorkbenchPaths
{
    public static string ContentRoot { get; } = FindContentRoot();
    public static string WebRoot => Path.Combine(ContentRoot, "wwwroot");

    static string FindContentRoot()
    {
        if (IsContentRoot(AppContext.BaseDirectory)) return AppContext.BaseDirectory;

        var built = typeof(WorkbenchPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Sensorium.RepoRoot")?.Value;
        if (!string.IsNullOrEmpty(built) && IsContentRoot(built)) return Path.GetFullPath(built);

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (IsContentRoot(dir.FullName)) return dir.FullName;

        return AppContext.BaseDirectory;
    }

    static bool IsContentRoot(string dir) =>
        File.Exists(Path.Combine(dir, "appsettings.json")) && Directory.Exists(Path.Combine(dir, "wwwroot"));
}
