using System.Text;
using Sensorium.Data.Submissions;
using static Sensorium.Data.Tests.Submissions.SubmissionFixtures;

namespace Sensorium.Data.Tests.Submissions;

/// <summary>One test per kind of malformed file: each must give a report (never an exception) naming file:line.</summary>
public class SubmissionValidatorTests
{
    private static ValidationReport Check(string text, ValidationOptions? options = null) => Check(Encoding.UTF8.GetBytes(text), options);

    private static ValidationReport Check(byte[] bytes, ValidationOptions? options = null) =>
        SubmissionValidator.Validate(new MemoryStream(bytes), "sub.csv", Tiny(), options);

    /// <summary>Asserts the file is invalid and one error, at that line, contains the text.</summary>
    private static ValidationIssue Error(ValidationReport r, long line, string contains)
    {
        Assert.False(r.Valid);
        var e = r.Errors.FirstOrDefault(e => e.Line == line && e.Message.Contains(contains, StringComparison.Ordinal));
        Assert.True(e is not null, $"no error at line {line} containing '{contains}'; got:\n{r}");
        Assert.StartsWith(line > 0 ? $"sub.csv:{line}: " : "sub.csv: ", e.ToString());
        return e;
    }

    [Fact]
    public void Valid_file_passes()
    {
        var r = Check(TinyFile(GoodRows));
        Assert.True(r.Valid, r.ToString());
        Assert.Equal((3, 3), (r.Rows, r.Neurons));
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Rows_in_any_order_with_crlf_a_trailing_list_comma_and_blank_lines_pass()
    {
        string text = TinyFile(Row("c3", 9), "", Row("a1", 7, "\"[0.5,1.25,2.0,]\""), Row("b2", 7)).Replace("\n", "\r\n");
        var r = Check(text);
        Assert.True(r.Valid, r.ToString());
    }

    [Fact]
    public void Empty_file() => Error(Check(""), 1, "the file is empty");

    [Fact]
    public void Header_only_lists_the_missing_trials()
    {
        var e = Error(Check(TinyFile()), 1, "no data rows");
        Assert.Contains("3 of the 3 'test' trials are missing: a1, b2, c3", e.Message);
    }

    [Fact]
    public void Missing_trials_are_listed_up_to_the_cap()
    {
        var e = Error(Check(TinyFile(Row("a1", 7)), new ValidationOptions { MaxListed = 1 }), 2, "2 of the 3 'test' trials are missing: b2 (and 1 more)");
        Assert.Contains("the file has 1 row(s)", e.Message);
    }

    [Fact]
    public void Truncated_mid_row()
    {
        string text = TinyFile(GoodRows);
        var r = Check(text[..(text.Length - 30)]);
        Error(r, 4, "unterminated quote");
        Error(r, 4, "the file ends inside this row");
    }

    [Fact]
    public void Truncated_inside_the_prediction_list()
    {
        string text = TinyFile(Row("a1", 7), Row("b2", 7)) + "c3,9,\"[0.5, 1.2";
        var r = Check(text);
        Error(r, 4, "unterminated quote in column 3");
    }

    [Fact]
    public void Binary_garbage()
    {
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        bytes[0] = 0;
        Error(Check(bytes), 1, "not a CSV text file");
    }

    [Fact]
    public void Binary_garbage_without_line_ends_is_refused_as_too_long()
    {
        var bytes = new byte[3 << 20];
        new Random(2).NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'\n') bytes[i] = 0;
        Error(Check(bytes), 1, "the first line is longer than");
    }

    [Fact]
    public void Semicolon_delimiter() =>
        Error(Check(TinyFile(GoodRows).Replace(',', ';')), 1, "the header is separated by ';'");

    [Fact]
    public void Tab_delimiter() =>
        Error(Check(TinyFile(GoodRows).Replace(",", "\t").Replace("\t ", ", ")), 1, "the header is separated by '\\x09'");

    [Fact]
    public void Data_row_with_semicolons_under_a_good_header()
    {
        var r = Check(TinyFile(Row("a1", 7), Row("b2", 7), "c3;9;\"[0.5, 1.25, 2.0]\";\"[10, 30, 20]\""));
        Error(r, 4, "the file must be comma-separated");
    }

    [Fact]
    public void Wrong_header_column_name()
    {
        var r = Check(TinyFile(GoodRows).Replace("prediction", "responses"));
        Error(r, 1, "header column 3 is 'responses', expected 'prediction'");
    }

    [Fact]
    public void Unterminated_quote() =>
        Error(Check(TinyFile(Row("a1", 7, neurons: "\"[10, 30, 20]"), Row("b2", 7), Row("c3", 9))), 2, "unterminated quote in column 4");

    [Fact]
    public void Extra_column() =>
        Error(Check(TinyFile(Row("a1", 7) + ",extra", Row("b2", 7), Row("c3", 9))), 2, "expected 4 columns (trial_indices,image_ids,prediction,neuron_ids), found 5");

    [Fact]
    public void Unquoted_lists_give_a_column_count_error() =>
        Error(Check(TinyFile(Row("a1", 7, "[0.5, 1.25, 2.0]"), Row("b2", 7), Row("c3", 9))), 2, "found 6");

    [Fact]
    public void Duplicate_trial_names_both_lines()
    {
        var r = Check(TinyFile(Row("a1", 7), Row("b2", 7), Row("a1", 7), Row("c3", 9)));
        Error(r, 4, "trial_indices 'a1' appears again (first on line 2)");
        Assert.Single(r.Errors);
    }

    [Fact]
    public void Unknown_trial() =>
        Error(Check(TinyFile(Row("a1", 7), Row("zz", 7), Row("c3", 9))), 3, "trial_indices 'zz' is not a 'test' trial of 26872-17-20");

    [Fact]
    public void Prediction_list_of_wrong_length() =>
        Error(Check(TinyFile(Row("a1", 7, "\"[0.5, 1.25]\""), Row("b2", 7), Row("c3", 9))), 2, "prediction has 2 values, expected 3");

    [Theory]
    [InlineData("nan", "[1] is 'nan'")]
    [InlineData("NaN", "[1] is 'NaN'")]
    [InlineData("inf", "[1] is 'inf'")]
    [InlineData("-inf", "[1] is '-inf'")]
    [InlineData("Infinity", "[1] is 'Infinity'")]
    [InlineData("1e999", "[1] is '1e999'")]
    public void Non_finite_values_are_refused_with_line_and_position(string bad, string expected)
    {
        var e = Error(Check(TinyFile(Row("a1", 7), Row("b2", 7, $"\"[0.5, {bad}, 2.0]\""), Row("c3", 9))), 3, expected);
        Assert.Contains("only finite numbers", e.Message);
        Assert.Contains("(neuron 30)", e.Message);
    }

    [Fact]
    public void Not_a_number() =>
        Error(Check(TinyFile(Row("a1", 7), Row("b2", 7, "\"[0.5, 'x', abc]\""), Row("c3", 9))), 3, "prediction[1] ''x'' is not a number (neuron 30); 1 more bad value(s) on this row");

    [Fact]
    public void Prediction_not_a_list() =>
        Error(Check(TinyFile(Row("a1", 7, "0.5"), Row("b2", 7), Row("c3", 9))), 2, "prediction: not a list");

    [Fact]
    public void Image_id_not_an_integer() =>
        Error(Check(TinyFile(Row("a1", 7), Row("b2", 7), "c3,9.5,\"[0.5, 1.25, 2.0]\"," + TinyNeurons)), 4, "image_ids '9.5' is not an integer");

    [Fact]
    public void Image_id_mismatch_is_only_a_warning()
    {
        var r = Check(TinyFile(Row("a1", 7), Row("b2", 8), Row("c3", 9)));
        Assert.True(r.Valid, r.ToString());
        Assert.Contains(r.Warnings, w => w.Line == 3 && w.Message.Contains("image_ids 8 differs from the dataset's 7"));
    }

    [Fact]
    public void Neuron_ids_differing_on_a_later_row()
    {
        var r = Check(TinyFile(Row("a1", 7), Row("b2", 7, neurons: "\"[10, 20, 30]\""), Row("c3", 9)));
        Error(r, 3, "neuron_ids differ from those on line 2 at position 1: 20 here, 30 there");
    }

    [Fact]
    public void Neuron_ids_spelt_differently_but_equal_pass() =>
        Assert.True(Check(TinyFile(Row("a1", 7), Row("b2", 7, neurons: "\"[10,30,20]\""), Row("c3", 9))).Valid);

    [Fact]
    public void Neuron_ids_with_a_duplicate_and_a_missing_neuron()
    {
        string dup = "\"[10, 30, 30]\"";
        var r = Check(TinyFile(Row("a1", 7, neurons: dup), Row("b2", 7, neurons: dup), Row("c3", 9, neurons: dup)));
        Error(r, 2, "neuron_ids lists 1 id(s) more than once: 30");
        Error(r, 2, "neuron_ids lacks 1 of the 3 neurons: 20");
        Assert.Equal(2, r.Errors.Count);   // reported once, not on every row
    }

    [Fact]
    public void Neuron_ids_with_an_extra_neuron()
    {
        string extra = "\"[10, 30, 20, 99]\"";
        var r = Check(TinyFile(Row("a1", 7, "\"[1, 2, 3, 4]\"", extra), Row("b2", 7), Row("c3", 9)));
        Error(r, 2, "neuron_ids has 1 id(s) that are not neurons of 26872-17-20: 99");
    }

    [Fact]
    public void Errors_are_collected_up_to_the_cap()
    {
        var rows = Enumerable.Range(0, 50).Select(i => Row($"x{i}", 7)).ToArray();
        var r = Check(TinyFile(rows), new ValidationOptions { MaxErrors = 5 });
        Assert.Equal(5, r.Errors.Count);
        Assert.True(r.StoppedEarly);
        Assert.Equal([2L, 3, 4, 5, 6], r.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Overlong_line_is_an_error_not_a_crash()
    {
        // The limit for 3 neurons is 1 MiB + 384 bytes.
        string huge = "\"[" + string.Join(", ", Enumerable.Repeat("0.5", 400_000)) + "]\"";
        var r = Check(TinyFile(Row("a1", 7), Row("b2", 7, huge), Row("c3", 9)));
        Error(r, 3, "the line is longer than");
    }

    [Fact]
    public void Byte_order_mark_is_a_warning()
    {
        var r = Check("\uFEFF" + TinyFile(GoodRows));
        Assert.True(r.Valid, r.ToString());
        Assert.Contains(r.Warnings, w => w.Message.Contains("byte order mark"));
    }

    [Fact]
    public void Quoted_trial_ids_are_unquoted() =>
        Assert.True(Check(TinyFile(Row("\"a1\"", 7), Row("b2", 7), Row("c3", 9))).Valid);

    [Fact]
    public void File_over_the_size_limit_is_refused_from_its_length_without_reading()
    {
        var stream = new UnreadableStream(length: 10_000_000_000);
        var r = SubmissionValidator.Validate(stream, "sub.csv", Tiny(), new ValidationOptions { MaxBytes = 1_000_000 });
        Error(r, 0, "the file is 10000000000 bytes, over the limit of 1000000 bytes; it was not read");
        Assert.Equal(0, stream.Reads);
    }

    [Fact]
    public void File_over_the_size_limit_is_refused_while_streaming_when_its_length_is_unknown()
    {
        var bytes = Encoding.UTF8.GetBytes(TinyFile(Enumerable.Repeat(Row("a1", 7), 5000).ToArray()));
        var stream = new NonSeekableStream(bytes);
        var r = SubmissionValidator.Validate(stream, "sub.csv", Tiny(), new ValidationOptions { MaxBytes = 100_000, MaxErrors = 100_000 });
        Error(r, 0, "over the limit of 100000 bytes; reading stopped");
        Assert.True(stream.Position < 2 * 100_000 + (1 << 20) + 4096);
    }

    [Fact]
    public void Validate_from_a_path_names_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["x.csv"], TinyFile(Row("a1", 7)));
        var r = SubmissionValidator.Validate(dir["x.csv"], Tiny());
        Assert.StartsWith("x.csv:2: ", r.Errors[0].ToString());
    }

    /// <summary>Claims a length and counts reads (and fails them).</summary>
    private sealed class UnreadableStream(long length) : Stream
    {
        public int Reads { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get; set; }
        public override int Read(byte[] buffer, int offset, int count) { Reads++; throw new IOException("must not be read"); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
