using Dapper;

namespace Sensorium.Storage.Runs;

/// <summary>
/// Epoch and batch metrics of runs, and the incidents of the training-health guard. Rows go when their run goes
/// (ON DELETE CASCADE). Every number a worker reports is accepted: NaN and ±inf (which SQLite cannot store as REAL)
/// are stored as NULL and read back as NaN, "not available".
/// </summary>
public sealed class RunMetricStore(Database database, TimeProvider time)
{
    /// <summary>Records an epoch; recording the same epoch again replaces it (a resumed run repeats epochs).</summary>
    public async Task<RunEpoch> AddEpochAsync(RunEpoch epoch)
    {
        epoch = epoch with { RecordedAt = time.GetUtcNow() };
        await using var connection = database.Open();
        await connection.ExecuteAsync("""
            INSERT INTO run_epochs
                (run_id, epoch, train_loss, validation_correlation, per_mouse_correlation_json,
                 learning_rate, epoch_seconds, recorded_at)
            VALUES (@RunId, @Epoch, @TrainLoss, @ValidationCorrelation, @PerMouseCorrelationJson,
                    @LearningRate, @EpochSeconds, @RecordedAt)
            ON CONFLICT (run_id, epoch) DO UPDATE SET
                train_loss = excluded.train_loss, validation_correlation = excluded.validation_correlation,
                per_mouse_correlation_json = excluded.per_mouse_correlation_json, learning_rate = excluded.learning_rate,
                epoch_seconds = excluded.epoch_seconds, recorded_at = excluded.recorded_at
            """, new
        {
            epoch.RunId, epoch.Epoch, TrainLoss = Finite(epoch.TrainLoss), ValidationCorrelation = Finite(epoch.ValidationCorrelation),
            epoch.PerMouseCorrelationJson, LearningRate = Finite(epoch.LearningRate), EpochSeconds = Finite(epoch.EpochSeconds),
            epoch.RecordedAt,
        });
        return epoch;
    }

    public async Task<IReadOnlyList<RunEpoch>> ListEpochsAsync(long runId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<EpochRow>(
            "SELECT * FROM run_epochs WHERE run_id = @runId ORDER BY epoch", new { runId })).Select(r => new RunEpoch
        {
            RunId = r.RunId, Epoch = r.Epoch, TrainLoss = r.TrainLoss ?? double.NaN,
            ValidationCorrelation = r.ValidationCorrelation, PerMouseCorrelationJson = r.PerMouseCorrelationJson,
            LearningRate = r.LearningRate ?? double.NaN, EpochSeconds = r.EpochSeconds ?? double.NaN, RecordedAt = r.RecordedAt,
        }).ToList();
    }

    /// <summary>Records batch losses in one transaction (callers may buffer a few).</summary>
    public async Task AddBatchesAsync(long runId, IEnumerable<RunBatch> batches)
    {
        await using var connection = database.Open();
        await using var transaction = connection.BeginTransaction();
        await connection.ExecuteAsync("""
            INSERT INTO run_batches (run_id, epoch, batch, loss) VALUES (@runId, @Epoch, @Batch, @Loss)
            ON CONFLICT (run_id, epoch, batch) DO UPDATE SET loss = excluded.loss
            """, batches.Select(b => new { runId, b.Epoch, b.Batch, Loss = Finite(b.Loss) }), transaction);
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
        return (await connection.QueryAsync<(int Epoch, int Batch, double? Loss)>("""
            SELECT epoch, batch, loss FROM (
                SELECT epoch, batch, loss, ROW_NUMBER() OVER (ORDER BY epoch, batch) - 1 AS n
                FROM run_batches WHERE run_id = @runId) AS numbered
            WHERE n % @step = 0
            ORDER BY epoch, batch
            """, new { runId, step })).Select(r => new RunBatch { Epoch = r.Epoch, Batch = r.Batch, Loss = r.Loss ?? double.NaN }).ToList();
    }

    /// <summary>Records what the training-health guard met (a marker on the run's curves).</summary>
    public async Task AddIncidentAsync(RunIncident incident)
    {
        await using var connection = database.Open();
        await connection.ExecuteAsync("""
            INSERT INTO run_incidents (run_id, epoch, batch, what, recovered, learning_rate, recorded_at)
            VALUES (@RunId, @Epoch, @Batch, @What, @Recovered, @LearningRate, @RecordedAt)
            """, new
        {
            incident.RunId, incident.Epoch, incident.Batch, incident.What, incident.Recovered,
            LearningRate = Finite(incident.LearningRate), RecordedAt = time.GetUtcNow(),
        });
    }

    public async Task<IReadOnlyList<RunIncident>> ListIncidentsAsync(long runId)
    {
        await using var connection = database.Open();
        return (await connection.QueryAsync<RunIncident>(
            "SELECT run_id, epoch, batch, what, recovered, learning_rate, recorded_at FROM run_incidents WHERE run_id = @runId ORDER BY id",
            new { runId })).AsList();
    }

    /// <summary>NaN and ±inf as NULL: SQLite stores no non-finite REAL.</summary>
    static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    sealed record EpochRow
    {
        public long RunId { get; init; }
        public int Epoch { get; init; }
        public double? TrainLoss { get; init; }
        public double? ValidationCorrelation { get; init; }
        public string? PerMouseCorrelationJson { get; init; }
        public double? LearningRate { get; init; }
        public double? EpochSeconds { get; init; }
        public DateTimeOffset RecordedAt { get; init; }
    }
}
