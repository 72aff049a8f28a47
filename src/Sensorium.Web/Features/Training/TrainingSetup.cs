using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sensorium.Web.Features.Training;

public static class TrainingSetup
{
    public static IServiceCollection AddTrainingNotifications(this IServiceCollection services)
    {
        services.AddSingleton<TrainingNotifications>();
        services.AddHostedService<TrainingHubRelay>();
        services.AddSignalR().AddJsonProtocol(options =>
        {
            options.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            // A diverging run may report NaN or ±inf: send them as "NaN"/"Infinity" rather than fail the message.
            options.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapTrainingHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<TrainingHub>(TrainingHub.Path);
        return app;
    }
}
