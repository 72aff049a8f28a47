using Sensorium.Storage.Sweeps;

namespace Sensorium.Web.Features.Sweeps;

public static class SweepsSetup
{
    /// <summary>Sweeps: their store and the service the API and pages share.</summary>
    public static IServiceCollection AddSweeps(this IServiceCollection services)
    {
        services.AddSingleton<SweepStore>();
        services.AddSingleton<SweepService>();
        return services;
    }
}
