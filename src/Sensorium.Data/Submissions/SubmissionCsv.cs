using System.Text;

namespace Sensorium.Data.Submissions;

/// <summary>The official CSV layouts (pandas <c>to_csv(index=False)</c> of the starter kit's generators).</summary>
public static class SubmissionCsv
{
    /// <summary>Header of a submission file (utility/submission.py generate_submission_file).</summary>
    public const string SubmissionHeader = "trial_indices,image_ids,prediction,neuron_ids";

    /// <summary>Header of a ground-truth file (generate_ground_truth_file).</summary>
    public const string GroundTruthHeader = "trial_indices,image_ids,responses,neuron_ids";

    /// <summary>Checks the header line; null when it is exactly <paramref name="expected"/>, else what is wrong.</summary>
    internal static string? CheckHeader(ReadOnlySpan<byte> line, string expected)
    {
        if (line.SequenceEqual(Encoding.ASCII.GetBytes(expected))) return null;
        if (line.IndexOfAnyInRange((byte)0, (byte)8) >= 0 || line.IndexOfAnyInRange((byte)14, (byte)31) >= 0)
            return $"not a CSV text file (binary bytes in the first line): starts with {CsvFields.Show(line, 24)}";
        foreach (byte d in ";\t|"u8)
            if (line.IndexOf(d) >= 0 && line.IndexOf((byte)',') < 0)
                return $"the header is separated by {CsvFields.Show([d])}; the file must be comma-separated with the header '{expected}'";
        string[] want = expected.Split(',');
        string[] got = Encoding.UTF8.GetString(line).Split(',');
        if (got.Length != want.Length)
            return $"the header has {got.Length} column(s), expected {want.Length}: '{expected}' (found {CsvFields.Show(line, 80)})";
        for (int i = 0; i < want.Length; i++)
            if (got[i] != want[i])
                return $"header column {i + 1} is {CsvFields.Show(Encoding.UTF8.GetBytes(got[i]))}, expected '{want[i]}' (the header must be exactly '{expected}')";
        return $"the header must be exactly '{expected}'";
    }

    /// <summary>A hint for a data row that did not split into 4 columns.</summary>
    internal static string ColumnCountProblem(ReadOnlySpan<byte> line, int count, string header)
    {
        string hint = count > 4 ? " (an extra column, or lists without quotes?)" : DelimiterHint(line);
        return $"expected 4 columns ({header}), found {count}{hint}";
    }

    /// <summary>" (is it separated by ';' or tabs? ...)" when the line has those, else "".</summary>
    internal static string DelimiterHint(ReadOnlySpan<byte> line) =>
        line.IndexOfAny(";\t"u8) >= 0 ? " (is it separated by ';' or tabs? the file must be comma-separated)" : "";
}
