using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sensorium.Cli.Tests;

/// <summary>
/// The commands that call a workbench (`submission submit`, `stop --run`) share one POST (ServerCall): both reach a
/// workbench served below a path given without its trailing '/', send the team token, print the JSON answer indented
/// and the server's words when refused. Against a real HTTP server on loopback (HttpListener); the round trips with
/// the workbench itself are in Sensorium.Web.Tests.
/// </summary>
public sealed class ServerCallTests : IDisposable
{
    private readonly LoopbackServer _server = new();
    private readonly Sensorium.Data.Tests.TempDir _dir = new();

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    private string Csv()
    {
        string file = Path.Combine(_dir.Path, "submission_file_live_test.csv");
        File.WriteAllText(file, "trial_indices,image_ids,prediction,neuron_ids\n");
        return file;
    }

    [Fact]
    public void Submit_and_stop_reach_a_workbench_below_a_path_with_the_token_and_print_its_answer_indented()
    {
        _server.Answer = _ => (200, """{"id":7,"status":"running"}""");
        var (code, output, error) = Cli.Run("submission", "submit", "--file", Csv(), "--track", "sensorium", "--tier", "test",
            "--server", _server.Base, "--token", "swb_team");
        Assert.True(code == 0, error);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", "/wb/api/submissions", "Bearer swb_team"), (request.Method, request.Path, request.Authorization));
        Assert.Contains("sensorium", request.Body);
        Assert.Contains("submission_file_live_test.csv", request.Body);
        Assert.Contains("\n  \"id\": 7", output.ReplaceLineEndings("\n")); // indented

        (code, output, error) = Cli.Run("stop", "--run", "7", "--server", _server.Base, "--token", "swb_team");
        Assert.True(code == 0, error);
        Assert.Equal(("POST", "/wb/api/runs/7/stop", "Bearer swb_team"), (_server.Requests[1].Method, _server.Requests[1].Path, _server.Requests[1].Authorization));
        Assert.Contains("\"status\": \"running\"", output);
    }

    [Fact]
    public void Refusals_print_the_servers_words_and_exit_1()
    {
        _server.Answer = path => path.EndsWith("/stop", StringComparison.Ordinal)
            ? (path.Contains("/runs/8/") ? 404 : 409, path.Contains("/runs/8/") ? "" : """{"title":"Conflict","status":409,"detail":"A succeeded run is not training."}""")
            : (422, """{"errors":["line 2: 3 columns, expected 4","line 3: not a number"]}""");

        var (code, output, error) = Cli.Run("submission", "submit", "--file", Csv(), "--track", "sensorium", "--tier", "test",
            "--server", _server.Base, "--token", "t");
        Assert.Equal(1, code);
        Assert.Contains("the server refused submission_file_live_test.csv (422): 2 error(s): line 2: 3 columns, expected 4; line 3: not a number", error);
        Assert.Contains("\"errors\"", output); // the whole answer, for the lines past the first five

        (code, _, error) = Cli.Run("stop", "--run", "7", "--server", _server.Base, "--token", "t");
        Assert.Equal(1, code);
        Assert.Contains("sensorium stop: the server refused to stop run 7 (409): A succeeded run is not training.", error);
        (code, _, error) = Cli.Run("stop", "--run", "8", "--server", _server.Base, "--token", "t");
        Assert.Equal(1, code);
        Assert.Contains("the server refused to stop run 8 (404): no such run of your team", error);

        _server.Answer = _ => (401, "");
        (code, _, error) = Cli.Run("stop", "--run", "7", "--server", _server.Base, "--token", "t");
        Assert.Equal(1, code);
        Assert.Contains("(401): the token is unknown or revoked", error);
    }

    /// <summary>An HTTP server on a free loopback port answering below <c>/wb/</c>; records every request.</summary>
    private sealed class LoopbackServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public LoopbackServer()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/wb/");
            _listener.Start();
            Base = $"http://127.0.0.1:{port}/wb"; // no trailing '/': the commands must keep the path
            _loop = Task.Run(ServeAsync);
        }

        public string Base { get; }
        public Func<string, (int Status, string Body)> Answer { get; set; } = _ => (500, "");
        public List<(string Method, string Path, string? Authorization, string Body)> Requests { get; } = [];

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                string body;
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
                string path = context.Request.Url!.AbsolutePath;
                lock (Requests) Requests.Add((context.Request.HttpMethod, path, context.Request.Headers["Authorization"], body));
                var (status, text) = Answer(path);
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
    }
}
