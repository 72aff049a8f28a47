namespace Sensorium.Data.Submissions;

/// <summary>Errors and warnings of one file, capped; warnings past the cap are only counted.</summary>
internal sealed class IssueList(string file, ValidationOptions options)
{
    public List<ValidationIssue> Errors { get; } = [];
    public List<ValidationIssue> Warnings { get; } = [];
    public int DroppedWarnings { get; private set; }
    public bool Full => Errors.Count >= options.MaxErrors;

    public void Error(long line, string message) => Errors.Add(new ValidationIssue(file, line, message));

    public void Warning(long line, string message)
    {
        if (Warnings.Count < options.MaxWarnings) Warnings.Add(new ValidationIssue(file, line, message));
        else DroppedWarnings++;
    }

    public void CloseWarnings()
    {
        if (DroppedWarnings > 0) Warnings.Add(new ValidationIssue(file, 0, $"{DroppedWarnings} more warning(s) not listed"));
    }

    /// <summary>"a, b, c (and 7 more)".</summary>
    public static string Listed<T>(IReadOnlyCollection<T> items, int max) =>
        string.Join(", ", items.Take(max)) + (items.Count > max ? $" (and {items.Count - max} more)" : "");
}
