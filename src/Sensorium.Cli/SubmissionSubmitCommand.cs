using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

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
        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new UsageException($"--server must be an http(s) URL (got '{server}')");
        SubmissionInputs.RequireFile(file);

        using var client = handler is null ? new HttpClient() : new HttpClient(handler());
        client.Timeout = TimeSpan.FromMinutes(30);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var stream = File.OpenRead(file); // streamed, not read into memory
        using var form = new MultipartFormDataContent
        {
            { new StringContent(track), "track" },
            { new StringContent(tier), "tier" },
            { new StreamContent(stream) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } }, "file", Path.GetFileName(file) },
        };
        HttpResponseMessage response;
        string body;
        try
        {
            response = client.PostAsync(new Uri(baseUri, "api/submissions"), form).GetAwaiter().GetResult();
            body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"sensorium {Name}: could not reach {server}: {e.Message}");
            return CommandLine.InvalidInput;
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                output.WriteLine(Pretty(body));
                return CommandLine.Ok;
            }
            if (!string.IsNullOrWhiteSpace(body)) output.WriteLine(Pretty(body));
            error.WriteLine($"sensorium {Name}: the server refused {Path.GetFileName(file)} ({(int)response.StatusCode}): {Message(response.StatusCode, body)}");
            return CommandLine.InvalidInput;
        }
    }

    /// <summary>The server's words: the first validation errors, or the problem's detail/title.</summary>
    internal static string Message(HttpStatusCode status, string body)
    {
        if (status == HttpStatusCode.Unauthorized) return "the token is unknown or revoked";
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                return $"{errors.GetArrayLength()} error(s): " + string.Join("; ", errors.EnumerateArray().Take(5).Select(e => e.GetString()));
            foreach (var name in new[] { "detail", "title" })
                if (root.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String) return text.GetString()!;
        }
        catch (JsonException) { } // not a problem document: the raw body below is the message
        return string.IsNullOrWhiteSpace(body) ? status.ToString() : body.Trim();
    }

    internal static string Pretty(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return JsonSerializer.Serialize(json.RootElement, SubmissionInputs.Json);
        }
        catch (JsonException) { return body; }
    }
}
