using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Sensorium.Web.Features.Security;
using Sensorium.Web.Hosting;
using Sensorium.Web.Features.Accounts;

namespace Sensorium.Web.Features.Runs;

/// <summary>
/// /api/runs: a team's runs, with the sign-in cookie (from the workbench's own pages only: Security/SameOriginGuard)
/// or a team API token. A run request's body is limited to the spec limit plus a little, and malformed or mistyped
/// JSON is answered 400 with a problem body naming the field.
/// </summary>
public static class RunsApi
{
    /// <summary>What a run request may carry besides its spec: the name, the device, JSON punctuation.</summary>
    public const int RequestOverhead = 4096;

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/runs").RequireAuthorization(WorkbenchPolicies.TeamMember).WithTags("Runs");
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:long}", GetAsync);
        group.MapPost("/", SubmitAsync)
            .WithBodyLimit(context => context.RequestServices.GetRequiredService<IOptions<WorkbenchOptions>>().Value.MaxSpecBytes + RequestOverhead);
        group.MapPatch("/{id:long}", SetLabelsAsync).WithBodyLimit(_ => LabelsBodyLimit);
        group.MapGet("/{id:long}/artifacts", ListArtifactsAsync);
        group.MapGet("/{id:long}/artifacts/download", DownloadArtifactAsync);
        group.MapPost("/{id:long}/cancel", CancelAsync);
        group.MapPost("/{id:long}/resume", ResumeAsync);
        group.MapPost("/{id:long}/stop", StopAsync);
        return app;
    }

    static async Task<Ok<RunResponse[]>> ListAsync(ClaimsPrincipal user, RunQueue queue) =>
        TypedResults.Ok((await queue.ListAsync(user.GetRequiredTeamId())).Select(r => RunResponse.From(r)).ToArray());

    static async Task<Results<Ok<RunResponse>, NotFound>> GetAsync(long id, ClaimsPrincipal user, RunQueue queue) =>
        await queue.GetAsync(user.GetRequiredTeamId(), id) is { } run
            ? TypedResults.Ok(RunResponse.From(run, withSpec: true))
            : TypedResults.NotFound();

    static async Task<Results<Created<RunResponse>, ValidationProblem>> SubmitAsync(
        HttpRequest http, ClaimsPrincipal user, RunQueue queue, CancellationToken cancel)
    {
        var (request, problem) = await ReadRequestAsync(http, cancel);
        if (request is null) return TypedResults.ValidationProblem(problem!);
        var result = await queue.SubmitAsync(user.GetRequiredTeamId(), user.GetUserId(), request);
        return result.Run is { } run
            ? TypedResults.Created($"/api/runs/{run.Id}", RunResponse.From(run, withSpec: true))
            : TypedResults.ValidationProblem(result.Errors);
    }

    /// <summary>The body as a <see cref="RunRequest"/>, or the error per field ("body" when it is not JSON at all).</summary>
    static async Task<(RunRequest? Request, Dictionary<string, string[]>? Errors)> ReadRequestAsync(HttpRequest http, CancellationToken cancel)
    {
        if (!http.HasJsonContentType())
            return (null, new() { ["body"] = ["Send the run as JSON (Content-Type: application/json): {\"name\": …, \"spec\": {…}, \"device\": …}."] });
        try
        {
            var options = http.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var request = await JsonSerializer.DeserializeAsync<RunRequest>(http.Body, options, cancel);
            return request is null ? (null, new() { ["body"] = ["The body is null; send a JSON object."] }) : (request, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            var why = e.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? $"'{field}' has the wrong type{where}: name and device are strings, spec is an object."
                : $"The JSON is malformed at '{field}'{where}: {FirstSentence(e.Message)}";
            return (null, new() { [field] = [why] });
        }
    }

    static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>Notes of the longest kind, every tag, JSON escapes: well under this.</summary>
    const long LabelsBodyLimit = 64 * 1024;

    /// <summary>PATCH /api/runs/{id} {"notes": "…", "tags": ["…"]}: either or both; 400 naming the field when invalid.</summary>
    static async Task<Results<Ok<RunResponse>, NotFound, ValidationProblem>> SetLabelsAsync(
        long id, HttpRequest http, ClaimsPrincipal user, RunQueue queue, CancellationToken cancel)
    {
        if (!http.HasJsonContentType())
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send JSON (Content-Type: application/json): {\"notes\": \"…\", \"tags\": [\"…\"]}."] });
        RunLabelsRequest? request;
        try
        {
            var options = http.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            request = await JsonSerializer.DeserializeAsync<RunLabelsRequest>(http.Body, options, cancel);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [field] = [$"'{field}' is not valid: notes is a string, tags an array of strings. {FirstSentence(e.Message)}"],
            });
        }
        if (request is null || (request.Notes is null && request.Tags is null))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Give notes (a string), tags (an array of strings) or both."] });
        var (outcome, run, errors) = await queue.SetNotesAndTagsAsync(user.GetRequiredTeamId(), id, request.Notes, request.Tags);
        return outcome switch
        {
            RunChangeOutcome.Done => TypedResults.Ok(RunResponse.From(run!)),
            RunChangeOutcome.NotFound => TypedResults.NotFound(),
            _ => TypedResults.ValidationProblem(errors),
        };
    }

    static async Task<Results<Ok<Artifacts.ArtifactFile[]>, NotFound>> ListArtifactsAsync(
        long id, ClaimsPrincipal user, RunQueue queue, Artifacts.RunArtifacts artifacts) =>
        await queue.GetAsync(user.GetRequiredTeamId(), id) is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(artifacts.List(id).ToArray());

    /// <summary>
    /// One file of the run's directory, streamed (ranges allowed), for the run's team only. The path is relative to
    /// the run's directory; "..", absolute paths and links are refused (400) before anything is opened.
    /// </summary>
    static async Task<Results<PhysicalFileHttpResult, NotFound, ValidationProblem>> DownloadArtifactAsync(
        long id, string? path, ClaimsPrincipal user, RunQueue queue, Artifacts.RunArtifacts artifacts)
    {
        if (await queue.GetAsync(user.GetRequiredTeamId(), id) is null) return TypedResults.NotFound();
        var found = artifacts.Resolve(id, path);
        if (found.Error is { } error) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["path"] = [error] });
        if (found.File is not { } file) return TypedResults.NotFound();
        return TypedResults.PhysicalFile(file.FullName, Artifacts.RunArtifacts.ContentTypeOf(file.Name),
            fileDownloadName: file.Name, lastModified: file.LastWriteTimeUtc, enableRangeProcessing: true);
    }

    static async Task<Results<Ok<RunResponse>, NotFound, ProblemHttpResult>> CancelAsync(
        long id, ClaimsPrincipal user, RunQueue queue) =>
        ToResult(await queue.CancelAsync(user.GetRequiredTeamId(), id, user.Identity?.Name ?? "a team member"));

    /// <summary>Stop and keep best: the running run ends after its current epoch with its best model (409 when not running).</summary>
    static async Task<Results<Ok<RunResponse>, NotFound, ProblemHttpResult>> StopAsync(
        long id, ClaimsPrincipal user, RunQueue queue)
    {
        var result = await queue.StopAsync(user.GetRequiredTeamId(), id, user.Identity?.Name ?? "a team member");
        return result.Outcome == RunChangeOutcome.Done
            ? TypedResults.Ok(RunResponse.From(result.Run!) with { StopRequestedBy = queue.PendingStop(result.Run!)?.By, Message = result.Message })
            : ToResult(result);
    }

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
