using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Sensorium.Cli;

/// <summary>
/// A POST to a workbench server with a team API token, shared by the commands that call one (`submission submit`,
/// `stop --run`): checks <c>--server</c>, sends the bearer token, reads the answer, and turns an unreachable server
/// into "could not reach" (exit 1). The caller prints the answer: <see cref="Pretty"/> JSON on success,
/// <see cref="Message"/> (the server's words) when refused.
/// </summary>
internal static class ServerCall
{
    /// <summary>The server's answer: its status and body (read whole).</summary>
    public sealed record Answer(HttpStatusCode Status, string Body)
    {
        public bool IsSuccess => (int)Status is >= 200 and < 300;
    }

    /// <summary>
    /// <c>--server</c> as a base address ending in '/' (so "api/…" stays below a path the workbench is served under);
    /// a usage error naming the option when it is no http(s) URL.
    /// </summary>
    public static Uri BaseAddress(string server)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new UsageException($"--server must be an http(s) URL (got '{server}')");
        return baseUri.AbsolutePath.EndsWith('/') ? baseUri : new Uri(baseUri + "/");
    }

    /// <summary>
    /// POSTs <paramref name="content"/> to <paramref name="path"/> below <paramref name="server"/>; null (after writing
    /// "sensorium COMMAND: could not reach SERVER: why" to <paramref name="error"/>) when no answer came.
    /// </summary>
    public static Answer? Post(Func<HttpMessageHandler>? handler, string server, string path, string token, HttpContent? content,
        TimeSpan timeout, string command, TextWriter error)
    {
        var address = new Uri(BaseAddress(server), path);
        using var client = handler is null ? new HttpClient() : new HttpClient(handler());
        client.Timeout = timeout;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = client.PostAsync(address, content).GetAwaiter().GetResult();
            return new Answer(response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"sensorium {command}: could not reach {server}: {e.Message}");
            return null;
        }
    }

    /// <summary>The server's words: the first validation errors, or the problem's detail/title.</summary>
    public static string Message(HttpStatusCode status, string body)
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

    /// <summary>A JSON answer indented for reading; any other text as it came.</summary>
    public static string Pretty(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return JsonSerializer.Serialize(json.RootElement, SubmissionInputs.Json);
        }
        catch (JsonException) { return body; }
    }
}
