using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.ApiTokens;
using Sensorium.Web.Features.Security;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>Issue 15.6 and 15.7: a revoked token loses its live connection; password guessing is throttled.</summary>
public sealed class CredentialTests
{
    sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>A training-hub connection authenticated by an API token (long polling through the test server).</summary>
    static HubConnection TokenConnection(WorkbenchApp app, string bearer) => new HubConnectionBuilder()
        .WithUrl(new Uri(app.Server.BaseAddress, "hubs/training"), options =>
        {
            options.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
            options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
            options.AccessTokenProvider = () => Task.FromResult<string?>(bearer);
        }).Build();

    [Fact]
    public async Task Revoking_a_token_closes_the_hub_connections_opened_with_it()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var tokens = app.Get<ApiTokenStore>();
        var (token, row) = await tokens.CreateAsync(team.Id, member.Id, "ci");
        var (otherToken, _) = await tokens.CreateAsync(team.Id, member.Id, "other");

        HubConnection Connect(string bearer) => TokenConnection(app, bearer);
        await using var revoked = Connect(token);
        await using var kept = Connect(otherToken);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        revoked.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await revoked.StartAsync();
        await kept.StartAsync();

        Assert.True(await app.Get<ApiTokenRevocation>().RevokeAsync(team.Id, row.Id));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, revoked.State);
        Assert.Equal(HubConnectionState.Connected, kept.State);
        Assert.Equal(1, app.Get<HubConnections>().Count);

        var again = Connect(token); // and it cannot come back
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Theory]
    [InlineData(false)] // the user changes their own password
    [InlineData(true)] // an administrator resets it
    public async Task A_password_change_closes_the_users_hub_connections(bool reset)
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var (other, otherMember) = await app.CreateTeamAsync("beta");
        var tokens = app.Get<ApiTokenStore>();
        var (token, _) = await tokens.CreateAsync(team.Id, member.Id, "ci");
        var (otherToken, _) = await tokens.CreateAsync(other.Id, otherMember.Id, "ci");

        HubConnection Connect(string bearer) => TokenConnection(app, bearer);
        await using var users = Connect(token);
        await using var others = Connect(otherToken);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        users.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await users.StartAsync();
        await others.StartAsync();

        var accounts = app.Get<AccountService>();
        if (reset) Assert.NotNull(await accounts.ResetPasswordAsync(member.Id));
        else Assert.Null(await accounts.ChangePasswordAsync(member.Id, WorkbenchApp.Password, "a-new-long-password-1"));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, users.State);
        Assert.Equal(HubConnectionState.Connected, others.State);
    }

    [Fact]
    public async Task After_repeated_wrong_passwords_even_the_right_one_waits_and_the_wait_grows()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var app = new WorkbenchApp(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var (_, member) = await app.CreateTeamAsync("alpha");
        for (var i = 0; i < SignInThrottle.FreeFailures + 1; i++)
        {
            var (wrong, _) = await app.PostSignInAsync(member.UserName, "wrong password " + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("Wrong user name or password", await wrong.Content.ReadAsStringAsync());
        }
        var (refused, _) = await app.PostSignInAsync(member.UserName, WorkbenchApp.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Too many failed sign-ins", await refused.Content.ReadAsStringAsync());

        clock.Now += TimeSpan.FromSeconds(2);
        var (wrongAgain, _) = await app.PostSignInAsync(member.UserName, "still wrong");
        Assert.Equal(HttpStatusCode.OK, wrongAgain.StatusCode);
        var (waitsLonger, _) = await app.PostSignInAsync(member.UserName, WorkbenchApp.Password);
        Assert.Equal("2", waitsLonger.Headers.GetValues("Retry-After").Single());

        clock.Now += TimeSpan.FromSeconds(3);
        var (accepted, _) = await app.PostSignInAsync(member.UserName, WorkbenchApp.Password);
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
    }

    [Fact]
    public void An_address_guessing_many_user_names_is_throttled_too_and_a_success_clears_only_the_name()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var throttle = new SignInThrottle(clock);
        for (var i = 0; i <= SignInThrottle.FreeFailures; i++) throttle.Failed($"user{i}", "203.0.113.9");
        Assert.NotNull(throttle.RetryAfter("someone-else", "203.0.113.9"));
        Assert.Null(throttle.RetryAfter("someone-else", "198.51.100.1"));

        for (var i = 0; i < 30; i++) throttle.Failed("target", null);
        Assert.Equal(SignInThrottle.MaxDelay, throttle.RetryAfter("target", null));
        throttle.Succeeded("target");
        Assert.Null(throttle.RetryAfter("target", null));
        Assert.NotNull(throttle.RetryAfter("target", "203.0.113.9"));
    }
}

/// <summary>Issue 15.11: a refused JoinRun is an answer (information), not an error in the server's log.</summary>
public sealed class HubRefusalLoggingTests
{
    sealed class Collector : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, string Category, string Message)> Entries { get; } = new();
        string category = "";
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Collector { category = categoryName, entries = Entries };
        System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel, string, string)>? entries;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries?.Enqueue((logLevel, category, formatter(state, exception)));
        public void Dispose() { }
    }

    [Fact]
    public async Task Joining_another_teams_run_is_logged_as_information_not_as_an_error()
    {
        var collector = new Collector();
        using var app = new WorkbenchApp(services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(collector));
        var (teamA, a) = await app.CreateTeamAsync("alpha");
        var (teamB, b) = await app.CreateTeamAsync("beta");
        var runOfB = await app.Get<Sensorium.Storage.Runs.RunStore>().CreateAsync(new Sensorium.Storage.Runs.NewRun(teamB.Id, b.Id, "r", WorkbenchApp.SpecJson(), null));
        await using var connection = app.CreateHubConnection((await app.SignInAsync(a.UserName)).CookieHeader);
        await connection.StartAsync();
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => connection.InvokeAsync("JoinRun", runOfB.Id));

        Assert.Contains(collector.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Information && e.Message.Contains("JoinRun refused"));
        Assert.DoesNotContain(collector.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("JoinRun"));
    }
}
