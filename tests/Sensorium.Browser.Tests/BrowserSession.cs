using Microsoft.Playwright;

namespace Sensorium.Browser.Tests;

/// <summary>
/// One real workbench process and one Debian Chromium per test class: started before the tests, stopped after. When
/// the start fails, what was started is stopped at once (xUnit does not call DisposeAsync when InitializeAsync throws).
/// </summary>
public abstract class BrowserSession(IDictionary<string, string>? settings = null) : IAsyncLifetime
{
    protected WorkbenchProcess app = default!;
    protected IPlaywright playwright = default!;
    protected IBrowserContext browser = default!;
    readonly string userData = Directory.CreateTempSubdirectory("sensorium-chromium-").FullName;

    public async Task InitializeAsync()
    {
        app = new WorkbenchProcess(settings);
        try
        {
            playwright = await Playwright.CreateAsync();
            browser = await WorkbenchBrowser.LaunchAsync(playwright, userData, app.BaseAddress, Downloads);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (browser is not null) await browser.DisposeAsync();
        playwright?.Dispose();
        await app.DisposeAsync();
        try { Directory.Delete(userData, recursive: true); } catch (IOException) { }
        CleanUp();
    }

    /// <summary>Where the browser saves downloads (null: it does not).</summary>
    protected virtual string? Downloads => null;

    /// <summary>What a test class made besides the app and the browser (folders), removed last.</summary>
    protected virtual void CleanUp() { }
}
