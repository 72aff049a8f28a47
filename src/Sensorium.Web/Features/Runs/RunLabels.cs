using System.Text.RegularExpressions;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// A run's notes and tags as a team writes them (the run page and PATCH /api/runs/{id}): checked here, stored by
/// <see cref="Sensorium.Storage.Runs.RunStore.SetNotesAndTagsAsync"/>.
/// </summary>
public static partial class RunLabels
{
    public const int MaxNotesLength = 4000;
    public const int MaxTags = 16;
    public const int MaxTagLength = 32;

    /// <summary>What a tag may contain, for messages.</summary>
    public const string TagCharset = "letters, digits and . _ - : + (starting with a letter or digit)";

    /// <summary>Tags typed as one line: separated by commas or spaces.</summary>
    public static IReadOnlyList<string> ParseTags(string? text) =>
        (text ?? "").Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The notes (trimmed) and tags (duplicates dropped, ignoring case; order kept), or the errors by field
    /// ("notes", "tags") saying what is wrong and what is allowed.
    /// </summary>
    public static (string Notes, IReadOnlyList<string> Tags, Dictionary<string, string[]> Errors) Validate(string? notes, IEnumerable<string?>? tags)
    {
        var errors = new Dictionary<string, string[]>();
        var cleanNotes = (notes ?? "").Replace("\r\n", "\n").Trim();
        if (cleanNotes.Length > MaxNotesLength)
            errors["notes"] = [$"Notes are {cleanNotes.Length:N0} characters long; at most {MaxNotesLength:N0} are kept."];
        else if (cleanNotes.FirstOrDefault(c => char.IsControl(c) && c is not ('\n' or '\t')) is var bad && bad != default)
            errors["notes"] = [$"Notes contain the control character U+{(int)bad:X4}; only text, line breaks and tabs are allowed."];

        var tagErrors = new List<string>();
        var kept = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = (raw ?? "").Trim();
            if (tag.Length == 0) { tagErrors.Add("A tag is empty."); continue; }
            if (tag.Length > MaxTagLength) tagErrors.Add($"Tag '{Shorten(tag)}' is {tag.Length} characters long; at most {MaxTagLength}.");
            else if (!TagPattern().IsMatch(tag)) tagErrors.Add($"Tag '{Shorten(tag)}' may contain only {TagCharset}.");
            else if (!kept.Contains(tag, StringComparer.OrdinalIgnoreCase)) kept.Add(tag);
        }
        if (kept.Count > MaxTags) tagErrors.Add($"{kept.Count} tags; at most {MaxTags}.");
        if (tagErrors.Count > 0) errors["tags"] = [.. tagErrors];
        return (cleanNotes, kept, errors);
    }

    static string Shorten(string tag) => tag.Length <= 40 ? tag : tag[..40] + "…";

    [GeneratedRegex(@"^[\p{L}\p{Nd}][\p{L}\p{Nd}._:+-]*$")]
    private static partial Regex TagPattern();
}
