namespace Sensorium.Web.Features.Nodes;

/// <summary>
/// Several web nodes behind one address, section <c>Nodes</c> of appsettings.json. One node alone needs none of it:
/// it holds the dispatcher lease itself and publishes its events in process. Two or more share the database
/// (PostgreSQL), the data directory (a shared file system) and a Redis server (<see cref="Redis"/>).
/// </summary>
public sealed class NodeOptions
{
    public const string Section = "Nodes";

    /// <summary>
    /// This node's name, unique among the web nodes of one database (default: the machine's name). A node that restarts
    /// under the same name takes its own lease back at once.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// A StackExchange.Redis configuration string (e.g. <c>redis:6379,password=…</c>). Set: SignalR's Redis backplane
    /// carries hub messages to clients on every node, and run, job and leaderboard events reach every node's pages.
    /// Empty (default): one node, events stay in process.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of the Redis channels (backplane and events), so several workbenches can share one Redis.</summary>
    public string ChannelPrefix { get; set; } = "sensorium";

    /// <summary>How long the dispatcher lease lasts unless renewed; a dead dispatcher's lease is taken over after it.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often the holder renews the lease (and the others try to take it). Less than a third of <see cref="LeaseSeconds"/>.</summary>
    public double RenewSeconds { get; set; } = 5;

    /// <summary>A node that stops cleanly gives the lease up at once (default), after its workers have stopped.</summary>
    public bool ReleaseLeaseOnStop { get; set; } = true;

    public string EffectiveNodeId => string.IsNullOrWhiteSpace(NodeId) ? Environment.MachineName : NodeId.Trim();

    /// <summary>A message per wrong setting (empty when all are usable).</summary>
    public IEnumerable<string> Problems()
    {
        if (!(LeaseSeconds >= 1)) yield return $"Nodes:LeaseSeconds is {LeaseSeconds}; at least 1.";
        if (!(RenewSeconds > 0) || RenewSeconds * 3 > LeaseSeconds)
            yield return $"Nodes:RenewSeconds is {RenewSeconds}; more than 0 and at most a third of Nodes:LeaseSeconds ({LeaseSeconds}).";
        if (string.IsNullOrWhiteSpace(ChannelPrefix)) yield return "Nodes:ChannelPrefix is empty.";
    }
}
