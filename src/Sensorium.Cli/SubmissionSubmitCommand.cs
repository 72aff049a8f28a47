using System.Net.Http.Headers;

namespace Sensorium.Cli;

/// <summary>
/// `sensorium submission submit`: uploads a submission CSV to a workbench server (POST /api/submissions with a team
/// API token), which validates, scores and ranks it. Prints the server's JSON answer; exit 1 with the server's message
/// when it refuses the file (validation errors per line, the daily limit, a bad token).
/// </summary>
public sealed class SubmissionSubmitCommand(Func<HttpMessageHandler>? handler = null) : ICommand
{
    public SubmissionSubmitCommand() : this(null) { }

    public string Name => "submission submit";
    public string Summary => CliHelp.Of(Name).Summary;
    public string Usage => CliHelp.Of(Name).Usage;

    public int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        string file = args.Required("file");
        string track = args.RequiredChoice("track", [.. Sensorium.Data.Track.Names]);
        string tier = args.RequiredChoice("tier", "test", "final_test");
        string server = args.Required("server");
        string? token = args.Optional("token") ?? Environment.GetEnvironmentVariable("SENSORIUM_TOKEN");
        args.RejectUnknown();
        if (string.IsNullOrWhiteSpace(token)) throw new UsageException("--token (or SENSORIUM_TOKEN) is required");
        ServerCall.BaseAddress(server); // a usage error before the file is looked at
        SubmissionInputs.RequireFile(file);

        using var stream = File.OpenRead(file); // streamed, not read into memory
        using var form = new MultipartFormDataContent
        {
            { new StringContent(track), "track" },
            { new StringContent(tier), "tier" },
            { new StreamContent(stream) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", Path.GetFileName(file) },
        };
        if (ServerCall.Post(handler, server, "api/submissions", token, form, TimeSpan.FromMinutes(30), Name, error) is not { } answer)
            return CommandLine.InvalidInput;
        if (answer.IsSuccess)
        {
            output.WriteLine(ServerCall.Pretty(answer.Body));
            return CommandLine.Ok;
        }
        if (!string.IsNullOrWhiteSpace(answer.Body)) output.WriteLine(ServerCall.Pretty(answer.Body));
        error.WriteLine($"sensorium {Name}: the server refused {Path.GetFileName(file)} ({(int)answer.Status}): {ServerCall.Message(answer.Status, answer.Body)}");
        return CommandLine.InvalidInput;
    }
}
