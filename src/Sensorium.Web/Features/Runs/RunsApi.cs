using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Sensorium.Web.Features.Accounts;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// /api/runs: a team's runs. Cookie-authenticated today (JSON bodies only, SameSite=Lax cookie: a cross-site form
/// cannot post here); the <see cref="WorkbenchPolicies.TeamMember"/> policy also fits a bearer scheme added later.
/// </summary>
public static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/runs").RequireAuthorization(WorkbenchPolicies.TeamMember).WithTags("Runs");
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPost("/", SubmitAsync);
        group.MapPost("/{id:long}/cancel", CancelAsync);
        group.MapPost("/{id:long}/resume", ResumeAsync);
        return app;
    }

    static async Task<Ok<RunResponse[]>> ListAsync(ClaimsPrincipal user, RunQueue queue) =>
        TypedResults.Ok((await queue.ListAsync(user.GetRequiredTeamId())).Select(r => RunResponse.From(r)).ToArray());

    static async Task<Results<Ok<RunResponse>, NotFound>> GetAsync(long id, ClaimsPrincipal user, RunQueue queue) =>
        await queue.GetAsync(user.GetRequiredTeamId(), id) is { } run
            ? TypedResults.Ok(RunResponse.From(run, withSpec: true))
            : TypedResults.NotFound();

    static async Task<Results<Created<RunResponse>, ValidationProblem>> SubmitAsync(
        RunRequest request, ClaimsPrincipal user, RunQueue queue)
    {
        var result = await queue.SubmitAsync(user.GetRequiredTeamId(), user.GetUserId(), request);
        return result.Run is { } run
            ? TypedResults.Created($"/api/runs/{run.Id}", RunResponse.From(run, withSpec: true))
            : TypedResults.ValidationProblem(result.Errors);
    }

    static async Task<Results<Ok<RunResponse>, NotFound, ProblemHttpResult>> CancelAsync(
        long id, ClaimsPrincipal user, RunQueue queue) =>
        ToResult(await queue.CancelAsync(user.GetRequiredTeamId(), id, user.Identity?.Name ?? "a team member"));

    static async Task<Results<Ok<RunResponse>, NotFound, ProblemHttpResult>> ResumeAsync(
        long id, ClaimsPrincipal user, RunQueue queue) =>
        ToResult(await queue.ResumeAsync(user.GetRequiredTeamId(), id));

    static Results<Ok<RunResponse>, NotFound, ProblemHttpResult> ToResult(RunChangeResult result) => result.Outcome switch
    {
        RunChangeOutcome.Done => TypedResults.Ok(RunResponse.From(result.Run!)),
        RunChangeOutcome.NotFound => TypedResults.NotFound(),
        _ => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status409Conflict),
    };
}
