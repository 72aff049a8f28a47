using Microsoft.AspNetCore.Diagnostics;

namespace Sensorium.Web.Components;

public static class NotFoundPages
{
    /// <summary>
    /// A page's 404 (and other bodiless errors) re-renders as <see cref="NotFoundPage"/>; /api and /hubs answers keep
    /// their status without an HTML page (scripts read them).
    /// </summary>
    public static WebApplication UseNotFoundPage(this WebApplication app)
    {
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
                context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
            return next(context);
        });
        return app;
    }
}
