using MudBlazor;

namespace Sensorium.Web.Components.Layout;

/// <summary>The workbench's colours, for the main layout and the statically rendered account pages alike.</summary>
public static class WorkbenchTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#3f51b5", Secondary = "#00897b", AppbarBackground = "#283593" },
        PaletteDark = new PaletteDark { Primary = "#8c9eff", Secondary = "#4db6ac", AppbarBackground = "#1a2140" },
    };
}
