namespace Sensorium.Web.Features.Security;

/// <summary>
/// Transport and request hardening, section <c>Security</c> of appsettings.json. The defaults suit the workbench on
/// its own or behind a reverse proxy on the same machine; see the README's "Behind a reverse proxy".
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Origins besides the workbench's own (scheme://host[:port]) whose pages may change state with the sign-in cookie.
    /// Empty by default: only the workbench's own pages may.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Largest request body of every endpoint that does not set its own (sign-in form, hub messages, …).</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Honour <c>X-Forwarded-For/Proto/Host</c> from the proxies below (default: loopback only).</summary>
    public bool ForwardedHeaders { get; set; } = true;

    /// <summary>Addresses of trusted reverse proxies besides loopback, e.g. <c>["10.0.0.5"]</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted reverse proxies, CIDR, e.g. <c>["10.0.0.0/8"]</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Mark cookies Secure always (true), or only on HTTPS requests (false: the request's scheme decides).</summary>
    public bool SecureCookiesAlways { get; set; }

    /// <summary>Send Strict-Transport-Security on HTTPS responses (outside Development, not for localhost).</summary>
    public bool Hsts { get; set; } = true;

    public int HstsMaxAgeDays { get; set; } = 365;

    /// <summary>The Content-Security-Policy of every response.</summary>
    public string ContentSecurityPolicy { get; set; } =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    public string ReferrerPolicy { get; set; } = "same-origin";
}
