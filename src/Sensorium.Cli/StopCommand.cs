using Sensorium.Data;
using Sensorium.Training;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium stop`: "stop and keep best". With <c>--out RUNDIR</c> it writes the run directory's
/// <see cref="StopRequest"/>, which the training there honours at its next epoch boundary; with <c>--run ID --server
/// URL</c> it asks a workbench (<c>POST /api/runs/ID/stop</c> with a team API token), which does the same for its worker.
/// </summary>
public sealed class StopCommand(Func<HttpMessageHandler>? handler = null, TimeProvider? time = null) : ICommand
{
    public StopCommand() : this(null) { }

    public string Name => "stop";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string? outDir = args.Optional("out");
        string? run = args.Optional("run");
        if ((outDir is null) == (run is null)) throw new UsageException("give either --out RUNDIR (a local run directory) or --run ID --server URL (a workbench run)");
        return outDir is not null ? StopLocal(args, outDir, output) : StopOnServer(args, run!, output, error);
    }

    int StopLocal(CliArgs args, string outDir, TextWriter output)
    {
        string by = args.Optional("by") ?? Environment.UserName;
        args.RejectUnknown();
        if (!File.Exists(Path.Combine(outDir, Checkpoint.SpecFile)))
            throw new DataFormatException(outDir, $"not a run directory ({Checkpoint.SpecFile} missing)");
        if (File.Exists(Path.Combine(outDir, Checkpoint.ModelFile)))
            throw new DataFormatException(outDir, $"the training has already finished ({Checkpoint.ModelFile} written); nothing to stop");
        var request = StopRequest.Write(outDir, by, (time ?? TimeProvider.System).GetUtcNow());
        output.WriteLine($"stop requested by {request.By} at {request.At:u}: the training in {outDir} ends after its current epoch and keeps its best model");
        return CommandLine.Ok;
    }

    int StopOnServer(CliArgs args, string run, TextWriter output, TextWriter error)
    {
        if (!long.TryParse(run, out long id) || id <= 0) throw new UsageException($"--run must be a run id (a positive integer; got '{run}')");
        string server = args.Required("server");
        string? token = args.Optional("token") ?? Environment.GetEnvironmentVariable("SENSORIUM_TOKEN");
        if (args.Optional("by") is not null) throw new UsageException("--by is for --out; the workbench names the token's user");
        args.RejectUnknown();
        if (string.IsNullOrWhiteSpace(token)) throw new UsageException("--token (or SENSORIUM_TOKEN) is required with --server");
        ServerCall.BaseAddress(server); // a usage error before anything is sent

        if (ServerCall.Post(handler, server, $"api/runs/{id}/stop", token, null, TimeSpan.FromMinutes(2), Name, error) is not { } answer)
            return CommandLine.InvalidInput;
        if (answer.IsSuccess)
        {
            output.WriteLine(ServerCall.Pretty(answer.Body));
            return CommandLine.Ok;
        }
        error.WriteLine($"sensorium {Name}: the server refused to stop run {id} ({(int)answer.Status}): "
            + (answer.Status == System.Net.HttpStatusCode.NotFound ? "no such run of your team" : ServerCall.Message(answer.Status, answer.Body)));
        return CommandLine.InvalidInput;
    }
}
