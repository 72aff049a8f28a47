using Dapper;

namespace Sensorium.Storage.Datasets;

public sealed class DatasetStore(Database database, TimeProvider time)
{
    public async Task<Dataset> CreateAsync(string name, string path, long? registeredBy)
    {
        var dataset = new Dataset
        {
            Name = name.Trim(), Path = path, Status = DatasetStatus.Registered, RegisteredBy = registeredBy,
            CreatedAt = time.GetUtcNow(),
        };
        await using var connection = database.Open();
        try
        {
            var id = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO datasets (name, path, status, registered_by, created_at)
                VALUES (@Name, @Path, 'registered', @RegisteredBy, @CreatedAt)
                RETURNING id
                """, dataset);
            return dataset with { Id = id };
        }
        catch (Exception e) when (Database.IsUniqueViolation(e))
        {
            throw new NameTakenException($"A dataset named '{name}' already exists.");
        }
    }

    public async Task<Dataset?> GetAsync(long id)
    {
        await using var connection = database.Open();
        return await connection.QuerySingleOrDefaultAsync<Dataset>("SELECT * FROM datasets WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<Dataset>> ListAsync()
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<Dataset>("SELECT * FROM datasets ORDER BY lower(name), id")).AsList();
    }

    /// <summary>Records the outcome of checking the folder.</summary>
    public async Task SetStatusAsync(long id, DatasetStatus status, string? detail)
    {
        await using var connection = database.Open();
        await connection.ExecuteAsync(
            "UPDATE datasets SET status = @status, detail = @detail, checked_at = @now WHERE id = @id",
            new { id, status = status.ToString().ToLowerInvariant(), detail, now = time.GetUtcNow() });
    }
}
