using System.Text.Json;

namespace Sensorium.Training;

/// <summary>
/// "Stop and keep best": a request that a training end after its current epoch as early stopping does (best weights
/// restored, model.pth written, the run succeeds). It is a small JSON file in the run directory, written by whoever asks
/// (the workbench's run page and <c>POST /api/runs/{id}/stop</c>, or <c>sensorium stop</c>) and read by the trainer at
/// every epoch boundary: a file, so that it reaches a worker in another process or on another machine (a Slurm job)
/// the way <c>events.jsonl</c> comes back, and survives a server restart or another node taking over (a resumed worker
/// honours it before its first epoch). An explicit resume of the run withdraws it.
/// </summary>
public static class StopRequest
{
    public const string FileName = "stop-request.json";

    /// <summary>Longest name kept in the reason (a user name; longer ones are cut).</summary>
    public const int MaxByLength = 64;

    /// <param name="By">Who asked (shown in the reason: "stopped by alice after epoch 12").</param>
    public sealed record Request(string By, DateTimeOffset At);

    public static string PathOf(string runDir) => Path.Combine(runDir, FileName);

    /// <summary>Writes (or keeps) the request; the first request wins, so asking twice changes nothing. Returns the request in force.</summary>
    public static Request Write(string runDir, string by, DateTimeOffset at)
    {
        if (Read(runDir) is { } existing) return existing;
        var clean = new string((by ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length == 0) clean = "someone";
        if (clean.Length > MaxByLength) clean = clean[..MaxByLength];
        var request = new Request(clean, at);
        Directory.CreateDirectory(runDir);
        Checkpoint.WriteAtomically(PathOf(runDir), JsonSerializer.Serialize(request, RunSpec.Json));
        return request;
    }

    /// <summary>
    /// The request in the run directory, or null. A file that cannot be read as one still asks to stop (nothing is
    /// ignored silently): its <see cref="Request.By"/> then says so.
    /// </summary>
    public static Request? Read(string runDir)
    {
        var path = PathOf(runDir);
        if (!File.Exists(path)) return null;
        try
        {
            var request = JsonSerializer.Deserialize<Request>(File.ReadAllText(path), RunSpec.Json);
            if (request is { By.Length: > 0 }) return request;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // withdrawn meanwhile
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            // fall through: present but unreadable
        }
        return new Request($"an unreadable {FileName}", File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTimeOffset.UtcNow);
    }

    /// <summary>Withdraws the request (a user resumes the run). True when there was one.</summary>
    public static bool Withdraw(string runDir)
    {
        var path = PathOf(runDir);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }
}
