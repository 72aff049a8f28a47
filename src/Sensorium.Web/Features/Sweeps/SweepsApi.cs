using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Security;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Sweeps;

/// <summary>
/// /api/sweeps: a team's sweeps (sign-in cookie from the workbench's pages, or a team API token). POST expands the
/// sweep and queues its runs as a group; a bad sweep is 400 with a problem body naming the field.
/// </summary>
public static class SweepsApi
{
    public static IEndpointRouteBuilder MapSweepsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/sweeps").RequireAuthorization(WorkbenchPolicies.TeamMember).WithTags("Sweeps");
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPost("/", CreateAsync)
            .WithBodyLimit(context => context.RequestServices.GetRequiredService<IOptions<WorkbenchOptions>>().Value.MaxSpecBytes + 64 * 1024);
        return app;
    }

    static async Task<Ok<SweepListResponse[]>> ListAsync(ClaimsPrincipal user, SweepService sweeps) =>
        TypedResults.Ok((await sweeps.ListAsync(user.GetRequiredTeamId())).Select(SweepListResponse.From).ToArray());

    static async Task<Results<Ok<SweepResponse>, NotFound>> GetAsync(long id, ClaimsPrincipal user, SweepService sweeps) =>
        await sweeps.GetAsync(user.GetRequiredTeamId(), id) is { } found
            ? TypedResults.Ok(SweepResponse.From(found.Sweep, found.Runs))
            : TypedResults.NotFound();

    static async Task<Results<Created<SweepResponse>, ValidationProblem>> CreateAsync(
        HttpRequest http, ClaimsPrincipal user, SweepService sweeps, CancellationToken cancel)
    {
        if (!http.HasJsonContentType())
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the sweep as JSON (Content-Type: application/json): {\"name\": …, \"base\": {spec}, \"mode\": \"grid\", \"axes\": [{\"field\": …, \"values\": […]}]}."] });
        SweepRequest? request;
        try
        {
            var options = http.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            request = await JsonSerializer.DeserializeAsync<SweepRequest>(http.Body, options, cancel);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            var message = e.Message.Split(" Path:", 2)[0];
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [field] = [$"'{field}' is not valid: name, mode and device are strings, budget and seed integers, base an object, axes a list of {{\"field\", \"values\" | \"range\"}}. {message}"],
            });
        }
        if (request is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body is null; send a JSON object."] });
        var (sweep, runs, errors) = await sweeps.CreateAsync(user.GetRequiredTeamId(), user.GetUserId(), request);
        return sweep is null
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Created($"/api/sweeps/{sweep.Id}", SweepResponse.From(sweep, runs));
    }
}
