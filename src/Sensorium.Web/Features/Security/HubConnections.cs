using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;

namespace Sensorium.Web.Features.Security;

/// <summary>
/// The live hub connections and who opened them (user, API token), so they can be closed when that credential
/// stops being valid: a revoked token's connections are closed at once, like its next REST call fails with 401.
/// Hubs call <see cref="Add"/> on connect and <see cref="Remove"/> on disconnect.
/// </summary>
public sealed class HubConnections(ILogger<HubConnections> logger)
{
    public const string TokenIdClaim = "sensorium:token_id";

    readonly ConcurrentDictionary<string, (long? UserId, long? TokenId, HubCallerContext Context)> connections = new();

    public int Count => connections.Count;

    public void Add(HubCallerContext context)
    {
        long? user = long.TryParse(context.User?.FindFirstValue(ClaimTypes.NameIdentifier), out var u) ? u : null;
        long? token = long.TryParse(context.User?.FindFirstValue(TokenIdClaim), out var t) ? t : null;
        connections[context.ConnectionId] = (user, token, context);
    }

    public void Remove(HubCallerContext context) => connections.TryRemove(context.ConnectionId, out _);

    /// <summary>Closes every connection opened with this API token. Returns how many.</summary>
    public int CloseToken(long tokenId) => Close(c => c.TokenId == tokenId, $"token {tokenId}");

    /// <summary>Closes every connection of this user, by cookie or token (for a removed user or a changed password).</summary>
    public int CloseUser(long userId) => Close(c => c.UserId == userId, $"user {userId}");

    int Close(Func<(long? UserId, long? TokenId, HubCallerContext Context), bool> match, string who)
    {
        var closed = 0;
        foreach (var (id, connection) in connections)
        {
            if (!match(connection)) continue;
            connection.Context.Abort();
            connections.TryRemove(id, out _);
            closed++;
        }
        if (closed > 0) logger.LogInformation("Closed {Count} hub connection(s) of {Who}.", closed, who);
        return closed;
    }
}
