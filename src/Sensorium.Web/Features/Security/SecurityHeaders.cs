using Microsoft.Extensions.Options;

namespace Sensorium.Web.Features.Security;

/// <summary>
/// Headers every response carries (pages, API answers, CSV downloads, static files): nosniff, a referrer policy and
/// the content security policy of <see cref="SecurityOptions"/>.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, IOptionsMonitor<SecurityOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var o = options.CurrentValue;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = o.ReferrerPolicy;
            if (!string.IsNullOrWhiteSpace(o.ContentSecurityPolicy)) headers.ContentSecurityPolicy = o.ContentSecurityPolicy;
            headers.XFrameOptions = "SAMEORIGIN";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
