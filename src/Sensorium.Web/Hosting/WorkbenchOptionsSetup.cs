using Microsoft.Extensions.Options;

namespace Sensorium.Web.Hosting;

public static class WorkbenchOptionsSetup
{
    /// <summary>Binds <see cref="WorkbenchOptions"/>, makes its paths absolute and validates it at start.</summary>
    public static IServiceCollection AddWorkbenchOptions(this IServiceCollection services)
    {
        services.AddOptions<WorkbenchOptions>()
            .BindConfiguration(WorkbenchOptions.Section)
            .PostConfigure<IHostEnvironment>((options, environment) =>
            {
                options.DataDirectory = Path.GetFullPath(options.DataDirectory, environment.ContentRootPath);
                options.DatasetRoot = Path.GetFullPath(
                    options.DatasetRoot ?? Path.Combine(options.DataDirectory, "datasets"), environment.ContentRootPath);
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkbenchOptions>, WorkbenchOptionsValidator>();
        // Request bodies are limited per endpoint (Features/Security/RequestBodyLimits), small unless an endpoint says otherwise.
        return services;
    }
}

sealed class WorkbenchOptionsValidator : IValidateOptions<WorkbenchOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkbenchOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory)) errors.Add("Workbench:DataDirectory is required.");
        if (options.Devices.Count == 0)
            errors.Add("Workbench:Devices needs at least one device, e.g. [{ \"Name\": \"cpu\", \"Slots\": 1 }].");
        foreach (var device in options.Devices)
        {
            if (string.IsNullOrWhiteSpace(device.Name)) errors.Add("Every Workbench:Devices entry needs a Name.");
            if (device.Slots is < 1 or > 64) errors.Add($"Workbench:Devices '{device.Name}' needs 1 to 64 Slots.");
        }
        foreach (var duplicate in options.Devices.GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            errors.Add($"Workbench:Devices names device '{duplicate.Key}' twice.");
        if (options.SlotsPerGpu is < 1 or > 64) errors.Add("Workbench:SlotsPerGpu must be 1 to 64.");
        if (options.GpuMemoryReserveMiB < 0) errors.Add("Workbench:GpuMemoryReserveMiB must not be negative.");
        foreach (var device in options.Devices.Where(d => d.MemoryMiB is <= 0))
            errors.Add($"Workbench:Devices '{device.Name}' needs a positive MemoryMiB (or none).");
        if (options.MaxSpecBytes is < 2 or > 16 * 1024 * 1024) errors.Add("Workbench:MaxSpecBytes must be 2 bytes to 16 MiB.");
        if (options.MaxQueuedRunsPerTeam < 1) errors.Add("Workbench:MaxQueuedRunsPerTeam must be positive.");
        if (options.Database.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.DatabaseConnectionString))
                errors.Add("Workbench:Database is postgres, so Workbench:DatabaseConnectionString needs an Npgsql connection string (Host=…;Database=…;Username=…;Password=…).");
            else
                try { Sensorium.Storage.Database.Postgres(options.DatabaseConnectionString); }
                catch (ArgumentException e) { errors.Add($"Workbench:DatabaseConnectionString: {e.Message}"); }
        }
        else if (!options.Database.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
            errors.Add($"Workbench:Database is '{options.Database}'; expected sqlite (the default) or postgres.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
