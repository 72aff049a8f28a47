using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Datasets;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>Issue 15.8, 15.9, 15.10: headers and the proxy, dataset registration by real path, owner-only files.</summary>
public sealed class TransportAndFilesTests
{
    /// <summary>Requests arrive from this address (the test server gives none), e.g. a reverse proxy on loopback.</summary>
    sealed class FromAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, proceed) =>
            {
                context.Connection.RemoteIpAddress = address;
                return proceed(context);
            });
            next(app);
        };
    }

    [Fact]
    public async Task Every_response_carries_nosniff_a_referrer_policy_and_a_content_security_policy()
    {
        using var app = new WorkbenchApp();
        foreach (var path in new[] { "/account/signin", "/api/leaderboards/sensorium/test", "/app.css" })
        {
            var response = await app.CreateClient().GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("default-src 'self'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
            Assert.False(response.Headers.Contains("Server"));
        }
        Assert.False(app.Get<IOptions<KestrelServerOptions>>().Value.AddServerHeader);
    }

    static WorkbenchApp ProductionApp(IPAddress from) => new(
        services => services.AddTransient<IStartupFilter>(_ => new FromAddress(from)),
        new Dictionary<string, string> { ["environment"] = "Production" });

    static Task<HttpResponseMessage> ViaTlsProxyAsync(WorkbenchApp app)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        var request = new HttpRequestMessage(HttpMethod.Get, "/account/signin");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "workbench.example.org");
        return client.SendAsync(request);
    }

    [Fact]
    public async Task Behind_a_TLS_proxy_on_loopback_cookies_are_Secure_and_HSTS_is_sent()
    {
        using var app = ProductionApp(IPAddress.Loopback);
        var response = await ViaTlsProxyAsync(app);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
        var antiforgery = response.Headers.GetValues("Set-Cookie").Single(c => c.Contains("Antiforgery"));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        var plain = await app.CreateClient().GetAsync("/account/signin"); // plain http: no HSTS, no Secure
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        Assert.DoesNotContain("secure", plain.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Forwarded_headers_from_an_untrusted_address_are_ignored()
    {
        using var app = ProductionApp(IPAddress.Parse("10.1.2.3"));
        var response = await ViaTlsProxyAsync(app);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.DoesNotContain("secure", response.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_symlink_out_of_the_root_and_the_host_copy_cannot_be_registered()
    {
        using var app = new WorkbenchApp();
        var registry = app.Get<DatasetRegistry>();
        var root = registry.Root;
        Directory.CreateDirectory(root);
        File.CreateSymbolicLink(Path.Combine(root, "evil-link"), "/etc");
        var (linked, error) = await registry.RegisterAsync("evil", "evil-link", 1);
        Assert.Null(linked);
        Assert.Contains("leads to /etc", error);

        var mouse = Path.Combine(root, "synth", "host", "static26872-17-20-GrayImageNet-x");
        Directory.CreateDirectory(Path.Combine(mouse, "meta", "oracle"));
        Directory.CreateDirectory(Path.Combine(root, "synth", "static26872-17-20-GrayImageNet-x"));
        var (host, hostError) = await registry.RegisterAsync("host", "synth/host", 1);
        Assert.Null(host);
        Assert.Contains("withheld test data", hostError);
        Assert.Contains("meta/oracle", hostError);
        var (participant, participantError) = await registry.RegisterAsync("synth", "synth", 1);
        Assert.True(participant is not null, participantError);

        var truth = Path.Combine(app.DataDirectory, "truth");
        File.CreateSymbolicLink(Path.Combine(root, "truth-link"), truth);
        Directory.CreateDirectory(truth);
        Assert.NotNull((await registry.RegisterAsync("truth", "truth-link", 1)).Error);
    }

    [Fact]
    public async Task The_data_directory_and_what_the_server_writes_are_owner_only()
    {
        var data = Directory.CreateTempSubdirectory("sensorium-perm-").FullName;
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101); // 0755, as a default umask would leave it
        using var app = new WorkbenchApp(dataDirectory: data);
        await app.CreateTeamAsync("alpha");
        await app.CreateClient().GetStringAsync("/account/signin"); // creates the key ring
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(app.DataDirectory));
        var others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        foreach (var entry in Directory.EnumerateFileSystemEntries(app.DataDirectory, "*", SearchOption.AllDirectories))
            Assert.True((File.GetUnixFileMode(entry) & others) == 0, $"{entry} is {File.GetUnixFileMode(entry)}");
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(app.DataDirectory, "keys")));
    }
}
