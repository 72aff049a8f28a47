using System.Text;
using Sensorium.Data.Submissions;
using static Sensorium.Data.Tests.Submissions.SubmissionFixtures;

namespace Sensorium.Data.Tests.Submissions;

/// <summary>Seeded mutations of a valid file: the validator and scorer must always answer with a report, never throw.</summary>
public class ValidatorFuzzTests
{
    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("\"[],;\t\r\n 0123456789.eE+-naif\0\xff");

    [Fact]
    public void Mutated_files_never_throw()
    {
        byte[] good = Encoding.UTF8.GetBytes(TinyFile(GoodRows));
        var truth = new GroundTruth(Tiny(), new double[,] { { 1, 2, 3 }, { 2, 1, 0 }, { 0, 5, 1 } });
        var rng = new Random(20221115);
        int valid = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            var bytes = new List<byte>(good);
            int edits = 1 + rng.Next(4);
            for (int e = 0; e < edits && bytes.Count > 0; e++)
            {
                int at = rng.Next(bytes.Count);
                switch (rng.Next(4))
                {
                    case 0: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + rng.Next(8))); break;           // delete
                    case 1: bytes.Insert(at, Alphabet[rng.Next(Alphabet.Length)]); break;                       // insert
                    case 2: bytes[at] = Alphabet[rng.Next(Alphabet.Length)]; break;                             // replace
                    default: bytes.RemoveRange(at, bytes.Count - at); break;                                    // truncate
                }
            }
            byte[] file = bytes.ToArray();
            var report = SubmissionValidator.Validate(new MemoryStream(file), "f.csv", Tiny(), new ValidationOptions { MaxErrors = 5 });
            Assert.True(report.Valid == (report.Errors.Count == 0));
            Assert.All(report.Errors, e => Assert.StartsWith("f.csv", e.ToString()));
            var score = SubmissionScorer.Score(new MemoryStream(file), "f.csv", truth);
            Assert.Equal(score.Report.Valid, score.Metrics is not null);
            if (report.Valid) valid++;
        }
        Assert.InRange(valid, 1, 2999);   // some mutations stay valid (e.g. a digit changed), most do not
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var rng = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            var bytes = new byte[rng.Next(0, 5000)];
            rng.NextBytes(bytes);
            if (i % 2 == 0) bytes = [.. Encoding.ASCII.GetBytes(SubmissionCsv.SubmissionHeader + "\n"), .. bytes];
            var report = SubmissionValidator.Validate(new MemoryStream(bytes), "f.csv", Tiny());
            Assert.False(report.Valid);
        }
    }
}

/// <summary>The fast number path must give exactly what the runtime's parser gives.</summary>
public class FastFloatTests
{
    [Fact]
    public void Equals_double_parse_on_many_forms()
    {
        var rng = new Random(99);
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < 200_000; i++)
        {
            double x = (rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-30, 30));
            string text = (i % 5) switch
            {
                0 => x.ToString("R", ci),
                1 => ((float)x).ToString("R", ci),
                2 => x.ToString("F" + rng.Next(0, 12), ci),
                3 => x.ToString("E" + rng.Next(0, 20), ci).ToLowerInvariant(),
                _ => rng.Next(-100000, 100000).ToString(ci) + "." + rng.Next(0, 1000000).ToString("D6", ci),
            };
            Assert.True(Sensorium.Data.Submissions.FastFloat.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out double fast), text);
            Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, ci)), BitConverter.DoubleToInt64Bits(fast));
        }
    }

    [Fact]
    public void Equals_double_parse_on_long_mantissas_across_the_exponent_range()
    {
        var rng = new Random(2022);
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < 300_000; i++)
        {
            string text = (i % 4) switch
            {
                // Python's repr of a float32 widened to double, and of arbitrary doubles.
                0 => ((double)(float)((rng.NextDouble() - 0.2) * Math.Pow(10, rng.Next(-40, 39)))).ToString("R", ci),
                1 => BitConverter.Int64BitsToDouble(rng.NextInt64(0x0010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF)).ToString("R", ci),
                // 16–19 digit mantissas with exponents over the whole table.
                2 => rng.NextInt64(1_000_000_000_000_000_000, long.MaxValue).ToString(ci)[..rng.Next(16, 20)] + "e" + rng.Next(-360, 320).ToString(ci),
                // Ties and near-ties between two doubles, written with 17+ digits.
                _ => NearTie(rng, ci),
            };
            AssertSame(text, ci);
        }
    }

    private static string NearTie(Random rng, System.Globalization.CultureInfo ci)
    {
        double a = BitConverter.Int64BitsToDouble(rng.NextInt64(0x3C00_0000_0000_0000, 0x4400_0000_0000_0000));
        double b = Math.BitIncrement(a);
        return ((a + b) / 2).ToString("E18", ci);
    }

    private static void AssertSame(string text, System.Globalization.CultureInfo ci)
    {
        double expected = double.Parse(text, ci);
        Assert.True(Sensorium.Data.Submissions.FastFloat.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out double fast), text);
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(fast), $"{text}: {expected:R} vs {fast:R}");
    }
}
