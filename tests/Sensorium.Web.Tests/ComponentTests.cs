using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Runs;

namespace Sensorium.Web.Tests;

/// <summary>MudBlazor components under bUnit: loose JS interop and MudBlazor's services, as MudBlazor's own tests do.</summary>
public sealed class ComponentTests
{
    // A context per test, disposed asynchronously: MudBlazor's services are only IAsyncDisposable.
    static BunitContext CreateContext()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        return context;
    }

    [Theory]
    [InlineData(RunStatus.Running, "running", "mud-chip-color-info")]
    [InlineData(RunStatus.Failed, "failed", "mud-chip-color-error")]
    [InlineData(RunStatus.Interrupted, "interrupted", "mud-chip-color-warning")]
    public async Task Status_chip_shows_the_status_in_its_colour(RunStatus status, string text, string colourClass)
    {
        await using var context = CreateContext();
        var cut = context.Render<RunStatusChip>(parameters => parameters.Add(c => c.Status, status));
        var chip = cut.Find(".run-status");
        Assert.Equal(text, chip.GetAttribute("data-status"));
        Assert.Contains(text, chip.TextContent);
        Assert.Contains(colourClass, chip.ClassName);
    }

    [Fact]
    public async Task Device_panel_names_own_runs_and_keeps_other_teams_anonymous()
    {
        await using var context = CreateContext();
        var occupancy = new QueueOccupancy(
            [new DeviceOccupancy("cuda:0", Slots: 3, OwnRunIds: [7], OtherTeamsRunning: 1)], OwnQueued: 2, TotalQueued: 5);
        var cut = context.Render<DeviceOccupancyPanel>(parameters => parameters.Add(c => c.Occupancy, occupancy));

        var chips = cut.FindAll(".mud-chip").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(["your run #7", "another team", "free"], chips);
        Assert.Contains("2 of your team's runs, 5 in all", cut.Markup);
    }
}
