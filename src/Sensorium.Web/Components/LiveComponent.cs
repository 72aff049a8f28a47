using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Sensorium.Web.Components;

/// <summary>
/// Base of the components that react to live events (a run's status, a job's progress, a timer): the event's handler
/// cannot await the page's work, and a bare <c>_ = InvokeAsync(...)</c> would leave a failure (a store error, a
/// disposed service) in a task nobody looks at. <see cref="InvokeLive(string, Func{Task})"/> runs the work on the
/// renderer's context and, if it fails, logs it (with the component and what it was doing) and tells the user in a
/// snackbar naming what failed; the page keeps living with what it showed before. Without a snackbar service the
/// failure goes to <see cref="ComponentBase.DispatchExceptionAsync"/> (the circuit's error UI and the server log).
/// </summary>
public abstract class LiveComponent : ComponentBase
{
    [Inject] ILoggerFactory LiveLoggers { get; set; } = default!;
    [Inject] IServiceProvider LiveServices { get; set; } = default!;

    /// <summary>From an event handler: <paramref name="work"/> on the renderer's context, its failure reported.
    /// <paramref name="what"/> names it for the user, as a phrase that starts a sentence ("Refreshing the queue").</summary>
    protected void InvokeLive(string what, Func<Task> work) => Observe(what, InvokeAsync(work));

    /// <inheritdoc cref="InvokeLive(string, Func{Task})"/>
    protected void InvokeLive(string what, Action work) => Observe(what, InvokeAsync(work));

    /// <summary>A task started without awaiting (a refresh loop): its failure reported as <see cref="InvokeLive(string, Func{Task})"/>'s.</summary>
    protected void Observe(string what, Task running) => _ = ObserveAsync(what, running);

    /// <summary>For sources that await their handlers (<c>TrainingNotifications</c>, <c>SlotActivity</c>): the same
    /// work and report, as a task that does not fault (the source's own log line would not reach the user).</summary>
    protected Task InvokeLiveAsync(string what, Func<Task> work) => ObserveAsync(what, InvokeAsync(work));

    /// <inheritdoc cref="InvokeLiveAsync(string, Func{Task})"/>
    protected Task InvokeLiveAsync(string what, Action work) => ObserveAsync(what, InvokeAsync(work));

    async Task ObserveAsync(string what, Task running)
    {
        try
        {
            await running;
        }
        catch (Exception e)
        {
            await ReportAsync(what, e);
        }
    }

    async Task ReportAsync(string what, Exception failure)
    {
        LiveLoggers.CreateLogger(GetType()).LogError(failure, "{Component}: {What} failed.", GetType().Name, what);
        if (LiveServices.GetService<ISnackbar>() is not { } snackbar)
        {
            await DispatchExceptionAsync(failure);
            return;
        }
        try
        {
            string message = failure.Message.TrimEnd();
            if (!message.EndsWith('.') && !message.EndsWith('!') && !message.EndsWith('?')) message += ".";
            await InvokeAsync(() => snackbar.Add($"{what} failed: {message} The page shows what it had before; reload it to try again.", Severity.Error));
        }
        catch (Exception e)
        {
            // The circuit is gone (the page was closed): nobody to tell; the failure is in the log above.
            LiveLoggers.CreateLogger(GetType()).LogWarning(e, "{Component}: the failure of {What} could not be shown.", GetType().Name, what);
        }
    }
}
