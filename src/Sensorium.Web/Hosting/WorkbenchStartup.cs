using Microsoft.Extensions.Options;
using Sensorium.Storage;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Runs.Worker;

namespace Sensorium.Web.Hosting;

public static class WorkbenchStartup
{
    /// <summary>
    /// Before serving: creates the data folders, migrates the database, creates the first accounts on a fresh
    /// database, and marks runs left running by a previous server as interrupted (those with a checkpoint are queued
    /// again to resume from it, see <see cref="RunRecovery"/>).
    /// </summary>
    public static async Task InitializeWorkbenchAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<WorkbenchOptions>>().Value; // validates them
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sensorium.Web.Startup");
        Features.Security.OwnerOnlyFiles.Apply(options.DataDirectory); // 0700, and umask 077 for all that follows
        Directory.CreateDirectory(options.ArtifactsDirectory);

        var database = app.Services.GetRequiredService<Database>();
        var applied = database.Initialize();
        app.Lifetime.ApplicationStopped.Register(Database.ClearPools);
        logger.LogInformation("Data directory {DataDirectory}; database {Database}; applied migrations: {Migrations}.",
            options.DataDirectory, database.Describe(), applied.Count == 0 ? "none" : string.Join(", ", applied));

        logger.LogInformation("{KeyRing}", KeyRingAtRest.Describe(Path.Combine(options.DataDirectory, "keys")));

        await SeedFirstAccountsAsync(app.Services, options);

        var recovery = app.Services.GetService<RunRecovery>();
        if (recovery is not null) await recovery.IngestOrphansAsync(); // what their workers did while no server listened
        var reattached = await app.Services.GetRequiredService<IRunLauncher>().ReattachAsync(); // Slurm jobs outlive the server
        var interrupted = await app.Services.GetRequiredService<RunLifecycle>().InterruptOrphanedRunsAsync(reattached);
        foreach (var run in interrupted)
            logger.LogWarning("Run {RunId} was left running by the previous server and is now interrupted (worker pid {Pid}).",
                run.Id, run.Pid);
        if (recovery is not null) await recovery.RecoverAsync(interrupted);
        if (app.Services.GetService<Features.Neurons.InSilicoJobs>() is { } jobs) await jobs.RecoverAsync(); // in flight: interrupted
        if (app.Services.GetService<Features.Ensembles.EnsembleJobs>() is { } ensembles) await ensembles.RecoverAsync(); // in flight: interrupted
    }

    /// <summary>The first start's passwords, beside the database, readable by the server's user only.</summary>
    public const string FirstPasswordsFile = "first-start-passwords.txt";

    /// <summary>
    /// On a database without users: an administrator, and a demo team with one member, each with a generated
    /// password printed once to the console and written to <see cref="FirstPasswordsFile"/> in the data directory
    /// (mode 600: a console scrolls away, a service's log may not be kept). Change them under Account, then delete it.
    /// </summary>
    static async Task SeedFirstAccountsAsync(IServiceProvider services, WorkbenchOptions options)
    {
        var users = services.GetRequiredService<UserStore>();
        if (await users.AnyAsync()) return;

        var accounts = services.GetRequiredService<AccountService>();
        var adminPassword = AccountService.GeneratePassword();
        var demoPassword = AccountService.GeneratePassword();
        await accounts.CreateUserAsync("admin", adminPassword, teamId: null, isAdmin: true);
        var demoTeam = await services.GetRequiredService<TeamStore>().CreateAsync("demo");
        await accounts.CreateUserAsync("demo", demoPassword, demoTeam.Id, isAdmin: false);

        var file = Path.Combine(options.DataDirectory, FirstPasswordsFile);
        var accountsText = $"""
              admin  {adminPassword}   (administrator: teams, users, datasets, the queue)
              demo   {demoPassword}   (member of team "demo")
            """;
        await using (var stream = new FileStream(file, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync($"Sensorium Workbench: the accounts of the first start ({DateTimeOffset.UtcNow:u}).\n" +
                $"{accountsText}\nChange these passwords under Account (click your name), then delete this file.\n");
        }

        Console.WriteLine($"""

            ================ Sensorium Workbench: first start ================
            Accounts created. The passwords are shown this once here, and kept in
            {file} (readable by this user only) until you delete it:
            {accountsText}
            ==================================================================

            """);
    }
}
