using Sensorium.Storage.Accounts;

namespace Sensorium.Storage.Tests;

public abstract class AccountStoreTests(DatabaseEngine engine) : IDisposable
{
    readonly TempDatabase temp = new(engine);
    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Teams_and_users_round_trip_and_names_are_unique_ignoring_case()
    {
        var teams = new TeamStore(temp.Database, temp.Time);
        var users = new UserStore(temp.Database, temp.Time);
        Assert.False(await users.AnyAsync());

        var team = await teams.CreateAsync("Retina");
        await Assert.ThrowsAsync<NameTakenException>(() => teams.CreateAsync("retina"));
        var user = await users.CreateAsync("ada", "hash-1", team.Id, isAdmin: false);
        await Assert.ThrowsAsync<NameTakenException>(() => users.CreateAsync("ADA", "hash-2", null, isAdmin: true));

        var found = await users.FindByNameAsync("Ada");
        Assert.NotNull(found);
        Assert.Equal(user.Id, found.Id);
        Assert.Equal(team.Id, found.TeamId);
        Assert.False(found.IsAdmin);
        Assert.Equal(user.CreatedAt, found.CreatedAt);
        Assert.Equal("Retina", (await teams.GetAsync(team.Id))!.Name);
        Assert.True(await users.AnyAsync());

        await users.SetPasswordHashAsync(user.Id, "hash-3");
        Assert.Equal("hash-3", (await users.GetAsync(user.Id))!.PasswordHash);
    }

    [Fact]
    public async Task Api_tokens_are_stored_hashed_and_can_be_revoked()
    {
        var team = await new TeamStore(temp.Database, temp.Time).CreateAsync("V1");
        var user = await new UserStore(temp.Database, temp.Time).CreateAsync("bob", "h", team.Id, false);
        var tokens = new ApiTokenStore(temp.Database, temp.Time);

        var (token, row) = await tokens.CreateAsync(team.Id, user.Id, "ci");
        Assert.StartsWith(ApiTokenStore.Prefix, token);
        Assert.DoesNotContain(token, row.TokenHash);

        var used = await tokens.UseAsync(token);
        Assert.NotNull(used);
        Assert.Equal(team.Id, used.TeamId);
        Assert.NotNull(used.LastUsedAt);
        Assert.Null(await tokens.UseAsync(token + "x"));

        Assert.True(await tokens.RevokeAsync(team.Id, row.Id));
        Assert.Null(await tokens.UseAsync(token));
    }
}

public sealed class AccountStoreOnSqliteTests() : AccountStoreTests(DatabaseEngine.Sqlite);

public sealed class AccountStoreOnPostgresTests() : AccountStoreTests(DatabaseEngine.Postgres);
