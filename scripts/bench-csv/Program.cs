// How our submission reader (Sensorium.Data.Submissions: a line reader, a 4-field splitter and a UTF-8 number
// parser, ~430 lines) compares with the two served CSV libraries doing the same job: read a full-size submission
// file into a trials × neurons matrix. The libraries split the CSV; the prediction field is a Python list literal
// that neither parses, so their variants parse it as a maintainer would with them (split on ',' and double.Parse).
// Every variant's matrix is checked against ours value by value. Prints MB/s, allocations and the machine's load.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsvHelper;
using nietras.SeparatedValues;
using Sensorium.Data.Submissions;

int trials = args.Length > 0 ? int.Parse(args[0]) : 1000;
int neurons = args.Length > 1 ? int.Parse(args[1]) : 8000;
int repeats = args.Length > 2 ? int.Parse(args[2]) : 3;

var dir = Directory.CreateTempSubdirectory("bench-csv-");
try
{
    var rng = new Random(7);
    var target = new SubmissionTarget("26872-17-20", "test",
        Enumerable.Range(0, trials).Select(i => Convert.ToHexString(BitConverter.GetBytes(rng.NextInt64())).ToLowerInvariant() + "0000000000000000").ToArray(),
        Enumerable.Range(0, trials).Select(i => (long)rng.Next(0, 100_000)).ToArray(),
        Enumerable.Range(0, neurons).Select(i => (long)(i * 3 + 1)).ToArray());
    var predictions = new double[trials, neurons];
    for (int t = 0; t < trials; t++)
        for (int n = 0; n < neurons; n++)
            predictions[t, n] = (float)(rng.NextDouble() * 3);   // float32 predictions written as Python floats (17 digits)
    string path = SubmissionWriter.WriteFile(dir.FullName, target, predictions);
    double mb = new FileInfo(path).Length / 1e6;
    Console.WriteLine($"file: {trials} trials × {neurons} neurons, {mb:F1} MB (Python-style 17-digit floats); {Environment.ProcessorCount} cores, load {Load()}");

    var variants = new (string Name, Func<string, SubmissionTarget, double[,]> Read)[]
    {
        ("ours (SubmissionValidator.ValidateAndRead)", Ours),
        ("Sep 0.17.1 + double.Parse of the list", WithSep),
        ("CsvHelper 34.0.0 (UTF-8 CsvReader) + double.Parse of the list", WithCsvHelper),
    };
    foreach (var (name, read) in variants)
    {
        var times = new List<double>();
        long allocated = 0;
        double[,]? got = null;
        for (int r = 0; r < repeats; r++)
        {
            GC.Collect();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            got = read(path, target);
            times.Add(sw.Elapsed.TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        for (int t = 0; t < trials; t++)
            for (int n = 0; n < neurons; n++)
                if (BitConverter.DoubleToInt64Bits(got![t, n]) != BitConverter.DoubleToInt64Bits(predictions[t, n]))
                    throw new InvalidOperationException($"{name}: value [{t},{n}] is {got[t, n]:R}, written {predictions[t, n]:R}");
        times.Sort();
        double median = times[times.Count / 2];
        Console.WriteLine($"{name,-58} median {median:F2} s of {repeats} ({mb / median:F0} MB/s), best {times[0]:F2} s, allocated {allocated / 1e6:F0} MB per read (the matrix is {trials * (long)neurons * 8 / 1e6:F0} MB)");
    }
    // The CSV layer alone (lines and fields, no number parsing): what a library could take over.
    var splitters = new (string Name, Func<string, long> Split)[]
    {
        ("ours (CsvLineReader + CsvFields.Split)", SplitOurs),
        ("Sep 0.17.1", SplitSep),
        ("CsvHelper 34.0.0 (UTF-8 CsvReader)", SplitCsvHelper),
    };
    long? expected = null;
    foreach (var (name, split) in splitters)
    {
        var times = new List<double>();
        long total = 0;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            total = split(path);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        if (expected is not null && total != expected) throw new InvalidOperationException($"{name}: {total} field bytes, others {expected}");
        expected = total;
        times.Sort();
        double median = times[times.Count / 2];
        Console.WriteLine($"split only: {name,-46} median {median:F2} s ({mb / median:F0} MB/s)");
    }
    Console.WriteLine($"load after: {Load()}");
}
finally { dir.Delete(recursive: true); }

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static double[,] Ours(string path, SubmissionTarget target)
{
    using var stream = File.OpenRead(path);
    var (report, values) = SubmissionValidator.ValidateAndRead(stream, Path.GetFileName(path), target);
    if (!report.Valid) throw new InvalidOperationException("ours: " + string.Join("; ", report.Errors.Take(3)));
    return values!;
}

static double[,] WithSep(string path, SubmissionTarget target)
{
    var row = RowIndex(target);
    var values = new double[target.Trials, target.Neurons];
    using var reader = Sep.Reader(o => o with { Unescape = true, Sep = new Sep(',') }).FromFile(path);
    string? neuronIds = null;
    foreach (var r in reader)
    {
        int t = row[r[0].ToString()];
        _ = long.Parse(r[1].Span, CultureInfo.InvariantCulture);
        ParseList(r[2].Span, values, t);
        if (neuronIds is null) neuronIds = r[3].ToString();
        else if (!r[3].Span.SequenceEqual(neuronIds)) throw new InvalidOperationException("neuron_ids differ");
    }
    return values;
}

static double[,] WithCsvHelper(string path, SubmissionTarget target)
{
    var row = RowIndex(target);
    var values = new double[target.Trials, target.Neurons];
    using var reader = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true });
    byte[]? neuronIds = null;
    while (reader.Read())
    {
        int t = row[Encoding.UTF8.GetString(reader.GetSpan(0))];
        _ = long.Parse(reader.GetSpan(1), CultureInfo.InvariantCulture);
        ParseUtf8List(reader.GetSpan(2), values, t);
        var ids = reader.GetSpan(3);
        if (neuronIds is null) neuronIds = ids.ToArray();
        else if (!ids.SequenceEqual(neuronIds)) throw new InvalidOperationException("neuron_ids differ");
    }
    return values;
}

static void ParseUtf8List(ReadOnlySpan<byte> field, double[,] values, int t)
{
    var inner = field.Trim((byte)' ').TrimStart((byte)'[').TrimEnd((byte)']');
    int n = 0;
    foreach (var range in inner.Split((byte)','))
        values[t, n++] = double.Parse(inner[range].Trim((byte)' '), NumberStyles.Float, CultureInfo.InvariantCulture);
    if (n != values.GetLength(1)) throw new InvalidOperationException($"{n} values, expected {values.GetLength(1)}");
}

// Each returns the total length of the unquoted prediction fields, so the three are checked to agree.
static long SplitOurs(string path)
{
    using var stream = File.OpenRead(path);
    var reader = new CsvLineReader(stream, long.MaxValue, 1 << 28);
    Span<Sensorium.Data.Submissions.CsvField> fields = stackalloc Sensorium.Data.Submissions.CsvField[5];
    long total = 0;
    reader.Next(out _);   // header
    while (reader.Next(out var line) == CsvLineReader.Status.Line)
    {
        if (CsvFields.Split(line, fields, out var problem) != 4) throw new InvalidOperationException(problem);
        total += fields[2].Length;
    }
    return total;
}

static long SplitSep(string path)
{
    using var reader = Sep.Reader(o => o with { Unescape = true, Sep = new Sep(',') }).FromFile(path);
    long total = 0;
    foreach (var r in reader) total += r[2].Span.Length;
    return total;
}

static long SplitCsvHelper(string path)
{
    using var reader = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = true });
    long total = 0;
    while (reader.Read()) total += reader.GetSpan(2).Length;
    return total;
}

static Dictionary<string, int> RowIndex(SubmissionTarget target)
{
    var row = new Dictionary<string, int>(StringComparer.Ordinal);
    for (int i = 0; i < target.Trials; i++) row[target.TrialIds[i]] = i;
    return row;
}

/// <summary>"[a, b, …]" into values[t, …], as one would write it next to a CSV library.</summary>
static void ParseList(ReadOnlySpan<char> field, double[,] values, int t)
{
    var inner = field.Trim().TrimStart('[').TrimEnd(']');
    int n = 0;
    foreach (var range in inner.Split(','))
        values[t, n++] = double.Parse(inner[range].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
    if (n != values.GetLength(1)) throw new InvalidOperationException($"{n} values, expected {values.GetLength(1)}");
}
