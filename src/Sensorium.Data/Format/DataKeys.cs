using System.Text.RegularExpressions;

namespace Sensorium.Data.Format;

/// <summary>
/// The data key of a mouse, "&lt;animal&gt;-&lt;session&gt;-&lt;scan&gt;": the part of the release name
/// "static&lt;animal&gt;-&lt;session&gt;-&lt;scan&gt;-GrayImageNet-&lt;hash&gt;" after "static" and before "-GrayImageNet".
/// </summary>
public static partial class DataKeys
{
    [GeneratedRegex("^static(?<key>[^-]+-[^-]+-[^-]+)-GrayImageNet-.+$")]
    private static partial Regex ReleaseName();

    /// <summary>The key of a release folder or zip name (".zip" ignored), or null when the name does not follow the release pattern.</summary>
    public static string? TryFromReleaseName(string name)
    {
        if (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        var m = ReleaseName().Match(name);
        return m.Success ? m.Groups["key"].Value : null;
    }

    /// <summary>The key of a release name; for other names (renamed folders) the name itself without ".zip".</summary>
    public static string FromName(string name) =>
        TryFromReleaseName(name) ?? (name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name);
}
