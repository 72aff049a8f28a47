using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sensorium.Storage;
using Sensorium.Storage.Runs;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests;

public sealed class StartupTests
{
    [Fact]
    public void The_content_root_is_the_repository_root_with_its_web_root()
    {
        using var app = new WorkbenchApp();
        var environment = app.Get<IWebHostEnvironment>();
        Assert.Equal(Path.TrimEndingDirectorySeparator(WorkbenchPaths.ContentRoot), Path.TrimEndingDirectorySeparator(environment.ContentRootPath));
        Assert.True(File.Exists(Path.Combine(environment.ContentRootPath, "appsettings.json")));
        Assert.True(File.Exists(Path.Combine(environment.WebRootPath, "app.css")));
        Assert.True(File.Exists(Path.Combine(environment.ContentRootPath, "Directory.Packages.props"))); // the repository itself
    }

    [Fact]
    public async Task State_lives_under_the_data_directory()
    {
        using var app = new WorkbenchApp();
        await app.CreateClient().GetStringAsync("/account/signin"); // issues an anti-forgery token: needs a key
        var options = app.Get<IOptions<WorkbenchOptions>>().Value;
        Assert.Equal(app.DataDirectory, options.DataDirectory);
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "workbench.db")));
        Assert.True(Directory.Exists(Path.Combine(app.DataDirectory, "artifacts")));
        Assert.Equal(Path.Combine(app.DataDirectory, "datasets"), options.DatasetRoot);
        Assert.Equal("cpu", Assert.Single(options.Devices).Name);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(app.DataDirectory, "keys"), "key-*.xml"));
    }

    [Fact]
    public async Task The_web_roots_files_are_in_the_build_manifest_and_served_fingerprinted()
    {
        // Not in the manifest, every request for them logged "not found in the build time manifest" (87 at a start).
        using var app = new WorkbenchApp();
        var client = app.CreateClient();
        var page = await client.GetStringAsync("/account/signin");
        foreach (var (name, ext) in new[] { ("app", "css"), ("charts", "css"), ("favicon", "svg") })
        {
            var href = System.Text.RegularExpressions.Regex.Match(page, $"href=\"({name}\\.[a-z0-9]+\\.{ext})\"");
            Assert.True(href.Success, $"{name}.{ext} is not linked by its fingerprinted name");
            var response = await client.GetAsync("/" + href.Groups[1].Value);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task An_unknown_page_answers_404_with_a_page_and_an_unknown_api_path_without_one()
    {
        using var app = new WorkbenchApp();
        var client = app.CreateClient();
        var page = await client.GetAsync("/no/such/page");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("Page not found", await page.Content.ReadAsStringAsync());
        var api = await client.GetAsync("/api/no-such-thing");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, api.StatusCode);
        Assert.DoesNotContain("Page not found", await api.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Relative_data_directories_resolve_against_the_content_root()
    {
        var options = new WorkbenchOptions { DataDirectory = "data/x" };
        using var app = new WorkbenchApp();
        var post = app.Get<IEnumerable<IPostConfigureOptions<WorkbenchOptions>>>();
        foreach (var p in post) p.PostConfigure(Options.DefaultName, options);
        Assert.Equal(Path.Combine(WorkbenchPaths.ContentRoot, "data", "x"), options.DataDirectory);
    }

    [Fact]
    public void Invalid_options_stop_the_start()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Workbench:Devices:0:Slots"] = "0" });
        var error = Assert.Throws<OptionsValidationException>(() => app.Services);
        Assert.Contains("Slots", error.Message);
    }

    [Fact]
    public void An_upload_limit_that_is_not_positive_stops_the_start_naming_the_setting()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Submissions:MaxUploadBytes"] = "0" });
        var error = Assert.Throws<OptionsValidationException>(() => app.Services);
        Assert.Contains("Submissions:MaxUploadBytes", error.Message);
        Assert.Contains("must be positive", error.Message);
    }

    [Fact]
    public async Task Runs_left_running_by_a_previous_server_are_interrupted_and_accounts_are_not_recreated()
    {
        using var first = new WorkbenchApp();
        var (team, member) = await first.CreateTeamAsync("alpha");
        var store = first.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "r", "{\"seed\":1}", null));
        await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var users = first.Get<Storage.Accounts.UserStore>();
        var before = (await users.ListAsync()).Count;
        await first.Get<IHost>().StopAsync();

        using var second = new WorkbenchApp(dataDirectory: first.DataDirectory);
        var interrupted = (await second.Get<RunStore>().GetAsync(run.Id))!;
        Assert.Equal(RunStatus.Interrupted, interrupted.Status);
        Assert.NotNull(interrupted.Error);
        Assert.Equal(before, (await second.Get<Storage.Accounts.UserStore>().ListAsync()).Count);
    }

    sealed class LogCollector : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, string Category, string Message)> Entries { get; private init; } = new();
        string category = "";
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new LogCollector { category = categoryName, Entries = Entries };
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, category, formatter(state, exception)));
        public void Dispose() { }
    }

    [Fact]
    public async Task The_key_ring_is_kept_unencrypted_by_choice_said_at_start_with_no_data_protection_warning_and_read_back_by_a_restart()
    {
        var logs = new LogCollector();
        using var app = new WorkbenchApp(services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        var (_, member) = await app.CreateTeamAsync("alpha");
        var signedIn = await app.SignInAsync(member.UserName); // makes the first key

        var key = Assert.Single(Directory.GetFiles(Path.Combine(app.DataDirectory, "keys"), "key-*.xml"));
        var xml = await File.ReadAllTextAsync(key);
        Assert.Contains("<unencrypted", xml);
        Assert.Contains("protected by the data directory's permissions", xml);
        Assert.Contains(logs.Entries, e => e.Message.Contains("stored unencrypted at rest and protected by the data directory's owner-only permissions"));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal)
                                                 && e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);

        // A second server on the same data directory reads the key back: the sign-in cookie still works.
        using var restarted = new WorkbenchApp(dataDirectory: app.DataDirectory);
        var client = restarted.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("Cookie", signedIn.CookieHeader);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/runs")).StatusCode);
    }
}
