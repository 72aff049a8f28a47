// scripts/load-test.sh: N teams × M viewers × K queued runs against the real app (a child process on Kestrel, on
// loopback) for a bounded time, then probes of the request limits on that real server. Prints requests/s, latency
// percentiles, the server's memory, and checks: no run lost, none started twice, never more running than slots,
// and the fair-share rule (no team starts twice in a row while another team has a run waiting, with one slot).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Sensorium.Browser.Tests;
using Sensorium.Storage;
using Sensorium.Storage.Accounts;

int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
int teams = Arg(0, 4), viewers = Arg(1, 5), runsPerTeam = Arg(2, 5), seconds = Arg(3, 60), slots = Arg(4, 1);
if (teams is < 1 or > 50 || viewers is < 0 or > 50 || runsPerTeam is < 1 or > 20 || seconds is < 5 or > 600 || slots is < 1 or > 16)
{
    Console.Error.WriteLine("bounds: teams 1–50, viewers 0–50, runs 1–20, seconds 5–600, slots 1–16");
    return 2;
}

var work = Directory.CreateTempSubdirectory("sensorium-load-").FullName;
var startsLog = Path.Combine(work, "starts.log");
var workerScript = Path.Combine(work, "worker.sh");
const string EpochLine = """{"type":"epoch","epoch":1,"trainLoss":1.0,"validation":{"26872-17-20":0.2},"objective":0.2,"learningRate":0.009,"epochSeconds":0.3,"samplesPerSecond":100,"improved":true,"bestObjective":0.2,"bestEpoch":1,"round":1,"etaSeconds":0}""";
File.WriteAllText(workerScript, $$"""
    #!/usr/bin/env bash
    OUT=""; prev=""
    for a in "$@"; do [ "$prev" = "--out" ] && OUT="$a"; prev="$a"; done
    echo "start $(date +%s%N) $(basename "$OUT")" >> '{{startsLog}}'
    sleep 0.3
    echo '{{EpochLine}}'
    echo "end $(date +%s%N) $(basename "$OUT")" >> '{{startsLog}}'
    """);
File.SetUnixFileMode(workerScript, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

await using var app = new WorkbenchProcess(new Dictionary<string, string>
{
    ["Worker__Command"] = workerScript,
    ["Workbench__Devices__0__Slots"] = slots.ToString(CultureInfo.InvariantCulture),
    ["Workbench__MaxQueuedRunsPerTeam"] = "20",
});
var demoPassword = await app.ReadyAsync(TimeSpan.FromMinutes(5));
Console.WriteLine($"app pid {app.Pid} at {app.BaseAddress}; {teams} teams × {viewers} viewers × {runsPerTeam} runs, {seconds} s, {slots} slot(s)");

// Teams, a member each and an API token each, straight into the app's database (the admin pages are interactive).
var database = new Database(Path.Combine(app.DataDirectory, "workbench.db"));
var (teamStore, userStore, tokenStore) = (new TeamStore(database, TimeProvider.System), new UserStore(database, TimeProvider.System), new ApiTokenStore(database, TimeProvider.System));
var teamTokens = new List<(long TeamId, string Token)>();
for (var t = 0; t < teams; t++)
{
    var team = await teamStore.CreateAsync($"load-{t}");
    var user = await userStore.CreateAsync($"load-{t}-member", "no password: token only", team.Id, isAdmin: false);
    teamTokens.Add((team.Id, (await tokenStore.CreateAsync(team.Id, user.Id, "load")).Token));
}

HttpClient Client(string token)
{
    var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return client;
}

var latencies = new ConcurrentBag<(string Kind, double Ms)>();
var statuses = new ConcurrentDictionary<int, int>();
async Task<HttpResponseMessage> Timed(string kind, Func<Task<HttpResponseMessage>> send)
{
    var clock = Stopwatch.StartNew();
    var response = await send();
    await response.Content.LoadIntoBufferAsync();
    latencies.Add((kind, clock.Elapsed.TotalMilliseconds));
    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
    return response;
}

var memory = new ConcurrentBag<double>();
var idleMiB = app.WorkingSetMiB();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var sampler = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested) { memory.Add(app.WorkingSetMiB()); try { await Task.Delay(500, stop.Token); } catch (OperationCanceledException) { } }
});

// Viewers: a SignalR connection each (the team's live events) and a polling loop over the team's runs.
var hubEvents = 0;
var viewerTasks = new List<Task>();
var hubs = new List<HubConnection>();
foreach (var (teamId, token) in teamTokens)
    for (var v = 0; v < viewers; v++)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "hubs/training"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        hub.On<JsonElement>("RunStatusChanged", _ => Interlocked.Increment(ref hubEvents));
        await hub.StartAsync();
        hubs.Add(hub);
        viewerTasks.Add(Task.Run(async () =>
        {
            using var client = Client(token);
            while (!stop.IsCancellationRequested)
            {
                var list = await Timed("GET /api/runs", () => client.GetAsync("/api/runs"));
                var runs = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement;
                if (runs.GetArrayLength() > 0)
                {
                    var id = runs[Random.Shared.Next(runs.GetArrayLength())].GetProperty("id").GetInt64();
                    await Timed("GET /api/runs/{id}", () => client.GetAsync($"/api/runs/{id}"));
                }
                try { await Task.Delay(200, stop.Token); } catch (OperationCanceledException) { }
            }
        }));
    }

// Submitters: team 0 queues all its runs at once; team t queues its runs t seconds later.
var created = new ConcurrentDictionary<long, long>(); // run → team
var submitters = teamTokens.Select((team, t) => Task.Run(async () =>
{
    await Task.Delay(TimeSpan.FromSeconds(t));
    using var client = Client(team.Token);
    for (var k = 0; k < runsPerTeam; k++)
    {
        var response = await Timed("POST /api/runs", () => client.PostAsJsonAsync("/api/runs", new
        {
            name = $"load {t}.{k}",
            spec = new { dataset = new { path = "synthetic-tiny" }, trainer = new { maxEpochs = 1 }, seed = k },
        }));
        if (response.StatusCode == HttpStatusCode.Created)
            created[JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64()] = team.TeamId;
        else Console.WriteLine($"queueing refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
})).ToList();

var loadClock = Stopwatch.StartNew();
await Task.WhenAll(submitters);
await Task.WhenAll(viewerTasks);
var loadSeconds = loadClock.Elapsed.TotalSeconds;
await sampler;
foreach (var hub in hubs) await hub.DisposeAsync();

// Drain: every queued run must end (succeeded), bounded in time.
var finalStatus = new Dictionary<long, string>();
var drainDeadline = DateTime.UtcNow.AddSeconds(60 + created.Count * 3);
using (var any = Client(teamTokens[0].Token))
    while (true)
    {
        finalStatus.Clear();
        foreach (var (teamId, token) in teamTokens)
        {
            using var client = Client(token);
            foreach (var run in JsonDocument.Parse(await client.GetStringAsync("/api/runs")).RootElement.EnumerateArray())
                finalStatus[run.GetProperty("id").GetInt64()] = run.GetProperty("status").GetString()!;
        }
        if (finalStatus.Values.All(s => s is "succeeded" or "failed" or "cancelled") || DateTime.UtcNow > drainDeadline) break;
        await Task.Delay(500);
    }

// Worker starts and ends, from the stand-in worker's log.
var events = File.Exists(startsLog)
    ? File.ReadAllLines(startsLog).Select(l => l.Split(' ')).Select(p => (Kind: p[0], Nanos: long.Parse(p[1], CultureInfo.InvariantCulture), Run: long.Parse(p[2], CultureInfo.InvariantCulture))).ToList()
    : [];
var startsPerRun = events.Where(e => e.Kind == "start").GroupBy(e => e.Run).ToDictionary(g => g.Key, g => g.Count());
int running = 0, maxRunning = 0;
foreach (var e in events.OrderBy(e => e.Nanos).ThenBy(e => e.Kind == "end" ? 0 : 1)) { running += e.Kind == "start" ? 1 : -1; maxRunning = Math.Max(maxRunning, running); }

// Fair share with one slot: the longest run of consecutive starts of one team while another team had a run waiting.
var createdAt = new Dictionary<long, DateTimeOffset>();
using (var connection = database.Open())
using (var command = connection.CreateCommand())
{
    command.CommandText = "SELECT id, created_at FROM runs";
    using var reader = command.ExecuteReader();
    while (reader.Read()) createdAt[reader.GetInt64(0)] = DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
}
var startOrder = events.Where(e => e.Kind == "start").OrderBy(e => e.Nanos).ToList();
int worstStreak = 0, streak = 0;
long? lastTeam = null;
var started = new HashSet<long>();
foreach (var s in startOrder)
{
    var team = created.GetValueOrDefault(s.Run, -1);
    var at = DateTimeOffset.FromUnixTimeMilliseconds(s.Nanos / 1_000_000);
    bool othersWaiting = created.Any(c => c.Value != team && !started.Contains(c.Key) && createdAt.GetValueOrDefault(c.Key) < at);
    streak = team == lastTeam && othersWaiting ? streak + 1 : 1;
    worstStreak = Math.Max(worstStreak, streak);
    lastTeam = team;
    started.Add(s.Run);
}

var all = latencies.Select(l => l.Ms).Order().ToList();
double Pct(List<double> v, double p) => v.Count == 0 ? double.NaN : v[Math.Min(v.Count - 1, (int)Math.Ceiling(p * v.Count) - 1)];
Console.WriteLine();
Console.WriteLine($"requests: {all.Count} in {loadSeconds:F1} s = {all.Count / loadSeconds:F1} req/s; latency p50 {Pct(all, 0.5):F1} ms, p95 {Pct(all, 0.95):F1} ms, max {all.LastOrDefault():F1} ms");
foreach (var kind in latencies.GroupBy(l => l.Kind).OrderBy(g => g.Key))
{
    var v = kind.Select(l => l.Ms).Order().ToList();
    Console.WriteLine($"  {kind.Key,-20} {v.Count,6} requests, p50 {Pct(v, 0.5),7:F1} ms, p95 {Pct(v, 0.95),7:F1} ms");
}
Console.WriteLine($"statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; hub events received: {hubEvents}");
Console.WriteLine($"server memory: idle {idleMiB:F0} MiB, peak {memory.DefaultIfEmpty(idleMiB).Max():F0} MiB under load, {app.WorkingSetMiB():F0} MiB after");
var lost = created.Keys.Where(id => finalStatus.GetValueOrDefault(id) != "succeeded").ToList();
var doubled = startsPerRun.Where(p => p.Value > 1).Select(p => p.Key).ToList();
Console.WriteLine($"runs: {created.Count} queued, {finalStatus.Values.Count(s => s == "succeeded")} succeeded; lost or unfinished: {lost.Count}{(lost.Count > 0 ? " (" + string.Join(", ", lost.Select(id => $"{id}:{finalStatus.GetValueOrDefault(id, "missing")}")) + ")" : "")}");
Console.WriteLine($"worker starts: {startsPerRun.Values.Sum()} for {startsPerRun.Count} runs; started twice: {doubled.Count}; most running at once: {maxRunning} (slots {slots})");
Console.WriteLine($"fair share: longest streak of one team's starts while another team waited: {worstStreak}");

// Probes of the request limits on the real server.
Console.WriteLine();
Console.WriteLine("probes (real Kestrel):");
async Task Probe(string what, HttpClient client, HttpRequestMessage request, GeneratedBody? body)
{
    var before = app.WorkingSetMiB();
    string outcome;
    try
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var detail = Regex.Match(text, "\"detail\":\"([^\"]*)\"").Groups[1].Value;
        outcome = $"{(int)response.StatusCode} {(detail.Length > 0 ? detail : text.Length > 100 ? text[..100] : text)}";
    }
    catch (HttpRequestException e)
    {
        outcome = $"refused: the server answered and closed the connection while the body was still being sent ({e.Message})";
    }
    Console.WriteLine($"  {what}: {outcome}; client sent {(body?.Sent ?? 0) / 1048576.0:F1} MiB; server memory {before:F0} → {app.WorkingSetMiB():F0} MiB");
}
using (var probeClient = Client(teamTokens[0].Token))
{
    var declared = new GeneratedBody(300L << 20, true, "application/json");
    await Probe("300 MB JSON to POST /api/runs (declared length)", probeClient,
        new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = declared }, declared);
    var chunked = new GeneratedBody(300L << 20, false, "application/json");
    await Probe("300 MB JSON to POST /api/runs (chunked)", probeClient,
        new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = chunked }, chunked);
    var field = new MultipartFormDataContent { { new GeneratedBody(400L << 20, false, "text/plain"), "track" } };
    await Probe("400 MB 'track' field to POST /api/submissions", probeClient,
        new HttpRequestMessage(HttpMethod.Post, "/api/submissions") { Content = field }, null);
}
using (var anonymous = new HttpClient { BaseAddress = app.BaseAddress })
{
    var tempBefore = Directory.EnumerateFiles(Path.GetTempPath()).Sum(f => { try { return new FileInfo(f).Length; } catch (IOException) { return 0; } });
    var form = new GeneratedBody(500L << 20, false, "multipart/form-data; boundary=x");
    await Probe("500 MB anonymous multipart to POST /account/signin (chunked)", anonymous,
        new HttpRequestMessage(HttpMethod.Post, "/account/signin") { Content = form }, form);
    var tempAfter = Directory.EnumerateFiles(Path.GetTempPath()).Sum(f => { try { return new FileInfo(f).Length; } catch (IOException) { return 0; } });
    Console.WriteLine($"    temp folder grew by {(tempAfter - tempBefore) / 1048576.0:F1} MiB");
}
// A cross-origin cookie call: sign in as demo through the form, then cancel from another port of the host.
var cookies = new CookieContainer();
using (var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = app.BaseAddress })
{
    var page = await browser.GetStringAsync("/account/signin");
    var antiforgery = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
    await browser.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["_handler"] = "signin", ["__RequestVerificationToken"] = antiforgery, ["Input.UserName"] = "demo", ["Input.Password"] = demoPassword,
    }));
    var own = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(new { name = "victim", spec = new { dataset = new { path = "synthetic-tiny" } } }) };
    own.Headers.Add("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));
    var victim = await browser.SendAsync(own);
    var victimId = JsonDocument.Parse(await victim.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
    var attack = new HttpRequestMessage(HttpMethod.Post, $"/api/runs/{victimId}/cancel");
    attack.Headers.Add("Origin", $"http://127.0.0.1:{app.BaseAddress.Port + 1}");
    await Probe("cookie POST …/cancel from another port of the host", browser, attack, null);
}

var failures = new List<string>();
if (lost.Count > 0) failures.Add($"{lost.Count} run(s) lost or unfinished");
if (doubled.Count > 0) failures.Add($"{doubled.Count} run(s) started twice");
if (maxRunning > slots) failures.Add($"{maxRunning} runs at once on {slots} slot(s)");
if (statuses.Keys.Any(s => s >= 500)) failures.Add("5xx answers");
if (slots == 1 && worstStreak > 1) failures.Add($"one team started {worstStreak} runs in a row while another waited");
Console.WriteLine();
Console.WriteLine(failures.Count == 0 ? "CHECKS PASSED: no run lost, none started twice, slots respected, no 5xx, fair share held" : "CHECKS FAILED: " + string.Join("; ", failures));
try { Directory.Delete(work, recursive: true); } catch (IOException) { }
return failures.Count == 0 ? 0 : 1;

/// <summary>A body made as it is sent (never held whole), with or without a declared length; counts what was sent.</summary>
sealed class GeneratedBody : HttpContent
{
    readonly long bytes;
    readonly bool declare;
    public long Sent;

    public GeneratedBody(long bytes, bool declare, string mediaType)
    {
        (this.bytes, this.declare) = (bytes, declare);
        Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
        while (Sent < bytes)
        {
            var n = (int)Math.Min(chunk.Length, bytes - Sent);
            await stream.WriteAsync(chunk.AsMemory(0, n));
            Sent += n;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = bytes;
        return declare;
    }
}
