using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Sensorium.Web.Features.Security;

public static class SecuritySetup
{
    /// <summary>
    /// Options (section <c>Security</c>), forwarded headers from trusted proxies, Secure cookies, HSTS, no
    /// <c>Server</c> header, the small default body limit in Kestrel, sign-in throttling and hub connection tracking.
    /// </summary>
    public static IServiceCollection AddWorkbenchSecurity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section)
            .Validate(o => o.MaxRequestBytes > 0 && o.HstsMaxAgeDays >= 0, "Security: MaxRequestBytes must be positive, HstsMaxAgeDays not negative.")
            .ValidateOnStart();

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.ForwardLimit = 1 + security.Value.KnownProxies.Count;
            foreach (var proxy in security.Value.KnownProxies) forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in security.Value.KnownNetworks) forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        services.AddOptions<HstsOptions>().Configure<IOptions<SecurityOptions>>((hsts, security) =>
            hsts.MaxAge = TimeSpan.FromDays(security.Value.HstsMaxAgeDays));

        var secure = (IOptions<SecurityOptions> security) =>
            security.Value.SecureCookiesAlways ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<SecurityOptions>>((cookie, security) => cookie.Cookie.SecurePolicy = secure(security));
        services.AddOptions<AntiforgeryOptions>()
            .Configure<IOptions<SecurityOptions>>((antiforgery, security) => antiforgery.Cookie.SecurePolicy = secure(security));

        // Kestrel's own limit is the small default; RequestBodyLimits raises it per endpoint (the upload) once the caller is known.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<SecurityOptions>>((kestrel, security) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = security.Value.MaxRequestBytes;
        });
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubInvocationLogging>();
        services.AddSignalR(hubs => hubs.AddFilter<HubInvocationLogging>());
        services.Configure<LoggerFilterOptions>(logging => // HubInvocationLogging logs hub method failures instead
            logging.AddFilter(HubInvocationLogging.DispatcherCategory, LogLevel.Critical));
        return services;
    }

    /// <summary>First in the pipeline: the proxy's scheme, host and client address, HSTS, the security headers.</summary>
    public static WebApplication UseWorkbenchTransportSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (security.ForwardedHeaders) app.UseForwardedHeaders();
        if (security.Hsts && !app.Environment.IsDevelopment()) app.UseHsts();
        app.UseMiddleware<SecurityHeaders>();
        return app;
    }

    /// <summary>After authentication and authorization, before anti-forgery: cross-origin refusal and body limits.</summary>
    public static WebApplication UseWorkbenchRequestGuards(this WebApplication app)
    {
        app.UseMiddleware<SameOriginGuard>();
        app.UseMiddleware<RequestBodyLimits>();
        return app;
    }
}
