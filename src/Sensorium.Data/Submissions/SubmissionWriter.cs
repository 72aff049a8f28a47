using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Sensorium.Data.Submissions;

/// <summary>
/// Writes the official CSV (as pandas <c>to_csv(index=False)</c> does for the starter kit's generators): the header,
/// then one row per trial in target order: trial id, image id, the quoted Python list of predictions (one per neuron,
/// in <see cref="SubmissionTarget.NeuronIds"/> order) and the quoted list of neuron ids. Numbers use the invariant
/// culture and the shortest round-trip form ("R", spelled as Python's repr), so float32 predictions read back as float32 exactly and float64 ones
/// as float64. Non-finite values are refused (the evaluator cannot parse them).
/// </summary>
public static class SubmissionWriter
{
    /// <summary>Writes <c>submission_file_live_test.csv</c> or <c>submission_file_final_test.csv</c> into a folder; returns its path.</summary>
    public static string WriteFile<T>(string directory, SubmissionTarget target, T[,] predictions)
        where T : IFloatingPointIeee754<T>, IUtf8SpanFormattable
    {
        string path = Path.Combine(directory, SubmissionTiers.FileName(target.Tier));
        using var stream = File.Create(path);
        Write(stream, target, predictions);
        return path;
    }

    /// <summary>A submission: predictions are (trials × neurons) in target order, normalized-response units.</summary>
    public static void Write<T>(Stream stream, SubmissionTarget target, T[,] predictions)
        where T : IFloatingPointIeee754<T>, IUtf8SpanFormattable =>
        WriteRows(stream, SubmissionCsv.SubmissionHeader, target, predictions);

    /// <summary>A ground-truth file (column <c>responses</c>), as the organizers' generate_ground_truth_file.</summary>
    public static void WriteGroundTruth(Stream stream, GroundTruth truth) =>
        WriteRows(stream, SubmissionCsv.GroundTruthHeader, truth.Target, truth.Responses);

    private static void WriteRows<T>(Stream stream, string header, SubmissionTarget target, T[,] values)
        where T : IFloatingPointIeee754<T>, IUtf8SpanFormattable
    {
        target.CheckConsistent();
        int trials = target.Trials, neurons = target.Neurons;
        if (values.GetLength(0) != trials || values.GetLength(1) != neurons)
            throw new ArgumentException($"values are {values.GetLength(0)}×{values.GetLength(1)}, target is {trials}×{neurons}");

        byte[] neuronField = Encoding.ASCII.GetBytes("\"[" + string.Join(", ", target.NeuronIds) + "]\"\n");
        var row = new byte[1024 + neurons * 48 + neuronField.Length];
        stream.Write(Encoding.ASCII.GetBytes(header + "\n"));
        for (int t = 0; t < trials; t++)
        {
            int n = 0;
            n += Encoding.UTF8.GetBytes(Quote(target.TrialIds[t]), row.AsSpan(n));
            row[n++] = (byte)',';
            target.ImageIds[t].TryFormat(row.AsSpan(n), out int w, default, System.Globalization.CultureInfo.InvariantCulture);
            n += w;
            row[n++] = (byte)',';
            row[n++] = (byte)'"';
            row[n++] = (byte)'[';
            var rowValues = neurons == 0 ? [] : MemoryMarshal.CreateReadOnlySpan(ref values[t, 0], neurons);
            for (int j = 0; j < neurons; j++)
            {
                T v = rowValues[j];
                if (!T.IsFinite(v))
                    throw new ArgumentException($"value [{t}, {j}] (trial '{target.TrialIds[t]}', neuron {target.NeuronIds[j]}) is {v}; only finite numbers can be submitted");
                if (j > 0) { row[n++] = (byte)','; row[n++] = (byte)' '; }
                v.TryFormat(row.AsSpan(n), out w, "R", System.Globalization.CultureInfo.InvariantCulture);
                n += PythonStyle(row.AsSpan(n), w);
            }
            row[n++] = (byte)']';
            row[n++] = (byte)'"';
            row[n++] = (byte)',';
            stream.Write(row, 0, n);
            stream.Write(neuronField);
        }
    }

    /// <summary>
    /// Makes .NET's shortest form read like Python's repr, which the official files hold: "1e-05" not "1E-05",
    /// "1.0" not "1". (Either parses to the same number; this keeps our files byte-identical to pandas' for values in
    /// the usual range.) Returns the new length.
    /// </summary>
    private static int PythonStyle(Span<byte> number, int length)
    {
        bool fractionOrExponent = false;
        for (int i = 0; i < length; i++)
        {
            if (number[i] == (byte)'E') number[i] = (byte)'e';
            if (number[i] is (byte)'.' or (byte)'e') fractionOrExponent = true;
        }
        if (fractionOrExponent) return length;
        number[length] = (byte)'.';
        number[length + 1] = (byte)'0';
        return length + 2;
    }

    /// <summary>CSV quoting, only where needed (as pandas does).</summary>
    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
