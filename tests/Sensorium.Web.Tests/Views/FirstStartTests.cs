using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Sensorium.Storage;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Features.Datasets.FirstDataset;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests.Views;

/// <summary>
/// At first start the dataset is generated for minutes: the pages whose lists it fills say so, with progress, and
/// fill in once it is registered (a real SQLite file, no app).
/// </summary>
public sealed class FirstStartTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("sensorium-firststart-").FullName;

    public void Dispose()
    {
        Database.ClearPools();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task The_datasets_page_shows_the_generation_with_progress_then_the_registered_dataset()
    {
        var database = new Database(Path.Combine(root, "workbench.db"));
        database.Initialize();
        var store = new DatasetStore(database, TimeProvider.System);
        var status = new FirstDatasetStatus();
        status.Set(FirstDatasetState.Generating, "synthetic-small", "Generating the synthetic-small dataset: mouse 3 of 7…", 0.3);

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(sp => new DatasetRegistry(store, Options.Create(new WorkbenchOptions { DatasetRoot = root }), sp));
        context.Services.AddSingleton(status);
        context.AddAuthorization().SetAuthorized("demo");

        var banner = context.Render<FirstDatasetBanner>();
        Assert.Contains("mouse 3 of 7", banner.Find(".first-dataset-banner").TextContent);

        var page = context.Render<DatasetsPage>();
        var empty = page.Find(".datasets-empty");
        Assert.Equal("generating", empty.GetAttribute("data-state"));
        Assert.Contains("synthetic-small", empty.TextContent);
        Assert.Contains(0.3.ToString("P0"), empty.TextContent);
        Assert.DoesNotContain("No dataset is registered yet", page.Markup);

        // Registered: the banner goes, the list shows it without a reload.
        var folder = Directory.CreateDirectory(Path.Combine(root, "synthetic-small")).FullName;
        await store.CreateAsync("synthetic-small", folder, registeredBy: null);
        status.Set(FirstDatasetState.Ready, "synthetic-small", "The synthetic-small dataset is ready.", 1);
        page.WaitForAssertion(() => Assert.Contains(">synthetic-small</a>", page.Markup));
        Assert.Empty(page.FindAll(".datasets-empty"));
        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll(".first-dataset-banner")));
    }

    /// <summary>No dataset and none being generated: a member is told whom to ask (the register form is the administrator's).</summary>
    [Theory]
    [InlineData(false, "ask an administrator")]
    [InlineData(true, "Register a folder in the official layout below.")]
    public async Task With_no_dataset_the_datasets_page_tells_a_member_whom_to_ask_and_an_administrator_what_to_do(bool admin, string says)
    {
        var database = new Database(Path.Combine(root, "workbench.db"));
        database.Initialize();
        var store = new DatasetStore(database, TimeProvider.System);

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(sp => new DatasetRegistry(store, Options.Create(new WorkbenchOptions { DatasetRoot = root }), sp));
        context.Services.AddSingleton(new FirstDatasetStatus());
        var auth = context.AddAuthorization().SetAuthorized(admin ? "admin" : "demo");
        if (admin) auth.SetPolicies(Sensorium.Web.Features.Accounts.WorkbenchPolicies.Admin);

        var page = context.Render<DatasetsPage>();
        var empty = page.Find(".datasets-empty");
        Assert.Equal("none", empty.GetAttribute("data-state"));
        Assert.Contains(says, empty.TextContent);
        if (!admin) Assert.DoesNotContain("below", empty.TextContent); // a member has no form below
    }
}
