using Dapper;

namespace Sensorium.Storage.Runs;

/// <summary>Epoch and batch metrics of runs. Rows go when their run goes (ON DELETE CASCADE).</summary>
public sealed class RunMetricStore(Database database, TimeProvider time)
{
    /// <summary>Records an epoch; recording the same epoch again replaces it (a resumed run repeats epochs).</summary>
    public async Task<RunEpoch> AddEpochAsync(RunEpoch epoch)
    {
        epoch = epoch with { RecordedAt = time.GetUtcNow() };
        await using var connection = database.Open();
        await connection.ExecuteAsync("""
            INSERT OR REPLACE INTO run_epochs
                (run_id, epoch, train_loss, validation_correlation, per_mouse_correlation_json,
                 learning_rate, epoch_seconds, recorded_at)
            VALUES (@RunId, @Epoch, @TrainLoss, @ValidationCorrelation, @PerMouseCorrelationJson,
                    @LearningRate, @EpochSeconds, @RecordedAt)
            """, epoch);
        return epoch;
    }

    public async Task<IReadOnlyList<RunEpoch>> ListEpochsAsync(long runId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<RunEpoch>(
            "SELECT * FROM run_epochs WHERE run_id = @runId ORDER BY epoch", new { runId })).AsList();
    }

    /// <summary>Records batch losses in one transaction (callers may buffer a few).</summary>
    public async Task AddBatchesAsync(long runId, IEnumerable<RunBatch> batches)
    {
        await using var connection = database.Open();
        await using var transaction = connection.BeginTransaction();
        await connection.ExecuteAsync("""
            INSERT OR REPLACE INTO run_batches (run_id, epoch, batch, loss) VALUES (@runId, @Epoch, @Batch, @Loss)
            """, batches.Select(b => new { runId, b.Epoch, b.Batch, b.Loss }), transaction);
        await transaction.CommitAsync();
    }

    /// <summary>
    /// The batch-loss series in training order, thinned to at most <paramref name="maxPoints"/> evenly spaced rows
    /// so a long run still draws quickly.
    /// </summary>
    public async Task<IReadOnlyList<RunBatch>> ListBatchesAsync(long runId, int maxPoints = 2000)
    {
        await using var connection = database.Open();
        var count = await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM run_batches WHERE run_id = @runId", new { runId });
        var step = Math.Max(1, (count + maxPoints - 1) / maxPoints);
        return (await connection.QueryAsync<RunBatch>("""
            SELECT epoch, batch, loss FROM (
                SELECT epoch, batch, loss, ROW_NUMBER() OVER (ORDER BY epoch, batch) - 1 AS n
                FROM run_batches WHERE run_id = @runId)
            WHERE n % @step = 0
            ORDER BY epoch, batch
            """, new { runId, step })).AsList();
    }
}
