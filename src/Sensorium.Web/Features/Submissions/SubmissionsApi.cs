using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Security;

using Sensorium.Web.Features.Leaderboards;

namespace Sensorium.Web.Features.Submissions;

/// <summary>
/// <c>POST /api/submissions</c> (multipart: file, track, tier; cookie or team API token; rate-limited),
/// <c>GET /api/submissions</c> (the team's own), <c>GET /api/submissions/{id}/file</c> (the CSV: own, or any for an
/// administrator), <c>GET /api/leaderboards/{track}/{tier}</c> (public; final tier hidden until revealed).
/// </summary>
public static class SubmissionsApi
{
    public const string UploadRateLimit = "submission-uploads";

    /// <summary>What a multipart body may carry besides the file: boundaries, headers, the track and tier fields.</summary>
    public const long MultipartOverhead = 64 * 1024;

    /// <summary>Longest track or tier value read; a longer field is refused without reading the rest.</summary>
    const int MaxFieldChars = 40;

    public static IEndpointRouteBuilder MapSubmissionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/submissions").WithTags("Submissions");
        // Cookie callers must come from the workbench's own pages (Security/SameOriginGuard); SameSite=Lax alone lets a
        // page on another port of the same host post here. The large body limit applies only past authorization.
        group.MapPost("/", UploadAsync).RequireAuthorization(WorkbenchPolicies.TeamMember).RequireRateLimiting(UploadRateLimit)
            .WithBodyLimit(context => context.RequestServices.GetRequiredService<SubmissionService>().MaxUploadBytes + MultipartOverhead);
        group.MapGet("/", ListAsync).RequireAuthorization(WorkbenchPolicies.TeamMember);
        group.MapGet("/{id:long}/file", DownloadAsync).RequireAuthorization();
        app.MapLeaderboardsApi();
        return app;
    }

    /// <summary>
    /// Streams the multipart body section by section: track and tier (or the query string) first, then the file, which
    /// goes straight to disk (never buffered whole) and is cut off at the size limit. Fields are read only up to a few
    /// dozen characters.
    /// </summary>
    static async Task<IResult> UploadAsync(HttpContext context, ClaimsPrincipal user, SubmissionService service, CancellationToken cancel)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.Boundary.Value is not { Length: > 0 } boundary
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return Problem("Send multipart/form-data with the fields file, track and tier.");

        string? track = request.Query["track"], tier = request.Query["tier"];
        string? stagedName = null;
        var staged = Path.GetTempFileName();
        try
        {
            long? bytes = null;
            var reader = new MultipartReader(boundary, request.Body);
            for (var section = await reader.ReadNextSectionAsync(cancel); section is not null; section = await reader.ReadNextSectionAsync(cancel))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                string name = disposition.Name.Value ?? "";
                if (disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
                {
                    if (name != "file" || stagedName is not null) return Problem("Send exactly one file, in the field 'file'.");
                    if (track is null || tier is null)
                        return Problem("Send the fields 'track' and 'tier' before the file (or in the query string: ?track=…&tier=…).");
                    stagedName = disposition.FileNameStar.Value ?? disposition.FileName.Value ?? "submission.csv";
                    await using var file = File.Create(staged);
                    bytes = await UploadStaging.CopyLimitedAsync(section.Body, file, service.MaxUploadBytes, cancel);
                    if (bytes is null) break;
                }
                else if (name is "track" or "tier")
                {
                    using var text = new StreamReader(section.Body);
                    var chars = new char[MaxFieldChars + 1];
                    int length = await text.ReadBlockAsync(chars.AsMemory(), cancel);
                    if (length > MaxFieldChars) return Problem($"The field '{name}' is too long (at most {MaxFieldChars} characters).");
                    string value = new string(chars, 0, length).Trim();
                    if (name == "track") track = value; else tier = value;
                }
            }
            if (stagedName is null)
                return Problem(track is null || tier is null ? "The fields 'track', 'tier' and 'file' are required." : "The field 'file' is missing.");

            var submit = new SubmitRequest(user.GetRequiredTeamId(), user.GetUserId(), user.IsInRole(WorkbenchClaims.AdminRole), Tracks.FromSlug(track!) ?? track!, tier!, stagedName);
            var result = bytes is null
                ? SubmissionStaging.OverLimit(submit.FileName, service.MaxUploadBytes)
                : await service.SubmitStagedAsync(submit, staged, cancel);
            return ToResult(result);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem($"The request is over the upload limit of {SubmissionStaging.LimitText(service.MaxUploadBytes)} for the file.", 413);
        }
        catch (IOException e) when (e.Message.Contains("multipart", StringComparison.OrdinalIgnoreCase) || e is EndOfStreamException)
        {
            return Problem($"The multipart body is malformed: {e.Message}");
        }
        finally
        {
            File.Delete(staged);
        }
    }

    static IResult ToResult(SubmitResult result) => result.Outcome switch
    {
        SubmitOutcome.Scored => TypedResults.Created($"/api/submissions/{result.Submission!.Id}", new
        {
            submission = SubmissionResponse.From(result.Submission, result.ScoresVisible),
            report = ReportResponse.From(result.Report!),
        }),
        SubmitOutcome.Invalid => TypedResults.UnprocessableEntity(new
        {
            title = result.Message,
            errors = result.Report!.Errors.Select(e => e.ToString()).ToArray(),
            report = ReportResponse.From(result.Report),
        }),
        _ when result.NextAllowedAt is { } next => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["nextAllowedAt"] = next }),
        _ => Problem(result.Message ?? "Refused."),
    };

    static async Task<Ok<SubmissionResponse[]>> ListAsync(ClaimsPrincipal user, SubmissionVisibility service) =>
        TypedResults.Ok((await service.ListForTeamAsync(user.GetRequiredTeamId(), user.IsInRole(WorkbenchClaims.AdminRole))).ToArray());

    static async Task<Results<PhysicalFileHttpResult, NotFound>> DownloadAsync(long id, ClaimsPrincipal user, SubmissionVisibility service)
    {
        var s = await service.GetForDownloadAsync(id, user.GetTeamId(), user.IsInRole(WorkbenchClaims.AdminRole));
        if (s is null) return TypedResults.NotFound();
        return TypedResults.PhysicalFile(s.FilePath, "text/csv", Data.Submissions.SubmissionTiers.FileName(s.Tier));
    }

    static ProblemHttpResult Problem(string message, int status = 400) => TypedResults.Problem(message, statusCode: status);
}
