using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sensorium.Storage;
using Microsoft.Extensions.Hosting;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Features.Accounts;

namespace Sensorium.Web.Tests;

/// <summary>The real app on a test server, with its own data directory (SQLite file, keys) per instance.</summary>
/// <param name="dataDirectory">Another instance's data directory, to start a second server on the same state.</param>
public sealed partial class WorkbenchApp(
    Action<IServiceCollection>? configureServices = null, IDictionary<string, string>? settings = null, string? dataDirectory = null)
    : WebApplicationFactory<Program>
{
    public const string Password = "correct horse battery";

    /// <summary>The test server's origin: what a browser on the workbench's own pages sends as Origin.</summary>
    public const string OwnOrigin = "http://localhost";

    public string DataDirectory { get; } = dataDirectory ?? Directory.CreateTempSubdirectory("sensorium-web-").FullName;

    /// <summary>Leave <see cref="DataDirectory"/> in place when disposed (web nodes sharing one; the test deletes it).</summary>
    public bool KeepDataDirectory { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// A dataset every instance registers at start (unless it tests the first-start dataset): a folder with the
    /// sensorium track's mouse (names only).
    /// </summary>
    public const string DatasetName = "test-data";

    /// <summary>A valid run spec on <see cref="DatasetName"/> (the reference defaults otherwise).</summary>
    public static string SpecJson(int seed = 1) => $$"""{"dataset":{"path":"{{DatasetName}}"},"seed":{{seed}}}""";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Workbench:DataDirectory", DataDirectory);
        // No worker processes and no generated dataset unless a test asks for them.
        builder.UseSetting("Worker:Enabled", "false");
        builder.UseSetting("FirstDataset:Enabled", "false");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
        if (configureServices is not null) builder.ConfigureTestServices(configureServices);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        if (settings is not null && settings.TryGetValue("FirstDataset:Enabled", out var first) && first == "true") return host; // that test wants none
        var datasets = host.Services.GetRequiredService<DatasetStore>();
        if (datasets.ListAsync().GetAwaiter().GetResult().All(d => d.Name != DatasetName))
        {
            var folder = Path.Combine(DataDirectory, "datasets", DatasetName);
            Directory.CreateDirectory(Path.Combine(folder, "static26872-17-20-GrayImageNet-94c6ff995dac583098847cfecd43e7b6"));
            datasets.CreateAsync(DatasetName, folder, registeredBy: null).GetAwaiter().GetResult();
        }
        return host;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A team with one member whose password is <see cref="Password"/>.</summary>
    public async Task<(Team Team, User Member)> CreateTeamAsync(string name)
    {
        var team = await Get<TeamStore>().CreateAsync(name);
        var member = await Get<AccountService>().CreateUserAsync($"{name}-member", Password, team.Id, isAdmin: false);
        return (team, member);
    }

    /// <summary>Signs in through the real sign-in form (anti-forgery token included); returns a client with the cookies.</summary>
    public async Task<SignedInClient> SignInAsync(string userName, string password = Password)
    {
        var (response, cookies) = await PostSignInAsync(userName, password);
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in of {userName} answered {response.StatusCode}.");
        foreach (var (name, value) in CookiesOf(response)) cookies[name] = value;

        var signedIn = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var cookieHeader = Header(cookies);
        signedIn.DefaultRequestHeaders.Add("Cookie", cookieHeader);
        signedIn.DefaultRequestHeaders.Add("Origin", OwnOrigin); // as a browser on the workbench's own pages sends it
        return new SignedInClient(signedIn, cookieHeader);
    }

    /// <summary>Fetches the sign-in form and posts it; returns the answer and the cookies the form set.</summary>
    public async Task<(HttpResponseMessage Response, Dictionary<string, string> Cookies)> PostSignInAsync(string userName, string password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var form = await client.GetAsync("/account/signin");
        var cookies = CookiesOf(form);
        var token = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;

        var post = new HttpRequestMessage(HttpMethod.Post, "/account/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = token,
                ["Input.UserName"] = userName,
                ["Input.Password"] = password,
            }),
        };
        post.Headers.Add("Cookie", Header(cookies));
        return (await client.SendAsync(post), cookies);
    }

    /// <summary>A .NET SignalR client on the training hub, over the test server's handler.</summary>
    public HubConnection CreateHubConnection(string? cookieHeader) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/training"), options =>
            {
                options.HttpMessageHandlerFactory = _ => Server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
                if (cookieHeader is not null) options.Headers["Cookie"] = cookieHeader;
            })
            .AddJsonProtocol(options => options.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)))
            .Build();

    static Dictionary<string, string> CookiesOf(HttpResponseMessage response) =>
        (response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            .Select(v => v.Split(';')[0].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    static string Header(Dictionary<string, string> cookies) => string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}"));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Database.ClearPools();
        if (KeepDataDirectory) return;
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}

public sealed record SignedInClient(HttpClient Http, string CookieHeader);
