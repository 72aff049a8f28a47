using Dapper;

namespace Sensorium.Storage.Accounts;

public sealed class TeamStore(Database database, TimeProvider time)
{
    /// <summary>Creates a team; throws <see cref="NameTakenException"/> if the name (any case) is taken.</summary>
    public async Task<Team> CreateAsync(string name)
    {
        var team = new Team { Name = name.Trim(), CreatedAt = time.GetUtcNow() };
        await using var connection = database.Open();
        try
        {
            var id = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO teams (name, created_at) VALUES (@Name, @CreatedAt) RETURNING id", team);
            return team with { Id = id };
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            throw new NameTakenException($"A team named '{name}' already exists.");
        }
    }

    public async Task<Team?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Team>("SELECT * FROM teams WHERE id = @id", new { id });
    }

    public async Task<Team?> FindByNameAsync(string name)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Team>("SELECT * FROM teams WHERE lower(name) = lower(@name)", new { name });
    }

    public async Task<IReadOnlyList<Team>> ListAsync()
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Team>("SELECT * FROM teams ORDER BY lower(name), id")).AsList();
    }
}
