namespace Sensorium.Web.Features.Runs.Slurm;

/// <summary>
/// Follows a JSON-lines file that another machine appends to (a Slurm job's <c>events.jsonl</c> on the shared run
/// directory): hands over each complete line once, keeps a partial last line until its newline arrives, and waits
/// for a file that does not exist yet. Network file systems show appends late and in pieces, so it polls.
/// </summary>
public sealed class EventFileTailer(string path, long offset = 0)
{
    readonly byte[] buffer = new byte[64 * 1024];
    readonly List<byte> partial = [];

    /// <summary>Bytes consumed so far (complete lines only).</summary>
    public long Offset { get; private set; } = offset;

    /// <summary>The complete lines appended since the last call (none if the file does not exist yet).</summary>
    public IReadOnlyList<string> ReadNewLines()
    {
        var lines = new List<string>();
        if (!File.Exists(path)) return lines;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < Offset + partial.Count)
            throw new InvalidOperationException($"{path} shrank from {Offset + partial.Count} to {stream.Length} bytes while it was being read.");
        stream.Position = Offset + partial.Count;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    partial.Add(buffer[i]);
                    continue;
                }
                var line = System.Text.Encoding.UTF8.GetString(partial.ToArray()).TrimEnd('\r');
                Offset += partial.Count + 1;
                partial.Clear();
                if (line.Length > 0) lines.Add(line);
            }
        }
        return lines;
    }
}
