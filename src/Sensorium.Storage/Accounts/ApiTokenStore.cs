using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Sensorium.Storage.Accounts;

/// <summary>
/// Per-team API tokens for a later bearer scheme. Tokens are 256 random bits; only their SHA-256 is stored, so a
/// leaked database does not leak usable tokens (no salt is needed for random secrets of this length).
/// </summary>
public sealed class ApiTokenStore(Database database, TimeProvider time)
{
    public const string Prefix = "swb_";

    /// <summary>Creates a token and returns it in clear text together with its row; the clear text is not kept.</summary>
    public async Task<(string Token, ApiToken Row)> CreateAsync(long teamId, long createdBy, string name)
    {
        var token = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var row = new ApiToken
        {
            TeamId = teamId, CreatedBy = createdBy, Name = name.Trim(), TokenHash = Hash(token), CreatedAt = time.GetUtcNow(),
        };
        await using var connection = database.Open();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO api_tokens (team_id, created_by, name, token_hash, created_at)
            VALUES (@TeamId, @CreatedBy, @Name, @TokenHash, @CreatedAt)
            RETURNING id
            """, row);
        return (token, row with { Id = id });
    }

    /// <summary>The live (not revoked) token with this clear text, marking it used; null if none.</summary>
    public async Task<ApiToken?> UseAsync(string token)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<ApiToken>("""
            UPDATE api_tokens SET last_used_at = @now
            WHERE token_hash = @hash AND revoked_at IS NULL
            RETURNING *
            """, new { hash = Hash(token), now = time.GetUtcNow() });
    }

    public async Task<IReadOnlyList<ApiToken>> ListForTeamAsync(long teamId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<ApiToken>(
            "SELECT * FROM api_tokens WHERE team_id = @teamId ORDER BY created_at", new { teamId })).AsList();
    }

    public async Task<bool> RevokeAsync(long teamId, long id)
    {
        await using var connection = database.Open();
        return await connection.ExecuteAsync(
            "UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND team_id = @teamId AND revoked_at IS NULL",
            new { id, teamId, now = time.GetUtcNow() }) == 1;
    }

    static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
