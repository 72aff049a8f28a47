namespace Sensorium.Storage;

/// <summary>SQLite extended result codes the stores translate (https://sqlite.org/rescode.html).</summary>
static class SqliteErrors
{
    public const int ConstraintUnique = 2067; // SQLITE_CONSTRAINT_UNIQUE
}

/// <summary>A unique name (team, user, dataset) is already taken.</summary>
public sealed class NameTakenException(string message) : Exception(message);
