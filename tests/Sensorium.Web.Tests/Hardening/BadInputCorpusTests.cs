using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Tests.Submissions;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>
/// The bad-input corpus (issue 15): every malformed request tried against the workbench, one row each. Each is
/// answered with the expected status and a message naming the field, file or line, and leaves everything stored
/// (rows, their statuses, files in the data directory) as it was.
/// </summary>
[Collection("tiny benchmark")]
public sealed class BadInputCorpusTests(TinyBenchmark bench)
{
    enum Caller { Cookie, Token, Anonymous }

    /// <param name="Body">The request body from the dataset's valid submission lines (for CSV cases).</param>
    sealed record Case(Caller Caller, string Path, Func<string[], HttpContent?> Body, HttpStatusCode Status, string[] Mentions, string? Origin = WorkbenchApp.OwnOrigin);

    static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");
    static string Spec(string inner = "") => $$"""{"dataset":{"path":"{{WorkbenchApp.DatasetName}}"}{{inner}}}""";
    static HttpContent Csv(string text) => new ByteArrayContent(Encoding.UTF8.GetBytes(text)) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } };

    static HttpContent Form(params (string Name, HttpContent Content, string? File)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, content, file) in parts)
            if (file is null) form.Add(content, name); else form.Add(content, name, file);
        return form;
    }

    static HttpContent Upload(string csv, string track = "sensorium", string tier = "test") =>
        Form(("track", new StringContent(track), null), ("tier", new StringContent(tier), null), ("file", Csv(csv), "mine.csv"));

    static readonly Dictionary<string, Case> Cases = new()
    {
        // POST /api/runs: malformed and mistyped JSON, bad specs, limits.
        ["run: not JSON"] = new(Caller.Cookie, "/api/runs", _ => Json("not json"), HttpStatusCode.BadRequest, ["malformed", "body", "line 1"]),
        ["run: truncated JSON"] = new(Caller.Cookie, "/api/runs", _ => Json("""{"name":"x","spec":{"seed":"""), HttpStatusCode.BadRequest, ["malformed at 'spec'", "line 1"]),
        ["run: name is a number"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"name":5,"spec":{{Spec()}}}"""), HttpStatusCode.BadRequest, ["'name' has the wrong type"]),
        ["run: device is an array"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"device":[1],"spec":{{Spec()}}}"""), HttpStatusCode.BadRequest, ["'device' has the wrong type"]),
        ["run: JSON null"] = new(Caller.Cookie, "/api/runs", _ => Json("null"), HttpStatusCode.BadRequest, ["body is null"]),
        ["run: wrong content type"] = new(Caller.Cookie, "/api/runs", _ => new StringContent("{}", Encoding.UTF8, "text/plain"), HttpStatusCode.BadRequest, ["application/json"]),
        ["run: spec is a string"] = new(Caller.Cookie, "/api/runs", _ => Json("""{"spec":"sota"}"""), HttpStatusCode.BadRequest, ["spec", "must be a JSON object"]),
        ["run: spec is empty"] = new(Caller.Cookie, "/api/runs", _ => Json("""{"spec":{}}"""), HttpStatusCode.BadRequest, ["spec", "empty"]),
        ["run: unknown spec key"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec(""","modle":{}""")}}}"""), HttpStatusCode.BadRequest, ["modle"]),
        ["run: unknown dataset"] = new(Caller.Cookie, "/api/runs", _ => Json("""{"spec":{"dataset":{"path":"nope"}}}"""), HttpStatusCode.BadRequest, ["'nope' is not a registered dataset"]),
        ["run: unknown device"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"device":"tpu","spec":{{Spec()}}}"""), HttpStatusCode.BadRequest, ["device", "Unknown device 'tpu'"]),
        ["run: negative epochs"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec(""","trainer":{"maxEpochs":-1}""")}}}"""), HttpStatusCode.BadRequest, ["maxEpochs"]),
        ["run: huge model"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec(""","model":{"layers":100000,"hiddenChannels":100000}""")}}}"""), HttpStatusCode.BadRequest, ["model.layers must be in [1, 16]"]),
        ["run: name too long"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"name":"{{new string('n', 101)}}","spec":{{Spec()}}}"""), HttpStatusCode.BadRequest, ["name", "more than 100 characters"]),
        ["run: spec over MaxSpecBytes"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec($$""","pad":"{{new string('p', 66_000)}}" """)}}}"""), HttpStatusCode.BadRequest, ["at most 65536"]),
        ["run: body over the endpoint limit"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec($$""","pad":"{{new string('p', 100_000)}}" """)}}}"""), HttpStatusCode.RequestEntityTooLarge, ["limit of 68 KiB"]),
        ["run: from another origin"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec()}}}"""), HttpStatusCode.Forbidden, ["Cross-origin", "http://localhost:8888"], "http://localhost:8888"),
        ["run: cookie without Origin"] = new(Caller.Cookie, "/api/runs", _ => Json($$"""{"spec":{{Spec()}}}"""), HttpStatusCode.Forbidden, ["no Origin header"], null),
        ["run: cancel of an unknown run"] = new(Caller.Cookie, "/api/runs/999999/cancel", _ => null, HttpStatusCode.NotFound, []),
        ["run: anonymous"] = new(Caller.Anonymous, "/api/runs", _ => Json($$"""{"spec":{{Spec()}}}"""), HttpStatusCode.Unauthorized, []),

        // POST /api/submissions: the multipart envelope.
        ["upload: not multipart"] = new(Caller.Token, "/api/submissions", _ => Json("{}"), HttpStatusCode.BadRequest, ["multipart/form-data"]),
        ["upload: file before track and tier"] = new(Caller.Token, "/api/submissions", _ => Form(("file", Csv("x"), "mine.csv"), ("track", new StringContent("sensorium"), null), ("tier", new StringContent("test"), null)), HttpStatusCode.BadRequest, ["'track' and 'tier' before the file"]),
        ["upload: no file"] = new(Caller.Token, "/api/submissions", _ => Form(("track", new StringContent("sensorium"), null), ("tier", new StringContent("test"), null)), HttpStatusCode.BadRequest, ["'file' is missing"]),
        ["upload: nothing"] = new(Caller.Token, "/api/submissions", _ => Form(("other", new StringContent("x"), null)), HttpStatusCode.BadRequest, ["'track', 'tier' and 'file' are required"]),
        ["upload: two files"] = new(Caller.Token, "/api/submissions", _ => Form(("track", new StringContent("sensorium"), null), ("tier", new StringContent("test"), null), ("file", Csv("a"), "a.csv"), ("file", Csv("b"), "b.csv")), HttpStatusCode.BadRequest, ["exactly one file"]),
        ["upload: track too long"] = new(Caller.Token, "/api/submissions", _ => Form(("track", new StringContent(new string('t', 100_000)), null)), HttpStatusCode.BadRequest, ["'track' is too long"]),
        ["upload: unknown track"] = new(Caller.Token, "/api/submissions", lines => Upload(string.Join("\n", lines), track: "retina"), HttpStatusCode.BadRequest, ["track must be", "'retina'"]),
        ["upload: unknown tier"] = new(Caller.Token, "/api/submissions", lines => Upload(string.Join("\n", lines), tier: "train"), HttpStatusCode.BadRequest, ["tier must be", "'train'"]),
        ["upload: from another origin"] = new(Caller.Cookie, "/api/submissions", lines => Upload(string.Join("\n", lines)), HttpStatusCode.Forbidden, ["Cross-origin"], "http://localhost:8888"),

        // The CSV itself: named file and line.
        ["upload: empty file"] = new(Caller.Token, "/api/submissions", _ => Upload(""), HttpStatusCode.UnprocessableEntity, ["mine.csv", "empty"]),
        ["upload: header only"] = new(Caller.Token, "/api/submissions", lines => Upload(lines[0] + "\n"), HttpStatusCode.UnprocessableEntity, ["mine.csv", "no data rows"]),
        ["upload: wrong header"] = new(Caller.Token, "/api/submissions", lines => Upload("a,b,c\n" + string.Join("\n", lines.Skip(1)) + "\n"), HttpStatusCode.UnprocessableEntity, ["mine.csv:1", "header"]),
        ["upload: not a number on line 3"] = new(Caller.Token, "/api/submissions", lines => Upload(string.Join("\n", lines.Select((l, i) => i == 2 ? l.Replace("[", "[abc, ") : l)) + "\n"), HttpStatusCode.UnprocessableEntity, ["mine.csv:3", "'abc' is not a number"]),
        ["upload: binary garbage"] = new(Caller.Token, "/api/submissions", _ => Form(("track", new StringContent("sensorium"), null), ("tier", new StringContent("test"), null), ("file", new ByteArrayContent([0, 159, 146, 150, 0, 1, 2]), "mine.csv")), HttpStatusCode.UnprocessableEntity, ["mine.csv"]),

        // Sign-in.
        ["sign-in: no anti-forgery token"] = new(Caller.Anonymous, "/account/signin", _ => new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "signin", ["Input.UserName"] = "x", ["Input.Password"] = "y" }), HttpStatusCode.BadRequest, []),
        ["sign-in: 5 MB form"] = new(Caller.Anonymous, "/account/signin", _ => new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.UserName"] = new string('u', 5 << 20) }), HttpStatusCode.RequestEntityTooLarge, ["limit of 1 MiB"]),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Is_refused_with_a_message_naming_what_is_wrong_and_changes_nothing(string name)
    {
        var c = Cases[name];
        using var app = SubmissionClient.App(bench);
        var (team, member) = await app.CreateTeamAsync("alpha");
        var client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        if (c.Caller == Caller.Token)
        {
            var (token, _) = await app.Get<ApiTokenStore>().CreateAsync(team.Id, member.Id, "ci");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (c.Caller == Caller.Cookie)
            client.DefaultRequestHeaders.Add("Cookie", (await app.SignInAsync(member.UserName)).CookieHeader);
        if (c.Origin is not null && c.Caller == Caller.Cookie) client.DefaultRequestHeaders.Add("Origin", c.Origin);

        var lines = Encoding.UTF8.GetString(bench.ValidCsv("sensorium", "test")).TrimEnd('\n').Split('\n');
        var before = await StoredState.SnapshotAsync(app);
        var response = await client.PostAsync(c.Path, c.Body(lines));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(c.Status == response.StatusCode, $"{name}: {(int)response.StatusCode} {body}");
        foreach (var mention in c.Mentions) Assert.True(body.Contains(mention, StringComparison.Ordinal), $"{name}: '{mention}' not in {body}");
        if (c.Status is not (HttpStatusCode.NotFound or HttpStatusCode.Unauthorized) && !name.StartsWith("sign-in: no anti", StringComparison.Ordinal))
            Assert.NotEmpty(body); // every refusal says why
        Assert.Equal(before, await StoredState.SnapshotAsync(app));
    }
}
