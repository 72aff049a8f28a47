using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Ensembles;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Security;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Ensembles;

/// <summary>POST /api/ensembles: <c>{"name": "...", "runs": [1, 2, 3]}</c>.</summary>
public sealed record EnsembleRequest(string? Name, long[]? Runs);

/// <summary>POST /api/ensembles/seeds: a run request (as POST /api/runs) trained with <see cref="Seeds"/> seeds, then ensembled.</summary>
public sealed record SeedEnsembleRequest(string? Name, JsonElement? Spec, string? Device, int Seeds);

/// <summary>An ensemble as the API shows it to its team.</summary>
public sealed record EnsembleResponse(long Id, string Name, EnsembleStatus Status, IReadOnlyList<long> Runs, string Dataset,
    IReadOnlyList<string> Mice, string? Device, string? Message, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, EnsembleScores? Scores)
{
    public static EnsembleResponse From(Ensemble e) => new(e.Id, e.Name, e.Status, e.MemberRunIds, Path.GetFileName(e.Dataset),
        e.MouseList, e.Device, e.Message, e.CreatedAt, e.StartedAt, e.FinishedAt, EnsembleScores.Parse(e.Scores));
}

/// <summary>
/// "Train K seeds of this spec, then ensemble them": queues K runs with seeds s..s+K-1 (s: the spec's seed) and an
/// ensemble of them that waits until all K finished, then is evaluated.
/// </summary>
public sealed class SeedEnsembles(RunQueue queue, EnsembleJobs ensembles)
{
    public const int MaxSeeds = 20;

    public async Task<EnsembleResult> TrainAsync(long teamId, long userId, RunRequest request, int seeds)
    {
        if (seeds < 2 || seeds > MaxSeeds)
            return new(null, new Dictionary<string, string[]> { ["seeds"] = [$"Train between 2 and {MaxSeeds} seeds (got {seeds})."] });
        if (request.Spec is not { ValueKind: JsonValueKind.Object } spec)
            return new(null, new Dictionary<string, string[]> { ["spec"] = ["The spec is required: a JSON object as for a run."] });
        if (ensembles.CannotEvaluate is { } why) // before any run is queued: a refused request leaves nothing behind
            return new(null, new Dictionary<string, string[]> { ["seeds"] = [why] });
        var node = JsonNode.Parse(spec.GetRawText())!.AsObject();
        int first = node["seed"] is { } s && s.GetValueKind() == JsonValueKind.Number && s.GetValue<double>() is var d && d == Math.Floor(d) && d >= 0 ? (int)d : 42;
        string name = string.IsNullOrWhiteSpace(request.Name) ? "seeds" : request.Name.Trim();
        var ids = new List<long>();
        for (int k = 0; k < seeds; k++)
        {
            node["seed"] = first + k;
            var result = await queue.SubmitAsync(teamId, userId, request with { Name = $"{name} seed {first + k}", Spec = JsonSerializer.SerializeToElement(node) });
            if (result.Run is null)
            {
                foreach (long id in ids) await queue.CancelAsync(teamId, id, "the seed ensemble could not be queued whole");
                return new(null, result.Errors.ToDictionary(e => e.Key, e => ids.Count == 0 ? e.Value : [.. e.Value.Select(v => $"Seed {first + k}: {v} (the {ids.Count} runs queued before were cancelled)")]));
            }
            ids.Add(result.Run.Id);
        }
        var made = await ensembles.CreateAsync(teamId, userId, $"{name} ({seeds} seeds)", ids, allowTraining: true);
        if (made.Ensemble is null) // the runs were queued for this ensemble only
            foreach (long id in ids) await queue.CancelAsync(teamId, id, "the seed ensemble could not be made");
        return made;
    }
}

/// <summary>/api/ensembles: a team's ensembles, with the sign-in cookie (own pages) or a team API token.</summary>
public static class EnsemblesApi
{
    public static IEndpointRouteBuilder MapEnsemblesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/ensembles").RequireAuthorization(WorkbenchPolicies.TeamMember).WithTags("Ensembles");
        group.MapGet("/", async (ClaimsPrincipal user, EnsembleJobs jobs) =>
            TypedResults.Ok((await jobs.ListAsync(user.GetRequiredTeamId())).Select(EnsembleResponse.From).ToArray()));
        group.MapGet("/{id:long}", async Task<Results<Ok<EnsembleResponse>, NotFound>> (long id, ClaimsPrincipal user, EnsembleJobs jobs) =>
            await jobs.GetAsync(user.GetRequiredTeamId(), id) is { } e ? TypedResults.Ok(EnsembleResponse.From(e)) : TypedResults.NotFound());
        group.MapPost("/", CreateAsync).WithBodyLimit(_ => 64 * 1024);
        group.MapPost("/seeds", SeedsAsync)
            .WithBodyLimit(context => context.RequestServices.GetRequiredService<IOptions<WorkbenchOptions>>().Value.MaxSpecBytes + RunsApi.RequestOverhead);
        group.MapPost("/{id:long}/evaluate", async Task<Results<Ok<EnsembleResponse>, NotFound, Conflict<string>>> (long id, ClaimsPrincipal user, EnsembleJobs jobs) =>
        {
            if (await jobs.GetAsync(user.GetRequiredTeamId(), id) is not { } e) return TypedResults.NotFound();
            return await jobs.RequeueAsync(user.GetRequiredTeamId(), id) is { } queued
                ? TypedResults.Ok(EnsembleResponse.From(queued))
                : TypedResults.Conflict($"The ensemble is {e.Status.ToString().ToLowerInvariant()}: only a failed or interrupted one whose runs have all succeeded is evaluated again.");
        });
        return app;
    }

    static async Task<Results<Created<EnsembleResponse>, ValidationProblem>> CreateAsync(HttpRequest http, ClaimsPrincipal user, EnsembleJobs jobs, CancellationToken cancel)
    {
        var (request, problem) = await ReadAsync<EnsembleRequest>(http, "{\"name\": \"...\", \"runs\": [1, 2]}", cancel);
        if (request is null) return TypedResults.ValidationProblem(problem!);
        var result = await jobs.CreateAsync(user.GetRequiredTeamId(), user.GetUserId(), request.Name, request.Runs);
        return result.Ensemble is { } e
            ? TypedResults.Created($"/api/ensembles/{e.Id}", EnsembleResponse.From(e))
            : TypedResults.ValidationProblem(result.Errors);
    }

    static async Task<Results<Created<EnsembleResponse>, ValidationProblem>> SeedsAsync(HttpRequest http, ClaimsPrincipal user, SeedEnsembles seeds, CancellationToken cancel)
    {
        var (request, problem) = await ReadAsync<SeedEnsembleRequest>(http, "{\"name\": \"...\", \"spec\": {...}, \"device\": null, \"seeds\": 5}", cancel);
        if (request is null) return TypedResults.ValidationProblem(problem!);
        var result = await seeds.TrainAsync(user.GetRequiredTeamId(), user.GetUserId(), new RunRequest(request.Name, request.Spec, request.Device), request.Seeds);
        return result.Ensemble is { } e
            ? TypedResults.Created($"/api/ensembles/{e.Id}", EnsembleResponse.From(e))
            : TypedResults.ValidationProblem(result.Errors);
    }

    static async Task<(T? Request, Dictionary<string, string[]>? Errors)> ReadAsync<T>(HttpRequest http, string shape, CancellationToken cancel) where T : class
    {
        if (!http.HasJsonContentType())
            return (null, new() { ["body"] = [$"Send JSON (Content-Type: application/json): {shape}."] });
        try
        {
            var options = http.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            var request = await JsonSerializer.DeserializeAsync<T>(http.Body, options, cancel);
            return request is null ? (null, new() { ["body"] = [$"The body is null; send {shape}."] }) : (request, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, new() { [field] = [$"'{field}' is malformed or has the wrong type (expected {shape}): {e.Message.Split(" Path:")[0]}"] });
        }
    }
}

public static class EnsemblesSetup
{
    /// <summary>Ensembles: their store, the evaluation jobs (planned by the run dispatcher into device slots), seed ensembles.</summary>
    public static IServiceCollection AddEnsembles(this IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<CliLauncher>(services);
        services.AddSingleton<EnsembleStore>();
        services.AddSingleton<EnsembleJobs>();
        services.AddSingleton<SeedEnsembles>();
        services.AddSingleton<Runs.Scheduling.ISlotJobs>(sp => sp.GetRequiredService<EnsembleJobs>());
        services.AddHostedService(sp => sp.GetRequiredService<EnsembleJobs>()); // its StopAsync: evaluations in flight end interrupted
        return services;
    }
}
