// Measures, on the real app (child process on Kestrel, real `sensorium train` worker, tiny dataset):
//  1. the delay from the server reading a worker's epoch event to (a) 20 SignalR .NET clients joined to the run and
//     (b) a real browser page (Chromium) showing the new epoch row;
//  2. the server's working set while those 20 clients (and the page) watch the run.
// The worker → server hop is a pipe read (sub-millisecond); the server logs when it read each epoch line (Debug).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using Sensorium.Browser.Tests;

var clients = args.Length > 0 ? int.Parse(args[0]) : 20;
var epochs = args.Length > 1 ? int.Parse(args[1]) : 10;

var readAt = new ConcurrentDictionary<int, long>(); // epoch of the measured run → unix ms when the server read it
var epochLog = new Regex(@"Run (\d+) epoch (\d+) read at (\d+)");
long measuredRun = -1;
await using var app = new WorkbenchProcess(new Dictionary<string, string>
{
    ["Logging__LogLevel__Sensorium.Web.Features.Runs.Worker"] = "Debug",
    ["Workbench__Devices__0__Slots"] = "1",
});
app.Line += line =>
{
    if (epochLog.Match(line) is { Success: true } m && long.Parse(m.Groups[1].Value) == Interlocked.Read(ref measuredRun))
        readAt[int.Parse(m.Groups[2].Value)] = long.Parse(m.Groups[3].Value);
};
var password = await app.ReadyAsync(TimeSpan.FromMinutes(3));
Console.WriteLine($"app pid {app.Pid} at {app.BaseAddress}; {clients} SignalR clients, {epochs} epochs");

// Sign in through the form (anti-forgery token), keep the cookie.
var cookies = new CookieContainer();
using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = app.BaseAddress };
var form = await http.GetStringAsync("/account/signin");
var token = Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
(await http.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
{
    ["_handler"] = "signin", ["__RequestVerificationToken"] = token, ["Input.UserName"] = "demo", ["Input.Password"] = password,
}))).EnsureSuccessStatusCode();
var cookieHeader = cookies.GetCookieHeader(app.BaseAddress);
// As the workbench's own pages would: cookie calls that change state must name the workbench as their Origin.
http.DefaultRequestHeaders.Add("Origin", app.BaseAddress.GetLeftPart(UriPartial.Authority));

await Task.Delay(2000);
var idleMiB = app.WorkingSetMiB();

// The run: a small model on the tiny dataset; it starts when queued (one free slot).
var spec = new BenchSpec(
    new { path = "synthetic-tiny" }, new { layers = 2, hiddenChannels = 8 }, new BenchTrainer(epochs, 32, 50), 1);
// A long blocker takes the only slot first, so that every watcher is in place before the measured run starts.
var blockerSpec = spec with { Trainer = spec.Trainer with { MaxEpochs = 500 } };
var blocker = await QueueAsync(http, "blocker", blockerSpec);
while ((await http.GetFromJsonAsync<JsonElement>($"/api/runs/{blocker}")).GetProperty("status").GetString() != "running")
    await Task.Delay(200);
var runId = await QueueAsync(http, "bench", spec);
Interlocked.Exchange(ref measuredRun, runId);

// 20 watchers over WebSockets, each joined to the run.
var received = new ConcurrentBag<(int Client, int Epoch, long At)>();
var connections = new List<HubConnection>();
for (var i = 0; i < clients; i++)
{
    var client = i;
    var connection = new HubConnectionBuilder()
        .WithUrl(new Uri(app.BaseAddress, "hubs/training"), o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.Headers["Cookie"] = cookieHeader;
        })
        .Build();
    connection.On<JsonElement>("EpochCompleted", e =>
        received.Add((client, e.GetProperty("epoch").GetInt32(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
    await connection.StartAsync();
    await connection.InvokeAsync("JoinRun", runId);
    connections.Add(connection);
}

// One real browser on the run page: a MutationObserver stamps each new epoch row.
using var playwright = await Playwright.CreateAsync();
var userData = Directory.CreateTempSubdirectory("sensorium-bench-chromium-").FullName;
await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(userData, new()
{
    ExecutablePath = "/usr/bin/chromium", Headless = true,
    Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
var uri = app.BaseAddress;
await browser.AddCookiesAsync(cookies.GetCookies(uri).Select(c => new Microsoft.Playwright.Cookie
{
    Name = c.Name, Value = c.Value, Domain = uri.Host, Path = "/",
}));
var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
await page.GotoAsync(new Uri(uri, $"runs/{runId}").ToString());
await page.Locator(".run-status").WaitForAsync();
await page.EvaluateAsync("""
    () => {
      window.__epochs = {};
      const stamp = () => document.querySelectorAll("table").forEach(t => {
        if (!t.querySelector("th") || !t.textContent.includes("Train loss")) return;
        t.querySelectorAll("tbody tr").forEach(r => {
          const e = parseInt(r.cells[0].textContent);
          if (!(e in window.__epochs)) window.__epochs[e] = Date.now();
        });
      });
      stamp();
      new MutationObserver(stamp).observe(document.body, { childList: true, subtree: true, characterData: true });
    }
    """);

// Watchers ready: free the slot (the blocker's worker gets SIGTERM) and the measured run starts.
(await http.PostAsync($"/api/runs/{blocker}/cancel", null)).EnsureSuccessStatusCode();

// Sample the server's working set until the run ends.
var samples = new List<double>();
var clock = Stopwatch.StartNew();
while (clock.Elapsed < TimeSpan.FromMinutes(8))
{
    samples.Add(app.WorkingSetMiB());
    var status = (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString();
    if (status is "succeeded" or "failed" or "cancelled") { Console.WriteLine($"run {runId} {status} after {clock.Elapsed.TotalSeconds:F0} s"); break; }
    await Task.Delay(250);
}
await Task.Delay(1000);
var browserAt = await page.EvaluateAsync<Dictionary<string, long>>("() => window.__epochs");

Console.WriteLine();
Console.WriteLine("epoch | SignalR clients: delay median / max (ms), got | browser row delay (ms)");
var signalRDelays = new List<double>();
var browserDelays = new List<double>();
foreach (var epoch in readAt.Keys.Order())
{
    var server = readAt[epoch];
    var delays = received.Where(r => r.Epoch == epoch).Select(r => (double)(r.At - server)).Order().ToList();
    signalRDelays.AddRange(delays);
    string browserText = "—";
    if (browserAt.TryGetValue(epoch.ToString(CultureInfo.InvariantCulture), out var b))
    {
        browserDelays.Add(b - server);
        browserText = (b - server).ToString(CultureInfo.InvariantCulture);
    }
    Console.WriteLine(delays.Count == 0
        ? $"{epoch,5} | none"
        : $"{epoch,5} | {Median(delays),6:F0} / {delays[^1],6:F0}, {delays.Count}/{clients} | {browserText}");
}
Console.WriteLine();
Console.WriteLine($"epoch event → {clients} SignalR clients: median {Median(signalRDelays):F0} ms, p95 {Percentile(signalRDelays, 0.95):F0} ms, max {(signalRDelays.Count > 0 ? signalRDelays.Max() : double.NaN):F0} ms");
Console.WriteLine($"epoch event → browser row (Blazor circuit): median {Median(browserDelays):F0} ms, max {(browserDelays.Count > 0 ? browserDelays.Max() : double.NaN):F0} ms over {browserDelays.Count} epochs");
Console.WriteLine($"server working set: idle {idleMiB:F0} MiB; with {clients} clients + 1 page during the run: mean {samples.Average():F0} MiB, max {samples.Max():F0} MiB");

foreach (var connection in connections) await connection.DisposeAsync();
try { Directory.Delete(userData, true); } catch (IOException) { }

static async Task<long> QueueAsync(HttpClient http, string name, object spec)
{
    var created = await http.PostAsJsonAsync("/api/runs", new { name, spec });
    if (!created.IsSuccessStatusCode) throw new InvalidOperationException(await created.Content.ReadAsStringAsync());
    return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
}

static double Median(List<double> values) => Percentile(values, 0.5);
static double Percentile(List<double> values, double p)
{
    if (values.Count == 0) return double.NaN;
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
}

record BenchTrainer(int MaxEpochs, int BatchSize, int Patience);
record BenchSpec(object Dataset, object Model, BenchTrainer Trainer, int Seed);
