using Microsoft.Extensions.Options;
using Sensorium.Storage.Nodes;

namespace Sensorium.Web.Features.Nodes;

public static class NodesSetup
{
    /// <summary>
    /// Several web nodes (section <c>Nodes</c>): the dispatcher lease (always: one node alone simply holds it), and with
    /// <c>Nodes:Redis</c> set, SignalR's Redis backplane and the events that cross nodes (<see cref="NodeEvents"/>).
    /// Call before <c>AddRunLauncher</c>: hosted services stop in reverse order, so the lease is given up only after
    /// this node's workers have stopped.
    /// </summary>
    public static IServiceCollection AddWebNodes(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section)
            .PostConfigure(o =>
            {
                var problems = o.Problems().ToList();
                if (problems.Count > 0) throw new OptionsValidationException(NodeOptions.Section, typeof(NodeOptions), problems);
            });
        services.AddSingleton<DispatcherLeaseStore>();
        services.AddSingleton<DispatcherLease>();
        services.AddSingleton<Runs.Scheduling.IDispatchGate>(sp => sp.GetRequiredService<DispatcherLease>());
        services.AddHostedService(sp => sp.GetRequiredService<DispatcherLease>());
        services.AddSingleton<NodeEvents>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeEvents>());

        var redis = configuration[$"{NodeOptions.Section}:{nameof(NodeOptions.Redis)}"];
        if (!string.IsNullOrWhiteSpace(redis))
        {
            var prefix = configuration[$"{NodeOptions.Section}:{nameof(NodeOptions.ChannelPrefix)}"];
            services.AddSignalR().AddStackExchangeRedis(redis, options =>
                options.Configuration.ChannelPrefix = RedisChannelPrefix(string.IsNullOrWhiteSpace(prefix) ? new NodeOptions().ChannelPrefix : prefix));
        }
        return services;
    }

    static StackExchange.Redis.RedisChannel RedisChannelPrefix(string prefix) => StackExchange.Redis.RedisChannel.Literal(prefix + ":signalr");
}
