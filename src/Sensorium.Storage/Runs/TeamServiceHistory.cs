using Dapper;

namespace Sensorium.Storage.Runs;

/// <summary>When each team last had a run started: the fair-share input of the scheduler (round-robin over teams).</summary>
public sealed class TeamServiceHistory(Database database)
{
    /// <summary>Per team that ever had a run start, the latest start time still stored.</summary>
    public async Task<IReadOnlyDictionary<long, DateTimeOffset>> LastStartPerTeamAsync()
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<LastStart>(
            "SELECT team_id, MAX(started_at) AS started_at FROM runs WHERE started_at IS NOT NULL GROUP BY team_id");
        return rows.ToDictionary(r => r.TeamId, r => r.StartedAt);
    }

    sealed class LastStart
    {
        public long TeamId { get; init; }
        public DateTimeOffset StartedAt { get; init; }
    }
}
