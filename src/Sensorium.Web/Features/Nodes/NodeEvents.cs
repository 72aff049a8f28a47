using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Features.Training;
using StackExchange.Redis;

namespace Sensorium.Web.Features.Nodes;

/// <summary>
/// Carries the in-process events of one web node to the others over Redis pub/sub (one channel,
/// <c>PREFIX:events</c>), so Blazor pages, which listen in process, show what happens on any node: run events
/// (<see cref="TrainingNotifications"/>: status, batches, epochs, incidents), in-silico job changes
/// (<see cref="InSilicoJobs"/>), ensemble evaluation changes (<see cref="Ensembles.EnsembleJobs"/>) and leaderboard changes (<see cref="SubmissionNotifications"/>). Hub clients need
/// none of it: SignalR's Redis backplane reaches them. What another node hears also matters to the dispatcher: a run
/// queued, ended or a job queued there wakes it (<see cref="QueueSignal"/>), and a run cancelled on a node that does
/// not run it is stopped by the node whose launcher follows it.
/// <para>
/// Messages are JSON, one event each, tagged with the sending process; a node ignores its own. Redis keeps their
/// order. A message that cannot be sent or read is logged as an error with the run it was about; a node that loses
/// Redis keeps serving, its pages then show other nodes' runs as of their last reload.
/// </para>
/// </summary>
public sealed class NodeEvents(
    IOptions<NodeOptions> options, DispatcherLease lease, TrainingNotifications training, QueueSignal signal,
    IServiceProvider services, ILogger<NodeEvents> logger) : IHostedService, IAsyncDisposable
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a diverging run's NaN
    };

    ConnectionMultiplexer? redis;
    ChannelMessageQueue? queue;
    RedisChannel channel;
    IDisposable? trainingSubscription;
    InSilicoJobs? jobs;
    SubmissionNotifications? leaderboards;
    Ensembles.EnsembleJobs? ensembles;

    /// <summary>Messages heard from other nodes (for tests and logs).</summary>
    public long Received => Interlocked.Read(ref received);
    long received;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Redis)) return; // one node: everything stays in process
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(options.Value.Redis);
        }
        catch (Exception e) when (e is RedisException or ArgumentException)
        {
            throw new InvalidOperationException($"Nodes:Redis: the Redis server of the web nodes does not answer ({e.Message}). " +
                "Start it, fix the setting, or leave Nodes:Redis empty for a single node.", e);
        }
        channel = RedisChannel.Literal($"{options.Value.ChannelPrefix}:events");
        queue = await redis.GetSubscriber().SubscribeAsync(channel);
        queue.OnMessage(ReceiveAsync); // one message after another, in order
        trainingSubscription = training.SubscribeLocal(e => SendAsync(KindOf(e), e, e.RunId));
        jobs = services.GetService<InSilicoJobs>();
        if (jobs is not null) jobs.Published += OnJobPublished;
        leaderboards = services.GetService<SubmissionNotifications>();
        if (leaderboards is not null) leaderboards.Announced += OnLeaderboardsAnnounced;
        ensembles = services.GetService<Ensembles.EnsembleJobs>();
        if (ensembles is not null) ensembles.Changed += OnEnsembleChanged;
        logger.LogInformation("Node {Node}: events cross web nodes through Redis {Redis} (channel {Channel}).",
            lease.NodeId, redis.GetEndPoints().FirstOrDefault(), channel);
    }

    void OnJobPublished(InSilicoJob job) => _ = SendAsync("insilicoJob", job, job.RunId);

    void OnEnsembleChanged(long id)
    {
        if (!Ensembles.EnsembleJobs.IsRemoteChange) _ = SendAsync("ensemble", id, null);
    }

    void OnLeaderboardsAnnounced() => _ = SendAsync("leaderboards", new { }, null);

    static string KindOf(ITrainingEvent e) => e switch
    {
        RunStatusChanged => "runStatus",
        RunBatchProgress => "runBatch",
        RunEpochCompleted => "runEpoch",
        TrainingIncident => "runIncident",
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "No message kind for this training event."),
    };

    async Task SendAsync(string kind, object payload, long? runId)
    {
        if (redis is null) return;
        try
        {
            var message = JsonSerializer.Serialize(new Envelope(lease.Instance, lease.NodeId, kind, JsonSerializer.SerializeToElement(payload, payload.GetType(), Json)), Json);
            await redis.GetSubscriber().PublishAsync(channel, message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Node {Node}: a {Kind} event (run {RunId}) could not be sent to the other web nodes; their pages miss it until they reload.",
                lease.NodeId, kind, runId);
        }
    }

    async Task ReceiveAsync(ChannelMessage message)
    {
        Envelope? envelope = null;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>((string)message.Message!, Json)
                ?? throw new JsonException("The message is null.");
            if (envelope.Instance == lease.Instance) return; // our own
            Interlocked.Increment(ref received);
            switch (envelope.Kind)
            {
                case "runStatus":
                    var status = Read<RunStatusChanged>(envelope);
                    signal.Wake(); // queued there, or a slot freed: the dispatcher (if it is this node) plans again
                    if (status.Status == RunStatus.Cancelled) _ = StopCancelledAsync(status.RunId);
                    await training.PublishRemoteAsync(status);
                    break;
                case "runBatch": await training.PublishRemoteAsync(Read<RunBatchProgress>(envelope)); break;
                case "runEpoch": await training.PublishRemoteAsync(Read<RunEpochCompleted>(envelope)); break;
                case "runIncident": await training.PublishRemoteAsync(Read<TrainingIncident>(envelope)); break;
                case "insilicoJob":
                    var job = Read<InSilicoJob>(envelope);
                    jobs?.ApplyRemote(job);
                    signal.Wake();
                    break;
                case "ensemble":
                    ensembles?.ApplyRemote(envelope.Payload.GetInt64());
                    break;
                case "leaderboards":
                    if (leaderboards is not null) await leaderboards.NotifyLocalAsync();
                    break;
                default:
                    logger.LogError("Node {Node}: node {From} sent an event of unknown kind {Kind}; a newer version? It is ignored.",
                        lease.NodeId, envelope.Node, envelope.Kind);
                    break;
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Node {Node}: an event from node {From} ({Kind}) could not be handled: {Message}",
                lease.NodeId, envelope?.Node, envelope?.Kind, (string?)message.Message);
        }
    }

    /// <summary>A run cancelled on another node: if this node's launcher follows its worker, it stops it (the run is already cancelled).</summary>
    async Task StopCancelledAsync(long runId)
    {
        try
        {
            await services.GetRequiredService<IRunLauncher>().StopAsync(runId, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Node {Node}: stopping the worker of run {RunId}, cancelled on another node, failed.", lease.NodeId, runId);
        }
    }

    static T Read<T>(Envelope envelope) =>
        envelope.Payload.Deserialize<T>(Json) ?? throw new JsonException($"A {envelope.Kind} message carries no payload.");

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        trainingSubscription?.Dispose();
        trainingSubscription = null;
        if (jobs is not null) jobs.Published -= OnJobPublished;
        if (leaderboards is not null) leaderboards.Announced -= OnLeaderboardsAnnounced;
        if (ensembles is not null) ensembles.Changed -= OnEnsembleChanged;
        if (queue is not null) await queue.UnsubscribeAsync();
        queue = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        if (redis is not null) await redis.DisposeAsync();
        redis = null;
    }

    sealed record Envelope(string Instance, string Node, string Kind, JsonElement Payload);
}
