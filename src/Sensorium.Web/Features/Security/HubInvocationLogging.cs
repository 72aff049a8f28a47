using Microsoft.AspNetCore.SignalR;

namespace Sensorium.Web.Features.Security;

/// <summary>
/// How hub method failures are logged. SignalR logs every exception of a hub method as an error, including a
/// <see cref="HubException"/> that only refuses a caller (joining another team's run): that is an answer, not a
/// fault, so it is logged here as information, and every other exception as an error. SignalR's own log line for it
/// (category DefaultHubDispatcher, event FailedInvokingHubMethod) is turned off in <see cref="SecuritySetup"/>.
/// </summary>
public sealed class HubInvocationLogging(ILogger<HubInvocationLogging> logger) : IHubFilter
{
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (HubException e)
        {
            logger.LogInformation("{Hub}.{Method} refused for {User}: {Reason}", context.Hub.GetType().Name, context.HubMethodName,
                context.Context.UserIdentifier ?? "anonymous", e.Message);
            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Hub}.{Method} failed.", context.Hub.GetType().Name, context.HubMethodName);
            throw;
        }
    }
}
