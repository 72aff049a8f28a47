namespace Sensorium.Data.Submissions;

/// <summary>One problem found in a file. <see cref="Line"/> is 1-based (the header is line 1); 0 means the whole file.</summary>
public sealed record ValidationIssue(string File, long Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}

/// <summary>Limits of a validation run.</summary>
public sealed record ValidationOptions
{
    /// <summary>Stop after this many errors (the report says it stopped early).</summary>
    public int MaxErrors { get; init; } = 20;

    /// <summary>Keep at most this many warnings (a summary counts the rest).</summary>
    public int MaxWarnings { get; init; } = 20;

    /// <summary>A file longer than this is refused: from its length before reading when known, else while streaming.
    /// 1 GiB covers 1000 trials × 8000 neurons at 17 digits per value several times over.</summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>At most this many trial ids are named when listing missing trials.</summary>
    public int MaxListed { get; init; } = 10;

    public static ValidationOptions Default { get; } = new();
}

/// <summary>The outcome of validating one submission file against its target.</summary>
public sealed record ValidationReport(
    string File,
    bool Valid,
    IReadOnlyList<ValidationIssue> Errors,
    IReadOnlyList<ValidationIssue> Warnings,
    int Rows,
    int Neurons,
    bool StoppedEarly)
{
    /// <summary>All errors, one "file:line: message" per line.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Errors);
}
