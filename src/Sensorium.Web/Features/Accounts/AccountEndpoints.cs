using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Sensorium.Web.Features.Accounts;

public static class AccountEndpoints
{
    /// <summary>Sign-out is a form POST; binding a form field makes minimal APIs check its anti-forgery token.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/signout", async (HttpContext context, [FromForm] string? returnUrl) =>
        {
            await context.SignOutAsync();
            return TypedResults.LocalRedirect("/account/signin");
        });
        return app;
    }
}
