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

        // POST /api/sweeps: malformed sweep specs (nothing is queued when any run of the sweep is refused).
        ["sweep: not JSON"] = new(Caller.Cookie, "/api/sweeps", _ => Json("{axes"), HttpStatusCode.BadRequest, ["is not valid", "axes a list"]),
        ["sweep: wrong content type"] = new(Caller.Token, "/api/sweeps", _ => new StringContent("{}", Encoding.UTF8, "text/plain"), HttpStatusCode.BadRequest, ["application/json"]),
        ["sweep: axes is a string"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":"seed"}"""), HttpStatusCode.BadRequest, ["'axes' is not valid"]),
        ["sweep: budget is a string"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"budget":"many","axes":[{"field":"seed","values":[1]}]}"""), HttpStatusCode.BadRequest, ["'budget' is not valid"]),
        ["sweep: no axes"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[]}"""), HttpStatusCode.BadRequest, ["\"axes\"", "at least one field"]),
        ["sweep: no base"] = new(Caller.Cookie, "/api/sweeps", _ => Json("""{"axes":[{"field":"seed","values":[1,2]}]}"""), HttpStatusCode.BadRequest, ["\"base\""]),
        ["sweep: base is a string"] = new(Caller.Cookie, "/api/sweeps", _ => Json("""{"base":"sota","axes":[{"field":"seed","values":[1,2]}]}"""), HttpStatusCode.BadRequest, ["\"base\"", "must be a JSON object"]),
        ["sweep: unknown mode"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"mode":"lattice","axes":[{"field":"seed","values":[1]}]}"""), HttpStatusCode.BadRequest, ["\"mode\"", "'lattice'"]),
        ["sweep: unknown field"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"trainer.lrr","values":[0.1]}]}"""), HttpStatusCode.BadRequest, ["trainer.lrr", "is not a field of the run spec"]),
        ["sweep: empty field name"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"","values":[1]}]}"""), HttpStatusCode.BadRequest, ["axes[0].field", "is empty"]),
        ["sweep: value of the wrong type"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"trainer.lrInit","values":["fast"]}]}"""), HttpStatusCode.BadRequest, ["trainer.lrInit", "takes a number"]),
        ["sweep: a value twice"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"seed","values":[3,3]}]}"""), HttpStatusCode.BadRequest, ["\"seed\"", "given twice"]),
        ["sweep: range in grid mode"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$$"""{"base":{{{Spec()}}},"axes":[{"field":"trainer.lrInit","range":{"low":0.001,"high":0.01}}]}"""), HttpStatusCode.BadRequest, ["trainer.lrInit", "a range needs random mode"]),
        ["sweep: budget over the maximum"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$$"""{"base":{{{Spec()}}},"mode":"random","budget":5000,"axes":[{"field":"trainer.lrInit","range":{"low":0.001,"high":0.01}}]}"""), HttpStatusCode.BadRequest, ["\"budget\"", "must be in [1, 1000]"]),
        ["sweep: one run too big"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"model.core.hiddenChannels","values":[64,100000]}]}"""), HttpStatusCode.BadRequest, ["model.core.hiddenChannels", "512"]),
        ["sweep: more runs than may wait"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"seed","values":[{{string.Join(",", Enumerable.Range(1, 25))}}]}]}"""), HttpStatusCode.BadRequest, ["\"queue\"", "The sweep has 25 runs", "at most 20 may wait"]),
        ["sweep: from another origin"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec()}},"axes":[{"field":"seed","values":[1,2]}]}"""), HttpStatusCode.Forbidden, ["Cross-origin"], "http://localhost:8888"),
        ["sweep: body over the endpoint limit"] = new(Caller.Cookie, "/api/sweeps", _ => Json($$"""{"base":{{Spec($$""","pad":"{{new string('p', 200_000)}}" """)}},"axes":[]}"""), HttpStatusCode.RequestEntityTooLarge, ["limit of 128 KiB"]),

        // POST /api/ensembles and /api/ensembles/seeds: malformed ensemble requests.
        ["ensemble: not JSON"] = new(Caller.Cookie, "/api/ensembles", _ => Json("runs: 1, 2"), HttpStatusCode.BadRequest, ["'body' is malformed"]),
        ["ensemble: wrong content type"] = new(Caller.Token, "/api/ensembles", _ => new StringContent("{}", Encoding.UTF8, "text/plain"), HttpStatusCode.BadRequest, ["application/json"]),
        ["ensemble: runs is a string"] = new(Caller.Cookie, "/api/ensembles", _ => Json("""{"runs":"1,2"}"""), HttpStatusCode.BadRequest, ["'runs' is malformed or has the wrong type"]),
        ["ensemble: one run"] = new(Caller.Cookie, "/api/ensembles", _ => Json("""{"runs":[1]}"""), HttpStatusCode.BadRequest, ["\"runs\"", "at least two runs (got 1)"]),
        ["ensemble: a run twice"] = new(Caller.Cookie, "/api/ensembles", _ => Json("""{"runs":[7,7]}"""), HttpStatusCode.BadRequest, ["\"runs\"", "Run 7 is listed twice"]),
        ["ensemble: runs that are not the team's"] = new(Caller.Token, "/api/ensembles", _ => Json("""{"runs":[999998,999999]}"""), HttpStatusCode.BadRequest, ["\"runs\"", "Run 999998 is not one of your team's runs"]),
        ["ensemble: name too long"] = new(Caller.Cookie, "/api/ensembles", _ => Json($$"""{"name":"{{new string('e', 201)}}","runs":[999998,999999]}"""), HttpStatusCode.BadRequest, ["\"name\"", "longer than 200 characters"]),
        ["ensemble: from another origin"] = new(Caller.Cookie, "/api/ensembles", _ => Json("""{"runs":[1,2]}"""), HttpStatusCode.Forbidden, ["Cross-origin"], "http://localhost:8888"),
        ["ensemble: body over the endpoint limit"] = new(Caller.Token, "/api/ensembles", _ => Json($$"""{"name":"{{new string('e', 70_000)}}","runs":[1,2]}"""), HttpStatusCode.RequestEntityTooLarge, ["limit of 64 KiB"]),
        ["ensemble: evaluate an unknown one"] = new(Caller.Cookie, "/api/ensembles/999999/evaluate", _ => null, HttpStatusCode.NotFound, []),
        ["seed ensemble: one seed"] = new(Caller.Cookie, "/api/ensembles/seeds", _ => Json($$"""{"spec":{{Spec()}},"seeds":1}"""), HttpStatusCode.BadRequest, ["\"seeds\"", "between 2 and 20 seeds (got 1)"]),
        ["seed ensemble: 21 seeds"] = new(Caller.Cookie, "/api/ensembles/seeds", _ => Json($$"""{"spec":{{Spec()}},"seeds":21}"""), HttpStatusCode.BadRequest, ["\"seeds\"", "(got 21)"]),
        ["seed ensemble: seeds is a string"] = new(Caller.Cookie, "/api/ensembles/seeds", _ => Json($$"""{"spec":{{Spec()}},"seeds":"five"}"""), HttpStatusCode.BadRequest, ["'seeds' is malformed or has the wrong type"]),
        ["seed ensemble: no spec"] = new(Caller.Cookie, "/api/ensembles/seeds", _ => Json("""{"seeds":3}"""), HttpStatusCode.BadRequest, ["\"spec\"", "The spec is required"]),
        ["seed ensemble: no worker processes"] = new(Caller.Token, "/api/ensembles/seeds", _ => Json($$"""{"spec":{{Spec()}},"seeds":2}"""), HttpStatusCode.BadRequest, ["\"seeds\"", "Worker:Enabled is false"]),

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

    /// <summary>
    /// In-silico requests (the Neurons page and the run page queue them through <see cref="Sensorium.Web.Features.Neurons.InSilicoJobs"/>;
    /// there is no API route): a run that cannot have them is refused with the reason, naming the run, and no job is stored.
    /// </summary>
    [Theory]
    [InlineData("queued run", "has not finished training")]
    [InlineData("no model directory", "has no model directory (spec.json, model.pth)")]
    [InlineData("no worker processes", "Worker:Enabled is false")]
    public async Task An_in_silico_request_that_cannot_run_is_refused_naming_why_and_stores_nothing(string name, string why)
    {
        using var app = new WorkbenchApp(); // runs no worker processes
        var (team, member) = await app.CreateTeamAsync("alpha");
        var runs = app.Get<Sensorium.Storage.Runs.RunStore>();
        var run = await runs.CreateAsync(new Sensorium.Storage.Runs.NewRun(team.Id, member.Id, "r", WorkbenchApp.SpecJson(), null));
        if (name != "queued run")
        {
            await runs.TransitionAsync(run.Id, Sensorium.Storage.Runs.RunStatus.Running, "cpu");
            run = await runs.TransitionAsync(run.Id, Sensorium.Storage.Runs.RunStatus.Succeeded);
        }
        if (name == "no worker processes")
        {
            var folder = Directory.CreateDirectory(Path.Combine(app.DataDirectory, "artifacts", run.Id.ToString()));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "spec.json"), WorkbenchApp.SpecJson());
        }
        var before = await StoredState.SnapshotAsync(app);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            app.Get<Sensorium.Web.Features.Neurons.InSilicoJobs>().EnqueueAsync(run, 8, member.Id));
        Assert.Contains(why, error.Message);
        if (name != "no worker processes") Assert.Contains($"run {run.Id}", error.Message);
        Assert.Equal(before, await StoredState.SnapshotAsync(app));
        Assert.Null(await app.Get<Sensorium.Storage.InSilico.InSilicoJobStore>().LatestForRunAsync(run.Id));
    }
}
