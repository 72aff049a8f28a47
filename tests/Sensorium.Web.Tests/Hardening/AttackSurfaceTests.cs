using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Sensorium.Data.Submissions;
using Sensorium.Storage;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Ensembles;
using Sensorium.Storage.InSilico;
using Sensorium.Storage.Runs;
using Sensorium.Storage.Submissions;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Security;
using Sensorium.Web.Features.Training;
using Xunit.Abstractions;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>
/// The attack pass of issue 15, automated: every route the app maps (read from its endpoint data source, so a route
/// added later is covered, and <see cref="Every_route_and_hub_method_is_classified"/> fails until it is classified),
/// every hub method (by reflection), every page, against six principals: anonymous, team A by cookie and by token,
/// team B by cookie and by token, an administrator. Team A owns runs (one with an artifact), an ensemble, a sweep,
/// an in-silico job, a live-test submission (with its file) and a final-test one whose scores are hidden. Asserts: no
/// response to team B or to anyone anonymous carries anything of team A's (its names, notes, files), no response to
/// anyone but the administrator carries a hidden final-test score, no 5xx, team B's and anonymous actions on team A's
/// things change nothing stored, state-changing cookie requests without or with a foreign Origin are refused, and every
/// route that takes a body has a limit (small except the upload) that refuses a larger one. Prints the counts.
/// </summary>
public sealed class AttackSurfaceTests(ITestOutputHelper output) : IDisposable
{
    readonly WorkbenchApp app = new(settings: new Dictionary<string, string>
    {
        ["Submissions:MaxUploadBytes"] = (1L << 20).ToString(), // the upload's limit: 1 MiB + the multipart overhead
        ["Submissions:ApiUploadsPerMinute"] = "1000", // the rate limiter is not what this test probes
    });
    public void Dispose() => app.Dispose();

    const string Secret = "alphasecret"; // in every name, note and file of team A's
    const string ForeignOrigin = "http://localhost:8888"; // another port of the same host: same site, other origin

    /// <summary>Team A's hidden final-test scores and how JSON and the pages (F4) would print them.</summary>
    static readonly string[] HiddenScores = ["0.4321987", "0.4322", "0.3819275", "0.3819", "0.2918374", "0.2918"];

    enum Who { Anonymous, ACookie, AToken, BCookie, BToken, Admin }

    enum Access { Public, Team, SignedIn, Admin, Framework, Form }

    enum Owned { None, Run, QueuedRun, Ensemble, Sweep, Submission, Dataset }

    /// <param name="Query">Appended to the URL; {run}, {run2}, {ensemble}, {sweep} are team A's ids.</param>
    /// <param name="OwnerSees">A GET by team A's principals (a page: by its cookie) answers 200 with team A's secret (proves the leak check can fail).</param>
    sealed record Route(Access Access, Owned Owned = Owned.None, string Query = "", bool OwnerSees = false, Func<Fixture, HttpContent?>? Body = null);

    /// <summary>Every route pattern the app maps (static files aside), classified. A new route fails <see cref="Every_route_and_hub_method_is_classified"/> until it is added here.</summary>
    static readonly Dictionary<string, Route> Routes = new()
    {
        ["/api/runs"] = new(Access.Team, OwnerSees: true, Body: _ => Json(new { name = "probe", spec = new { dataset = new { path = WorkbenchApp.DatasetName } } })),
        ["/api/runs/{id:long}"] = new(Access.Team, Owned.Run, OwnerSees: true, Body: _ => Json(new { notes = "pwned", tags = new[] { "pwned" } })),
        ["/api/runs/{id:long}/artifacts"] = new(Access.Team, Owned.Run, OwnerSees: true),
        ["/api/runs/{id:long}/artifacts/download"] = new(Access.Team, Owned.Run, "?path=alphasecret-notes.txt", OwnerSees: true),
        ["/api/runs/{id:long}/cancel"] = new(Access.Team, Owned.QueuedRun),
        ["/api/runs/{id:long}/resume"] = new(Access.Team, Owned.Run),
        ["/api/runs/{id:long}/stop"] = new(Access.Team, Owned.Run),
        ["/api/ensembles"] = new(Access.Team, OwnerSees: true, Body: f => Json(new { name = "probe", runs = new[] { f.Run, f.Run2 } })),
        ["/api/ensembles/seeds"] = new(Access.Team, Body: _ => Json(new { name = "probe", spec = new { dataset = new { path = WorkbenchApp.DatasetName } }, seeds = 2 })),
        ["/api/ensembles/{id:long}"] = new(Access.Team, Owned.Ensemble, OwnerSees: true),
        ["/api/ensembles/{id:long}/evaluate"] = new(Access.Team, Owned.Ensemble),
        ["/api/sweeps"] = new(Access.Team, OwnerSees: true, Body: _ => Json(new
        {
            name = "probe", @base = new { dataset = new { path = WorkbenchApp.DatasetName } },
            axes = new object[] { new { field = "seed", values = new[] { 1, 2 } } },
        })),
        ["/api/sweeps/{id:long}"] = new(Access.Team, Owned.Sweep, OwnerSees: true),
        ["/api/submissions"] = new(Access.Team, OwnerSees: true, Body: _ => new MultipartFormDataContent
        {
            { new StringContent("sensorium"), "track" }, { new StringContent(SubmissionTiers.LiveTest), "tier" }, // no file: refused
        }),
        ["/api/submissions/{id:long}/file"] = new(Access.SignedIn, Owned.Submission, OwnerSees: true),
        ["/api/leaderboards/{track}/{tier}"] = new(Access.Public),
        ["/account/signout"] = new(Access.Form, Body: _ => Form()),
        ["/{**path:file}"] = new(Access.Public), // a file path the build manifest does not list (answered 404)
        ["/hubs/training"] = new(Access.Framework),
        ["/hubs/training/negotiate"] = new(Access.Framework),
        ["/hubs/leaderboards"] = new(Access.Framework),
        ["/hubs/leaderboards/negotiate"] = new(Access.Framework),

        // Pages (Razor components; a POST to one is a form post and needs an anti-forgery token).
        ["/"] = new(Access.Public),
        ["/error"] = new(Access.Public),
        ["/not-found"] = new(Access.Public),
        ["/account/signin"] = new(Access.Public),
        ["/account/denied"] = new(Access.Public),
        ["/leaderboards"] = new(Access.Public),
        ["/leaderboards/{TrackSlug}/{Tier}"] = new(Access.Public),
        ["/account"] = new(Access.SignedIn),
        ["/tokens"] = new(Access.Team),
        ["/runs"] = new(Access.Team, OwnerSees: true),
        ["/runs/new"] = new(Access.Team, Query: "?clone={run}"),
        ["/runs/{RunId:long}"] = new(Access.Team, Owned.Run, OwnerSees: true),
        ["/runs/{RunId:long}/neurons"] = new(Access.Team, Owned.Run, "?neuron=0"),
        ["/compare"] = new(Access.Team, Query: "?runs={run},{run2}&ensembles={ensemble}", OwnerSees: true),
        ["/datasets"] = new(Access.SignedIn),
        ["/datasets/{DatasetId:long}"] = new(Access.SignedIn, Owned.Dataset),
        ["/ensembles/new"] = new(Access.Team, Query: "?runs={run},{run2}"),
        ["/ensembles/{EnsembleId:long}"] = new(Access.Team, Owned.Ensemble, OwnerSees: true),
        ["/ensembles/{EnsembleId:long}/neurons"] = new(Access.Team, Owned.Ensemble, "?neuron=0"),
        ["/sweeps"] = new(Access.Team, OwnerSees: true),
        ["/sweeps/new"] = new(Access.Team, Query: "?from={sweep}"),
        ["/sweeps/{Id:long}"] = new(Access.Team, Owned.Sweep, OwnerSees: true),
        ["/submissions"] = new(Access.Team),
        ["/admin/teams"] = new(Access.Admin),
        ["/admin/users"] = new(Access.Admin),
        ["/admin/queue"] = new(Access.Admin),
        ["/admin/submissions"] = new(Access.Admin),
    };

    /// <summary>Every hub method (public, declared on the hub), with the team A thing it is called with.</summary>
    static readonly Dictionary<string, Owned> HubMethods = new()
    {
        ["TrainingHub.JoinRun"] = Owned.Run,
        ["TrainingHub.LeaveRun"] = Owned.Run,
    };

    /// <summary>Blazor's own endpoints (the circuit hub and its helpers): classified as framework by prefix.</summary>
    static bool IsBlazorFramework(string pattern) => pattern.StartsWith("/_blazor", StringComparison.Ordinal) || pattern.StartsWith("/_framework", StringComparison.Ordinal);

    static HttpContent Json(object value) => new StringContent(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
    static HttpContent Form() => new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/", ["_handler"] = "x" });

    sealed record Endpoint(string Method, string Pattern, Microsoft.AspNetCore.Http.Endpoint Source);

    /// <summary>The app's routes by method and pattern, static files left out (they are only GET/HEAD of public files).</summary>
    static List<Endpoint> Discover(WorkbenchApp app, out int staticFiles)
    {
        var all = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        bool IsStatic(RouteEndpoint e)
        {
            if (e.Metadata.Any(m => m.GetType().Name.Contains("StaticAsset", StringComparison.Ordinal))) return true;
            var raw = e.RoutePattern.RawText ?? "";
            return raw.StartsWith("_content/", StringComparison.Ordinal) || raw.StartsWith("/_content/", StringComparison.Ordinal)
                || (!raw.Contains('{') && raw.Split('/').Last().Contains('.'));
        }
        staticFiles = all.Count(IsStatic);
        return [.. all.Where(e => !IsStatic(e)).SelectMany(e =>
        {
            var pattern = "/" + (e.RoutePattern.RawText ?? "").Trim('/');
            var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } m ? m : ["GET", "POST", "PUT", "PATCH", "DELETE"];
            return methods.Select(method => new Endpoint(method, pattern, e));
        }).DistinctBy(e => (e.Method, e.Pattern)).OrderBy(e => e.Pattern, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)];
    }

    static IEnumerable<(string Name, MethodInfo Method)> DiscoverHubMethods(WorkbenchApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<HubMetadata>()?.HubType).OfType<Type>().Distinct()
            .Where(t => t.Assembly == typeof(TrainingHub).Assembly) // Blazor's own circuit hub is the framework's
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => !m.IsSpecialName && m.Name is not ("OnConnectedAsync" or "OnDisconnectedAsync" or "Dispose"))
                .Select(m => ($"{t.Name}.{m.Name}", m)));

    [Fact]
    public void Every_route_and_hub_method_is_classified()
    {
        var endpoints = Discover(app, out int staticFiles);
        var patterns = endpoints.Select(e => e.Pattern).Distinct().ToList();
        var unclassified = patterns.Where(p => !Routes.ContainsKey(p) && !IsBlazorFramework(p)).ToList();
        var stale = Routes.Keys.Where(k => !patterns.Contains(k)).ToList();
        foreach (var e in endpoints) output.WriteLine($"{e.Method,-7} {e.Pattern}");
        output.WriteLine($"{patterns.Count} route patterns, {endpoints.Count} route × method pairs, {staticFiles} static files");
        Assert.True(unclassified.Count == 0, "Routes not classified in AttackSurfaceTests.Routes (say who may call them and what they own): " + string.Join(", ", unclassified));
        Assert.True(stale.Count == 0, "Classified routes the app no longer maps: " + string.Join(", ", stale));

        var hubMethods = DiscoverHubMethods(app).Select(h => h.Name).ToList();
        Assert.True(hubMethods.All(HubMethods.ContainsKey), "Hub methods not classified: " + string.Join(", ", hubMethods.Where(h => !HubMethods.ContainsKey(h))));
        Assert.True(HubMethods.Keys.All(hubMethods.Contains), "Classified hub methods that no longer exist: " + string.Join(", ", HubMethods.Keys.Where(h => !hubMethods.Contains(h))));
        Assert.Contains("/api/ensembles/seeds", patterns); // the discovery sees the later routes
        Assert.Contains("/sweeps/{Id:long}", patterns);
        Assert.Contains("/hubs/training", patterns);
    }

    /// <summary>Team A's things, team B's, and a client per principal.</summary>
    sealed class Fixture
    {
        public long TeamA, TeamB, Run, Run2, QueuedRun, Ensemble, Sweep, Submission, FinalSubmission, Dataset, BRun;
        public string CookieA = "", CookieB = "", CookieAdmin = "", TokenA = "", TokenB = "";
    }

    async Task<Fixture> ArrangeAsync()
    {
        var f = new Fixture();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (beta, b) = await app.CreateTeamAsync("beta");
        (f.TeamA, f.TeamB) = (alpha.Id, beta.Id);
        await app.Get<AccountService>().CreateUserAsync("root", WorkbenchApp.Password, teamId: null, isAdmin: true);
        var runs = app.Get<RunStore>();
        async Task<Run> Succeeded(long team, long user, string name)
        {
            var run = await runs.CreateAsync(new NewRun(team, user, name, WorkbenchApp.SpecJson(), null));
            await runs.TransitionAsync(run.Id, RunStatus.Running, "cpu");
            return await runs.TransitionAsync(run.Id, RunStatus.Succeeded);
        }
        var run = await Succeeded(alpha.Id, a.Id, $"{Secret}-run");
        await runs.SetNotesAndTagsAsync(run.Id, $"{Secret}-notes", [$"{Secret}-tag"]);
        f.Run = run.Id;
        f.Run2 = (await Succeeded(alpha.Id, a.Id, $"{Secret}-run2")).Id;
        f.QueuedRun = (await runs.CreateAsync(new NewRun(alpha.Id, a.Id, $"{Secret}-queued", WorkbenchApp.SpecJson(), null))).Id;
        f.BRun = (await Succeeded(beta.Id, b.Id, "beta-own")).Id;
        var artifacts = Directory.CreateDirectory(Path.Combine(app.DataDirectory, "artifacts", f.Run.ToString()));
        await File.WriteAllTextAsync(Path.Combine(artifacts.FullName, $"{Secret}-notes.txt"), $"{Secret}-artifact-bytes");

        f.Ensemble = (await app.Get<EnsembleStore>().CreateAsync(new NewEnsemble(alpha.Id, a.Id, $"{Secret}-ensemble",
            Path.Combine(app.DataDirectory, "datasets", WorkbenchApp.DatasetName), ["26872-17-20"], [f.Run, f.Run2], Waiting: false))).Id;
        Assert.NotNull(await app.Get<InSilicoJobStore>().CreateAsync(new NewInSilicoJob(f.Run, alpha.Id, a.Id, 4, null)));

        var submissions = Directory.CreateDirectory(Path.Combine(app.DataDirectory, "submissions-test"));
        async Task<long> Submit(string tier, string file, double single, double average, double feve)
        {
            var path = Path.Combine(submissions.FullName, file);
            await File.WriteAllTextAsync(path, $"{Secret}-csv-bytes\n");
            return (await app.Get<SubmissionStore>().CreateAsync(new Submission
            {
                TeamId = alpha.Id, UserId = a.Id, RunId = f.Run, Track = "sensorium", Tier = tier, FileName = file, FilePath = path,
                FileBytes = new FileInfo(path).Length, SingleTrialCorrelation = single, CorrelationToAverage = average, Feve = feve,
            })).Id;
        }
        f.Submission = await Submit(SubmissionTiers.LiveTest, $"{Secret}-live.csv", 0.25, 0.5, 0.3);
        f.FinalSubmission = await Submit(SubmissionTiers.FinalTest, $"{Secret}-final.csv", 0.4321987, 0.3819275, 0.2918374);
        f.Dataset = (await app.Get<Sensorium.Storage.Datasets.DatasetStore>().ListAsync()).Single(d => d.Name == WorkbenchApp.DatasetName).Id;

        (f.TokenA, _) = await app.Get<ApiTokenStore>().CreateAsync(alpha.Id, a.Id, "ci");
        (f.TokenB, _) = await app.Get<ApiTokenStore>().CreateAsync(beta.Id, b.Id, "ci");
        f.CookieA = (await app.SignInAsync(a.UserName)).CookieHeader;
        f.CookieB = (await app.SignInAsync(b.UserName)).CookieHeader;
        f.CookieAdmin = (await app.SignInAsync("root")).CookieHeader;

        // The sweep through the API, as team A would make it (its runs are named after it).
        var sweep = await Send(f, "POST", "/api/sweeps", Who.AToken, null, Json(new
        {
            name = $"{Secret}-sweep", @base = new { dataset = new { path = WorkbenchApp.DatasetName } },
            axes = new object[] { new { field = "seed", values = new[] { 5, 6 } } },
        }));
        Assert.True(sweep.Status == HttpStatusCode.Created, sweep.Body);
        f.Sweep = JsonDocument.Parse(sweep.Body).RootElement.GetProperty("id").GetInt64();
        return f;
    }

    /// <summary>What team A has stored: its runs (status, notes, tags, priority), ensembles, sweeps, in-silico jobs, submissions, tokens, password, the artifact.</summary>
    async Task<string> TeamAStateAsync(Fixture f)
    {
        await using var connection = app.Get<Database>().Open();
        var rows = await connection.QuerySingleAsync<string>("""
            SELECT (SELECT IFNULL(GROUP_CONCAT(id || ':' || status || ':' || notes || ':' || tags || ':' || priority, ';'), '') FROM (SELECT * FROM runs WHERE team_id = @t ORDER BY id))
                || '|' || (SELECT IFNULL(GROUP_CONCAT(id || ':' || status, ';'), '') FROM (SELECT * FROM ensembles WHERE team_id = @t ORDER BY id))
                || '|' || (SELECT COUNT(*) FROM sweeps WHERE team_id = @t)
                || '|' || (SELECT IFNULL(GROUP_CONCAT(id || ':' || status, ';'), '') FROM (SELECT * FROM insilico_jobs WHERE team_id = @t ORDER BY id))
                || '|' || (SELECT COUNT(*) FROM submissions WHERE team_id = @t)
                || '|' || (SELECT IFNULL(GROUP_CONCAT(IFNULL(revoked_at, 'live'), ','), '') FROM (SELECT * FROM api_tokens WHERE team_id = @t ORDER BY id))
                || '|' || (SELECT IFNULL(GROUP_CONCAT(password_hash, ','), '') FROM (SELECT * FROM users WHERE team_id = @t ORDER BY id))
            """, new { t = f.TeamA });
        return rows + "|" + await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "artifacts", f.Run.ToString(), $"{Secret}-notes.txt"));
    }

    sealed record Answer(HttpStatusCode Status, string Body, string? Location);

    async Task<Answer> Send(Fixture f, string method, string url, Who who, string? origin, HttpContent? body)
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = body };
        string? cookie = who switch { Who.ACookie => f.CookieA, Who.BCookie => f.CookieB, Who.Admin => f.CookieAdmin, _ => null };
        string? token = who switch { Who.AToken => f.TokenA, Who.BToken => f.TokenB, _ => null };
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (origin is not null) request.Headers.Add("Origin", origin);
        using var response = await client.SendAsync(request);
        return new(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.OriginalString);
    }

    static string Url(string pattern, Route route, Fixture f)
    {
        long owned = route.Owned switch
        {
            Owned.Run => f.Run, Owned.QueuedRun => f.QueuedRun, Owned.Ensemble => f.Ensemble, Owned.Sweep => f.Sweep,
            Owned.Submission => f.Submission, Owned.Dataset => f.Dataset, _ => 0,
        };
        var path = Regex.Replace(pattern, @"\{\**(\w+)(:[^}]*)?\}", m => m.Groups[1].Value switch
        {
            "path" => "no-such-file.txt",
            "track" or "TrackSlug" => "sensorium",
            "tier" or "Tier" => SubmissionTiers.FinalTest,
            _ => owned.ToString(),
        });
        return path + route.Query.Replace("{run}", f.Run.ToString()).Replace("{run2}", f.Run2.ToString())
            .Replace("{ensemble}", f.Ensemble.ToString()).Replace("{sweep}", f.Sweep.ToString());
    }

    /// <summary>The route's body, or a form for a page or form post.</summary>
    static HttpContent? BodyFor(Endpoint e, Route route, Fixture f) =>
        route.Body?.Invoke(f) ?? (IsPage(e) ? Form() : null);

    static bool IsUnsafe(string method) => method is not ("GET" or "HEAD" or "OPTIONS");
    static bool IsPage(Endpoint e) => e.Source.Metadata.Any(m => m.GetType().Name == "ComponentTypeMetadata");

    sealed class Tally
    {
        public int Checks, Leaks, ScoreLeaks, ServerErrors, CrossOrigin, BodyLimits, HubChecks, OwnerSaw;
        public readonly List<string> Failures = [];
        public void Fail(string what) { lock (Failures) Failures.Add(what); }
    }

    /// <summary>No 5xx; nothing of team A's to B or anonymous; no hidden score to anyone but the administrator.</summary>
    static void Judge(Tally t, string what, Who who, Answer answer)
    {
        t.Checks++;
        if ((int)answer.Status >= 500) { t.ServerErrors++; t.Fail($"{what} as {who}: {(int)answer.Status} {Cut(answer.Body)}"); }
        if (who is Who.Anonymous or Who.BCookie or Who.BToken && answer.Body.Contains(Secret, StringComparison.Ordinal))
        {
            t.Leaks++;
            t.Fail($"{what} as {who}: team A's data in the answer: …{Around(answer.Body, Secret)}…");
        }
        if (who != Who.Admin && HiddenScores.FirstOrDefault(s => answer.Body.Contains(s, StringComparison.Ordinal)) is { } score)
        {
            t.ScoreLeaks++;
            t.Fail($"{what} as {who}: a hidden final-test score ({score}) in the answer: …{Around(answer.Body, score)}…");
        }
    }

    static string Cut(string s) => s.Length <= 300 ? s : s[..300] + "…";
    static string Around(string body, string needle)
    {
        int i = body.IndexOf(needle, StringComparison.Ordinal);
        return body.Substring(Math.Max(0, i - 80), Math.Min(body.Length - Math.Max(0, i - 80), 160 + needle.Length));
    }

    [Fact]
    public async Task No_route_hub_method_or_page_leaks_across_teams_or_fails_and_cookie_actions_need_the_own_origin()
    {
        var f = await ArrangeAsync();
        var endpoints = Discover(app, out _);
        var t = new Tally();
        var principals = Enum.GetValues<Who>();
        var stateBefore = await TeamAStateAsync(f);

        // 1. Reads: every GET route and page × every principal.
        foreach (var e in endpoints.Where(e => !IsUnsafe(e.Method)))
        {
            var route = Routes.GetValueOrDefault(e.Pattern) ?? new Route(Access.Framework);
            var url = Url(e.Pattern, route, f);
            foreach (var who in principals)
            {
                var answer = await Send(f, e.Method, url, who, null, null);
                var what = $"{e.Method} {url}";
                Judge(t, what, who, answer);
                bool api = e.Pattern.StartsWith("/api/", StringComparison.Ordinal);
                if (who == Who.Anonymous && route.Access is Access.Team or Access.SignedIn or Access.Admin)
                {
                    bool refused = api ? answer.Status == HttpStatusCode.Unauthorized
                        : answer.Status == HttpStatusCode.Redirect && answer.Location!.Contains("/account/signin", StringComparison.Ordinal);
                    if (!refused) t.Fail($"{what} anonymous: {(int)answer.Status} {answer.Location}, expected {(api ? "401" : "a redirect to sign in")}");
                }
                if (who is Who.BCookie or Who.BToken && api && route.Owned is not (Owned.None or Owned.Dataset) && answer.Status != HttpStatusCode.NotFound)
                    t.Fail($"{what} as {who} (team A's): {(int)answer.Status}, expected 404");
                if (who is Who.ACookie or Who.BCookie && !api && route.Access == Access.Admin
                    && !(answer.Status == HttpStatusCode.Redirect && answer.Location!.Contains("/account/denied", StringComparison.Ordinal)))
                    t.Fail($"{what} as {who} (not an administrator): {(int)answer.Status} {answer.Location}, expected the access-denied page");
                if (route.OwnerSees && (api ? who is Who.ACookie or Who.AToken : who == Who.ACookie)) // pages: the prerendered HTML
                {
                    if (answer.Status == HttpStatusCode.OK && answer.Body.Contains(Secret, StringComparison.Ordinal)) t.OwnerSaw++;
                    else t.Fail($"{what} as {who} (the owner): {(int)answer.Status}, expected 200 with its data: {Cut(answer.Body)}");
                }
            }
        }
        // The checks can fail: the administrator sees the hidden scores the others must not.
        var adminBoard = await Send(f, "GET", $"/api/leaderboards/sensorium/{SubmissionTiers.FinalTest}", Who.Admin, null, null);
        Assert.Contains("0.4321987", adminBoard.Body);

        // 2. Actions on team A's things (own origin for cookies, so only authorization and ownership decide): team B, anonymous, the administrator.
        foreach (var e in endpoints.Where(e => IsUnsafe(e.Method)))
        {
            var route = Routes.GetValueOrDefault(e.Pattern) ?? new Route(Access.Framework);
            var url = Url(e.Pattern, route, f);
            foreach (var who in new[] { Who.BCookie, Who.BToken, Who.Anonymous, Who.Admin })
            {
                var answer = await Send(f, e.Method, url, who, WorkbenchApp.OwnOrigin, BodyFor(e, route, f));
                var what = $"{e.Method} {url}";
                Judge(t, what, who, answer);
                bool api = e.Pattern.StartsWith("/api/", StringComparison.Ordinal);
                if (api && route.Access == Access.Team)
                {
                    var expected = who switch
                    {
                        Who.Anonymous => HttpStatusCode.Unauthorized,
                        Who.Admin => HttpStatusCode.Forbidden, // no team
                        _ => route.Owned == Owned.None ? answer.Status : HttpStatusCode.NotFound,
                    };
                    if (answer.Status != expected) t.Fail($"{what} as {who}: {(int)answer.Status}, expected {(int)expected}: {Cut(answer.Body)}");
                }
            }
        }
        var afterActions = await TeamAStateAsync(f);
        if (afterActions != stateBefore) t.Fail($"team A's stored state changed under other principals' actions:\n{stateBefore}\n{afterActions}");

        // 3. Cross-origin: team A's cookie (the administrator's on the host's pages) from another origin, or with no
        // Origin, on every state-changing route. Nothing stored changes at all.
        var everythingBefore = await StoredState.SnapshotAsync(app);
        foreach (var e in endpoints.Where(e => IsUnsafe(e.Method)))
        {
            var route = Routes.GetValueOrDefault(e.Pattern) ?? new Route(Access.Framework);
            var url = Url(e.Pattern, route, f);
            bool api = e.Pattern.StartsWith("/api/", StringComparison.Ordinal);
            bool hub = e.Pattern.StartsWith("/hubs/", StringComparison.Ordinal) || IsBlazorFramework(e.Pattern);
            foreach (var origin in new[] { ForeignOrigin, null })
            {
                if (hub && origin is null) continue; // a client that sends no Origin is no browser: authentication decides
                var victim = route.Access == Access.Admin ? Who.Admin : Who.ACookie;
                var answer = await Send(f, e.Method, url, victim, origin, BodyFor(e, route, f));
                var what = $"{e.Method} {url} with {victim}'s cookie from {origin ?? "no Origin"}";
                Judge(t, what, victim, answer);
                t.CrossOrigin++;
                // /api and the hubs: the same-origin guard (403); pages and the sign-out form: anti-forgery (400).
                var expected = api || hub ? HttpStatusCode.Forbidden : HttpStatusCode.BadRequest;
                if (answer.Status != expected) t.Fail($"{what}: {(int)answer.Status}, expected {(int)expected}: {Cut(answer.Body)}");
            }
        }
        var everythingAfter = await StoredState.SnapshotAsync(app);
        if (everythingAfter != everythingBefore) t.Fail($"the stored state changed under cross-origin requests:\n{everythingBefore}\n{everythingAfter}");
        var afterCrossOrigin = await TeamAStateAsync(f);
        if (afterCrossOrigin != stateBefore) t.Fail($"team A's stored state changed under cross-origin requests:\n{stateBefore}\n{afterCrossOrigin}");

        // 4. Body limits: every route that takes a body has one (small except the upload) and refuses a larger one unread.
        var security = app.Get<Microsoft.Extensions.Options.IOptions<SecurityOptions>>().Value;
        var limitContext = new DefaultHttpContext { RequestServices = app.Services };
        foreach (var e in endpoints.Where(e => e.Method is "POST" or "PUT" or "PATCH"))
        {
            long limit = e.Source.Metadata.GetMetadata<BodyLimit>()?.Bytes(limitContext) ?? security.MaxRequestBytes;
            bool upload = e.Pattern == "/api/submissions";
            if (!upload && limit > security.MaxRequestBytes) t.Fail($"{e.Method} {e.Pattern}: a body limit of {limit} bytes, over the default {security.MaxRequestBytes}");
            var route = Routes.GetValueOrDefault(e.Pattern) ?? new Route(Access.Framework);
            var body = new ByteArrayContent(new byte[4 << 20]) { Headers = { ContentType = new MediaTypeHeaderValue(upload ? "multipart/form-data" : "application/json") } };
            if (upload) body.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("boundary", "x"));
            // A principal the route lets through (a larger limit must never be granted before authorization).
            var who = route.Access == Access.Admin ? Who.Admin : e.Pattern.StartsWith("/api/", StringComparison.Ordinal) ? Who.AToken : Who.ACookie;
            var answer = await Send(f, e.Method, Url(e.Pattern, route, f), who, null, body);
            Judge(t, $"{e.Method} {e.Pattern} with a 4 MiB body", who, answer);
            t.BodyLimits++;
            if (answer.Status != HttpStatusCode.RequestEntityTooLarge || !answer.Body.Contains("limit of", StringComparison.Ordinal))
                t.Fail($"{e.Method} {e.Pattern} with a 4 MiB body: {(int)answer.Status}, expected 413 naming the limit: {Cut(answer.Body)}");
        }
        var afterLimits = await TeamAStateAsync(f);
        if (afterLimits != stateBefore) t.Fail($"team A's stored state changed under oversized bodies:\n{stateBefore}\n{afterLimits}");

        // 5. Hub methods × principals: team B cannot join team A's run nor hear its events; anonymous and the administrator get no connection.
        await HubChecksAsync(f, t);

        // 6. The guard is not a wall: team A's cookie from its own pages may act on its own things.
        foreach (var e in endpoints.Where(e => IsUnsafe(e.Method) && e.Pattern.StartsWith("/api/", StringComparison.Ordinal)))
        {
            var route = Routes.GetValueOrDefault(e.Pattern) ?? new Route(Access.Framework);
            var answer = await Send(f, e.Method, Url(e.Pattern, route, f), Who.ACookie, WorkbenchApp.OwnOrigin, BodyFor(e, route, f));
            Judge(t, $"{e.Method} {e.Pattern} by team A from its own pages", Who.ACookie, answer);
            if (answer.Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Unauthorized)
                t.Fail($"{e.Method} {e.Pattern} by team A from its own pages: {(int)answer.Status} {Cut(answer.Body)}");
        }
        Assert.Equal(RunStatus.Cancelled, (await app.Get<RunStore>().GetAsync(f.QueuedRun))!.Status); // the owner's own cancel went through

        output.WriteLine($"{endpoints.Select(e => e.Pattern).Distinct().Count()} routes ({endpoints.Count} route × method pairs), {principals.Length} principals: "
            + $"{t.Checks} HTTP checks, {t.HubChecks} hub checks; {t.CrossOrigin} cross-origin cookie requests, {t.BodyLimits} oversized bodies; "
            + $"{t.OwnerSaw} owner reads saw their data; {t.Leaks} cross-team leaks, {t.ScoreLeaks} hidden-score leaks, {t.ServerErrors} 5xx; {t.Failures.Count} failures");
        Assert.True(t.Failures.Count == 0, string.Join("\n", t.Failures));
        Assert.True(t.Checks > 200, $"only {t.Checks} checks");
    }

    async Task HubChecksAsync(Fixture f, Tally t)
    {
        HubConnection Connect(Who who) => new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "hubs/training"), options =>
            {
                options.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
                string? cookie = who switch { Who.ACookie => f.CookieA, Who.BCookie => f.CookieB, Who.Admin => f.CookieAdmin, _ => null };
                string? token = who switch { Who.AToken => f.TokenA, Who.BToken => f.TokenB, _ => null };
                if (cookie is not null) options.Headers["Cookie"] = cookie;
                if (token is not null) options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)))
            .Build();

        foreach (var who in new[] { Who.Anonymous, Who.Admin })
        {
            await using var refused = Connect(who);
            var error = await Record.ExceptionAsync(() => refused.StartAsync());
            t.HubChecks++;
            var expected = who == Who.Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
            if (error is not HttpRequestException { StatusCode: var status } || status != expected)
                t.Fail($"training hub as {who}: {error?.GetType().Name} {error?.Message}, expected {(int)expected}");
        }

        var methods = DiscoverHubMethods(app).ToList();
        var heard = new Dictionary<Who, List<long>>();
        var barrier = new Dictionary<Who, TaskCompletionSource>();
        var connections = new List<(Who Who, HubConnection Connection)>();
        try
        {
            foreach (var who in new[] { Who.ACookie, Who.AToken, Who.BCookie, Who.BToken })
            {
                var connection = Connect(who);
                var events = heard[who] = [];
                bool teamA = who is Who.ACookie or Who.AToken;
                long barrierRun = teamA ? f.QueuedRun : f.BRun; // the last event each connection waits for
                var done = barrier[who] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                connection.On<RunStatusChanged>(nameof(ITrainingClient.RunStatusChanged), e =>
                {
                    lock (events) events.Add(e.RunId);
                    if (e.RunId == barrierRun) done.TrySetResult();
                });
                await connection.StartAsync();
                connections.Add((who, connection));
                foreach (var (name, method) in methods)
                {
                    long argument = HubMethods[name] switch { Owned.QueuedRun => f.QueuedRun, _ => f.Run };
                    var error = await Record.ExceptionAsync(() => connection.InvokeCoreAsync(method.Name, [argument]));
                    t.HubChecks++;
                    bool other = who is Who.BCookie or Who.BToken;
                    if (name == "TrainingHub.JoinRun" && other != (error is HubException))
                        t.Fail($"{name}({argument}) as {who}: {(error is null ? "joined" : error.Message)}, expected {(other ? "refused" : "joined")}");
                    if (error is not null && error is not HubException) t.Fail($"{name}({argument}) as {who}: {error.GetType().Name} {error.Message}");
                    if (error is HubException h && h.Message.Contains(Secret, StringComparison.Ordinal)) { t.Leaks++; t.Fail($"{name} as {who}: {h.Message}"); }
                }
                await connection.InvokeAsync("JoinRun", teamA ? f.Run : f.BRun);
            }
            // Team A's run's event, then team B's: team B's connections hear their own (the barrier) and never team A's.
            var notifications = app.Get<TrainingNotifications>();
            await notifications.PublishAsync(new RunStatusChanged(f.Run, f.TeamA, RunStatus.Succeeded, "cpu", null, DateTimeOffset.UtcNow));
            await notifications.PublishAsync(new RunStatusChanged(f.BRun, f.TeamB, RunStatus.Succeeded, "cpu", null, DateTimeOffset.UtcNow));
            foreach (var who in new[] { Who.BCookie, Who.BToken }) await barrier[who].Task.WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var (who, events) in heard)
            {
                t.HubChecks++;
                bool other = who is Who.BCookie or Who.BToken;
                lock (events)
                {
                    if (other && events.Contains(f.Run)) { t.Leaks++; t.Fail($"training hub as {who} heard team A's run {f.Run}"); }
                    if (!other && events.Contains(f.BRun)) { t.Leaks++; t.Fail($"training hub as {who} heard team B's run {f.BRun}"); }
                }
            }
            // Team A's connections heard their run (team group and run group): the check can fail.
            await notifications.PublishAsync(new RunStatusChanged(f.QueuedRun, f.TeamA, RunStatus.Queued, null, null, DateTimeOffset.UtcNow));
            foreach (var who in new[] { Who.ACookie, Who.AToken })
            {
                await barrier[who].Task.WaitAsync(TimeSpan.FromSeconds(30));
                lock (heard[who]) Assert.Contains(f.Run, heard[who]);
            }
        }
        finally
        {
            foreach (var (_, connection) in connections) await connection.DisposeAsync();
        }
    }
}
