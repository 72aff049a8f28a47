using System.Net;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Datasets;

namespace Sensorium.Web.Tests;

public sealed class AdminAndDatasetTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    [Fact]
    public async Task An_admin_reaches_the_admin_pages_and_starts_there()
    {
        await app.Get<AccountService>().CreateUserAsync("root", WorkbenchApp.Password, teamId: null, isAdmin: true);
        var client = (await app.SignInAsync("root")).Http;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/teams")).StatusCode);
        var users = await client.GetStringAsync("/admin/users");
        Assert.Contains("demo", users); // the seeded demo account is listed
        Assert.Equal("/admin/teams", (await client.GetAsync("/")).Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Datasets_register_only_inside_the_dataset_root()
    {
        var registry = app.Get<DatasetRegistry>();
        var admin = Assert.Single(await app.Get<Storage.Accounts.UserStore>().ListAsync(), u => u.IsAdmin);
        Directory.CreateDirectory(Path.Combine(registry.Root, "sensorium-2022"));

        var (dataset, error) = await registry.RegisterAsync("Sensorium 2022", "sensorium-2022", admin.Id);
        Assert.Null(error);
        Assert.Equal(Path.Combine(registry.Root, "sensorium-2022"), dataset!.Path);

        Assert.NotNull((await registry.RegisterAsync("escape", "../keys", admin.Id)).Error);
        Assert.NotNull((await registry.RegisterAsync("absolute", "/etc", admin.Id)).Error);
        Assert.NotNull((await registry.RegisterAsync("missing", "nope", admin.Id)).Error);
        Assert.NotNull((await registry.RegisterAsync("sensorium 2022", "sensorium-2022", admin.Id)).Error); // name taken

        Directory.Delete(dataset.Path);
        await registry.CheckAsync(dataset);
        Assert.Equal(DatasetStatus.Missing, Assert.Single(await registry.ListAsync()).Status);
    }
}
