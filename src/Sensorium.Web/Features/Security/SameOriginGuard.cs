using Microsoft.Extensions.Options;
using Sensorium.Web.Features.ApiTokens;

namespace Sensorium.Web.Features.Security;

/// <summary>
/// Refuses cross-origin requests that would act with the sign-in cookie. SameSite=Lax does not stop them: a page on
/// another port of the same host is the same site. So:
/// <list type="bullet">
/// <item>a state-changing request (POST, PUT, PATCH, DELETE) to <c>/api</c> without a bearer token must carry an
/// <c>Origin</c> (or, failing that, a <c>Referer</c>) of the workbench itself or of <see cref="SecurityOptions.AllowedOrigins"/>;
/// a missing or foreign one is answered 403 with a problem body;</item>
/// <item>a request to <c>/hubs</c> or to Blazor's circuit hub <c>/_blazor</c> (negotiation, WebSocket handshake,
/// disconnect) whose <c>Origin</c> is foreign is refused too (browsers always send it there; non-browser clients that
/// send none are let through to authentication).</item>
/// </list>
/// Bearer-token calls are not affected: a browser page cannot attach someone else's token.
/// </summary>
public sealed class SameOriginGuard(RequestDelegate next, IOptionsMonitor<SecurityOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        bool api = request.Path.StartsWithSegments("/api"),
            hub = request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/_blazor");
        if ((api || hub) && ApiTokenAuthenticationHandler.BearerToken(request) is null)
        {
            string? origin = request.Headers.Origin.FirstOrDefault();
            bool unsafeMethod = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
            string? refusal = null;
            if (api && unsafeMethod)
            {
                var claimed = origin ?? OriginOf(request.Headers.Referer.FirstOrDefault());
                if (claimed is null)
                    refusal = "A request that changes state with the sign-in cookie must come from the workbench's own pages (no Origin header). Scripts and tools use an API token (Authorization: Bearer).";
                else if (!IsAllowed(claimed, request))
                    refusal = $"Cross-origin request refused: '{Shorten(claimed)}' is not this workbench. Scripts and tools use an API token (Authorization: Bearer).";
            }
            else if (hub && origin is not null && !IsAllowed(origin, request))
                refusal = $"Cross-origin connection refused: '{Shorten(origin)}' is not this workbench.";
            if (refusal is not null)
            {
                await Results.Problem(refusal, statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }

    bool IsAllowed(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var claimed)) return false;
        if (Same(claimed, $"{request.Scheme}://{request.Host.Value}")) return true;
        return options.CurrentValue.AllowedOrigins.Any(allowed => Same(claimed, allowed));
    }

    static bool Same(Uri claimed, string other) =>
        Uri.TryCreate(other, UriKind.Absolute, out var own)
        && string.Equals(claimed.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(claimed.IdnHost, own.IdnHost, StringComparison.OrdinalIgnoreCase)
        && claimed.Port == own.Port;

    static string? OriginOf(string? referer) =>
        Uri.TryCreate(referer, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;

    static string Shorten(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
