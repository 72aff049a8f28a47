using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Sensorium.Storage;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Datasets;
using Sensorium.Storage.Runs;

namespace Sensorium.Web.Hosting;

public static class StorageSetup
{
    /// <summary>The database (SQLite file under DataDirectory, or PostgreSQL) and one store per aggregate (stateless singletons).</summary>
    public static IServiceCollection AddWorkbenchStorage(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<WorkbenchOptions>>().Value.OpenDatabase());
        services.AddSingleton<TeamStore>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<ApiTokenStore>();
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<RunMetricStore>();

        // Keys that protect sign-in cookies and anti-forgery tokens live with the rest of the state, so cookies
        // survive restarts and nothing is written outside DataDirectory.
        services.AddDataProtection().SetApplicationName("Sensorium.Workbench");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<WorkbenchOptions>, ILoggerFactory>((keys, workbench, logs) =>
            keys.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(Path.Combine(workbench.Value.DataDirectory, "keys")), logs));
        return services;
    }
}
