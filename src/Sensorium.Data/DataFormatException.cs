namespace Sensorium.Data;

/// <summary>
/// Input that does not follow the Sensorium format. The message always starts with the file (or zip entry, or
/// file:line) and says what was expected, so a user can find and fix it.
/// </summary>
public class DataFormatException(string fileName, string problem) : Exception($"{fileName}: {problem}")
{
    /// <summary>The file, zip entry or file:line that was being read.</summary>
    public string FileName { get; } = fileName;

    /// <summary>What was wrong, without the file name.</summary>
    public string Problem { get; } = problem;
}
