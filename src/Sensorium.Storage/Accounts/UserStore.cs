using Dapper;

namespace Sensorium.Storage.Accounts;

public sealed class UserStore(Database database, TimeProvider time)
{
    /// <summary>Creates an account; throws <see cref="NameTakenException"/> if the user name (any case) is taken.</summary>
    public async Task<User> CreateAsync(string userName, string passwordHash, long? teamId, bool isAdmin)
    {
        var user = new User
        {
            UserName = userName.Trim(), PasswordHash = passwordHash, TeamId = teamId, IsAdmin = isAdmin,
            CreatedAt = time.GetUtcNow(),
        };
        await using var connection = database.Open();
        try
        {
            var id = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO users (user_name, password_hash, team_id, is_admin, created_at)
                VALUES (@UserName, @PasswordHash, @TeamId, @IsAdmin, @CreatedAt)
                RETURNING id
                """, user);
            return user with { Id = id };
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            throw new NameTakenException($"A user named '{userName}' already exists.");
        }
    }

    public async Task<User?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<User>("SELECT * FROM users WHERE id = @id", new { id });
    }

    public async Task<User?> FindByNameAsync(string userName)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<User>(
            "SELECT * FROM users WHERE lower(user_name) = lower(@userName)", new { userName = userName.Trim() });
    }

    public async Task<IReadOnlyList<User>> ListAsync()
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<User>("SELECT * FROM users ORDER BY lower(user_name), id")).AsList();
    }

    public async Task<bool> AnyAsync()
    {
        await using var connection = database.Open();
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM users)");
    }

    /// <summary>Replaces the stored hash (password change, or a rehash with newer hasher settings).</summary>
    public async Task SetPasswordHashAsync(long id, string passwordHash)
    {
        await using var connection = database.Open();
        await connection.ExecuteAsync("UPDATE users SET password_hash = @passwordHash WHERE id = @id", new { id, passwordHash });
    }
}
