using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Queue;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests;

/// <summary>The host's view of the shared queue: every team's runs, cancel, reprioritise, device use.</summary>
public sealed class HostQueueTests
{
    [Fact]
    public async Task The_host_sees_every_teams_runs_raises_one_and_cancels_another()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (beta, b) = await app.CreateTeamAsync("beta");
        var store = app.Get<RunStore>();
        var running = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "alpha-running", WorkbenchApp.SpecJson(), null));
        await store.TransitionAsync(running.Id, RunStatus.Running, "cpu");
        await store.SetPidAsync(running.Id, Environment.ProcessId); // a live process: its CPU and memory are read from /proc
        var waiting = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "alpha-waiting", WorkbenchApp.SpecJson(), null));
        var other = await store.CreateAsync(new NewRun(beta.Id, b.Id, "beta-waiting", WorkbenchApp.SpecJson(), null));

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.Services.AddSingleton(app.Get<SlotActivity>()); // the device panel follows slots taken and freed
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton(new DeviceMonitor(Microsoft.Extensions.Logging.Abstractions.NullLogger<DeviceMonitor>.Instance) { NvidiaSmi = null });
        context.AddAuthorization().SetAuthorized("admin").SetRoles(WorkbenchClaims.AdminRole)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, "1"));

        var cut = context.Render<QueuePage>();
        var rows = cut.FindAll(".host-queue tbody tr");
        Assert.Equal(3, rows.Count);
        Assert.Contains("alpha", rows[0].TextContent);
        Assert.Contains("running", rows[0].TextContent);
        Assert.Contains("MiB", rows[0].QuerySelector(".run-use")!.TextContent); // the worker's resident memory
        Assert.Contains("beta-waiting", cut.Markup);
        Assert.Contains("waiting", rows[1].QuerySelector(".queue-duration")!.TextContent);
        Assert.Contains("1 of 1 slots in use", cut.Find("[data-device=cpu] .device-slots").TextContent);
        Assert.Contains("GPU figures: none: nvidia-smi is not installed", cut.Find("[data-device=cpu]").TextContent);
        Assert.Contains("of", cut.Find("[data-device=cpu] [data-label=Memory] .use-text").TextContent);

        // Raise beta's run: it moves above alpha's older waiting run, and the scheduler will start it first.
        Assert.Equal(waiting.Id.ToString(), cut.FindAll(".host-queue tbody tr")[1].QuerySelector("td")!.TextContent.Trim());
        cut.Find($"button[aria-label='Raise run {other.Id}']").Click();
        cut.WaitForAssertion(() => Assert.Equal(other.Id.ToString(), cut.FindAll(".host-queue tbody tr")[1].QuerySelector("td")!.TextContent.Trim()));
        Assert.Equal(1, (await store.GetAsync(other.Id))!.Priority);

        // Stop and keep best on alpha's running run: the request its worker reads names the host; the run runs on.
        Assert.Single(cut.FindAll("button.host-stop-keep")); // only the running run offers it
        cut.FindAll(".host-queue tbody tr")[0].QuerySelector("button.host-stop-keep")!.Click();
        var runDir = app.Get<Sensorium.Web.Features.Runs.Worker.ProcessRunLauncher>().RunDirectory(running.Id);
        cut.WaitForAssertion(() => Assert.Equal("the host (admin)", Sensorium.Training.StopRequest.Read(runDir)?.By));
        Assert.Equal(RunStatus.Running, (await store.GetAsync(running.Id))!.Status);
        // The row says the stop is pending instead of offering it again (until the worker honours it).
        cut.WaitForAssertion(() => Assert.Equal("stop requested by the host (admin)", cut.FindAll(".host-queue tbody tr")[0].QuerySelector(".host-stop-pending")?.TextContent.Trim()));
        Assert.Empty(cut.FindAll("button.host-stop-keep"));

        // Cancel alpha's running run (another team's: the host may).
        cut.FindAll(".host-queue tbody tr")[0].QuerySelector("button.host-cancel")!.Click();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".host-queue tbody tr").Count));
        var cancelled = (await store.GetAsync(running.Id))!;
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Equal("Cancelled by the host (admin).", cancelled.Error);
    }

    [Fact]
    public void Device_monitor_reads_the_machine_and_a_process_from_proc_and_says_when_there_is_no_gpu()
    {
        var monitor = new DeviceMonitor(Microsoft.Extensions.Logging.Abstractions.NullLogger<DeviceMonitor>.Instance) { NvidiaSmi = null };
        var first = monitor.Sample([Environment.ProcessId]);
        Assert.Null(first.Processes[Environment.ProcessId].CpuPercent); // a CPU figure needs two looks
        var spin = DateTime.UtcNow;
        while (DateTime.UtcNow - spin < TimeSpan.FromMilliseconds(50)) { } // some CPU time for this process
        var second = monitor.Sample([Environment.ProcessId, int.MaxValue]); // the second pid does not exist
        var self = second.Processes[Environment.ProcessId];
        Assert.True(self.CpuPercent > 0, $"CPU {self.CpuPercent}");
        Assert.True(self.MemoryMiB > 10, $"RSS {self.MemoryMiB} MiB");
        Assert.Null(self.GpuMemoryMiB);
        Assert.False(second.Processes.ContainsKey(int.MaxValue));
        Assert.NotNull(second.CpuPercent);
        Assert.InRange(second.MemoryUsedMiB, 1, second.MemoryTotalMiB);
        Assert.Empty(second.Gpus);
        Assert.Equal("none: nvidia-smi is not installed on this server", second.GpuNote);
    }

    [Fact]
    public void Nvidia_smi_csv_is_read_per_gpu_and_per_process()
    {
        var gpus = DeviceMonitor.ParseGpus("0, NVIDIA H200, 87, 20480, 143771\n1, NVIDIA H200, [N/A], 0, 143771\n");
        Assert.Equal(2, gpus.Count);
        Assert.Equal(new GpuUse(0, "NVIDIA H200", 87, 20480, 143771), gpus[0]);
        Assert.Equal(0, gpus[1].UtilisationPercent);
        var byPid = DeviceMonitor.ParseProcesses("4242, 1200\n4242, 300\n77, 50\n");
        Assert.Equal(1500, byPid[4242]);
        Assert.Equal(50, byPid[77]);
    }

    /// <summary>
    /// A slot a job holds (a run's in-silico experiments, an ensemble's evaluation) is not free: the host's queue page
    /// counts it and lists the job, and each team's device panel shows it (its own by what it is, another team's as
    /// "another team"), with the jobs waiting.
    /// </summary>
    [Fact]
    public async Task A_slot_a_job_holds_shows_as_taken_on_the_queue_page_and_the_device_panel()
    {
        using var app = new WorkbenchApp(); // the default: one CPU slot
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (beta, b) = await app.CreateTeamAsync("beta");
        var store = app.Get<RunStore>();
        var trained = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "alpha-trained", WorkbenchApp.SpecJson(), null));
        await store.TransitionAsync(trained.Id, RunStatus.Running, "cpu");
        await store.TransitionAsync(trained.Id, RunStatus.Succeeded);
        var jobs = app.Get<Sensorium.Storage.InSilico.InSilicoJobStore>();
        var job = (await jobs.CreateAsync(new Sensorium.Storage.InSilico.NewInSilicoJob(trained.Id, alpha.Id, a.Id, 4, null)))!;
        Assert.NotNull(await jobs.StartAsync(job.Id, "cpu")); // as the dispatcher does when it plans the job
        var betaRuns = new List<Run>();
        for (int i = 0; i < 2; i++)
        {
            var r = await store.CreateAsync(new NewRun(beta.Id, b.Id, $"beta-{i}", WorkbenchApp.SpecJson(), null));
            await store.TransitionAsync(r.Id, RunStatus.Running, "cpu");
            betaRuns.Add(await store.TransitionAsync(r.Id, RunStatus.Succeeded));
        }
        var ensemble = await app.Get<Sensorium.Storage.Ensembles.EnsembleStore>().CreateAsync(new Sensorium.Storage.Ensembles.NewEnsemble(
            beta.Id, b.Id, "beta-ensemble", "test-data", ["26872-17-20"], [.. betaRuns.Select(r => r.Id)], Waiting: false));

        var queue = app.Get<RunQueue>();
        var forAlpha = await queue.GetOccupancyAsync(alpha.Id);
        var cpu = Assert.Single(forAlpha.Devices);
        Assert.Equal((0, 0, 0), (cpu.OwnRunIds.Count, cpu.OtherTeamsRunning, cpu.Free));
        Assert.Equal(Sensorium.Web.Features.Runs.Scheduling.SlotWork.InSilicoJob, Assert.Single(cpu.OwnJobs!).Kind);
        Assert.Equal((0, 1), (forAlpha.OwnQueuedJobs, forAlpha.TotalQueuedJobs));
        var forBeta = await queue.GetOccupancyAsync(beta.Id);
        Assert.Equal((0, 1, 0), (forBeta.Devices[0].OwnRunIds.Count, forBeta.Devices[0].OtherTeamsRunning, forBeta.Devices[0].Free));
        Assert.Empty(forBeta.Devices[0].OwnJobs!);
        Assert.Equal((1, 1), (forBeta.OwnQueuedJobs, forBeta.TotalQueuedJobs));

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(queue);
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.Services.AddSingleton(app.Get<SlotActivity>()); // the device panel follows slots taken and freed
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton(new DeviceMonitor(Microsoft.Extensions.Logging.Abstractions.NullLogger<DeviceMonitor>.Instance) { NvidiaSmi = null });
        context.AddAuthorization().SetAuthorized("admin").SetRoles(WorkbenchClaims.AdminRole)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, "1"));

        var page = context.Render<QueuePage>();
        Assert.Contains("1 of 1 slots in use (0 by runs, 1 by jobs)", page.Find("[data-device=cpu] .device-slots").TextContent);
        var rows = page.FindAll(".host-jobs tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("alpha", rows[0].TextContent);
        Assert.Contains("in-silico experiments", rows[0].TextContent);
        Assert.Equal("running", rows[0].QuerySelector(".job-status")!.TextContent.Trim());
        Assert.Contains("beta", rows[1].TextContent);
        Assert.Contains($"ensemble #{ensemble.Id} evaluation", rows[1].TextContent);
        Assert.StartsWith("waiting", rows[1].QuerySelector(".job-status")!.TextContent.Trim());

        var alphaPanel = context.Render<DeviceOccupancyPanel>(parameters => parameters.Add(c => c.Occupancy, forAlpha));
        Assert.Equal(["your in-silico experiments"], alphaPanel.FindAll(".mud-chip").Select(c => c.TextContent.Trim()).ToList());
        Assert.Contains("0 of your team's, 1 in all", alphaPanel.Find(".queued-jobs").TextContent);
        var betaPanel = context.Render<DeviceOccupancyPanel>(parameters => parameters.Add(c => c.Occupancy, forBeta));
        Assert.Equal(["another team"], betaPanel.FindAll(".mud-chip").Select(c => c.TextContent.Trim()).ToList()); // no "free"
    }

    /// <summary>
    /// The runs page's device panel and the host's queue page follow a job taking and freeing the slot as it happens,
    /// from the app's own events (SlotActivity): an in-silico job queued through the page's service, started by the
    /// dispatcher in the only slot, its worker (a script) ending when the test lets it. The queue page's 2 s refresh
    /// never ticks here (a clock whose timers do not fire), so what it shows came from the events.
    /// </summary>
    [Fact]
    public async Task The_runs_page_device_panel_and_the_queue_page_follow_a_job_starting_and_ending_without_a_reload()
    {
        var scripts = Directory.CreateTempSubdirectory("sensorium-slots-").FullName;
        try
        {
            string fifo = Path.Combine(scripts, "release");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
            string worker = Path.Combine(scripts, "insilico.sh");
            File.WriteAllText(worker, $$"""
                #!/usr/bin/env bash
                echo '{"event":"progress","experiment":"rf","stage":"gradient","done":1,"total":4}'
                read -r _ < '{{fifo}}'
                """);
            File.SetUnixFileMode(worker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var app = new WorkbenchApp(settings: new Dictionary<string, string>
            {
                ["Worker:Enabled"] = "true", ["Worker:Command"] = worker, ["Worker:ThreadsPerSlot"] = "1",
            });
            var (alpha, a) = await app.CreateTeamAsync("alpha");
            var store = app.Get<RunStore>();
            var run = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "trained", "{}", null));
            await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
            run = await store.TransitionAsync(run.Id, RunStatus.Succeeded);
            string runDir = Path.Combine(app.Get<Microsoft.Extensions.Options.IOptions<Sensorium.Web.Hosting.WorkbenchOptions>>().Value.ArtifactsDirectory, run.Id.ToString());
            Directory.CreateDirectory(runDir);
            File.WriteAllText(Path.Combine(runDir, "spec.json"), new Sensorium.Training.RunSpec().ToJson());

            await using var member = new BunitContext();
            member.JSInterop.Mode = JSRuntimeMode.Loose;
            member.Services.AddMudServices();
            member.Services.AddSingleton(app.Get<RunQueue>());
            member.Services.AddSingleton(app.Get<Sensorium.Web.Features.Ensembles.EnsembleJobs>());
            member.Services.AddSingleton(app.Get<TrainingNotifications>());
            member.Services.AddSingleton(app.Get<SlotActivity>());
            member.AddAuthorization().SetAuthorized(a.UserName)
                .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));
            var runsPage = member.Render<RunsPage>();

            await using var host = new BunitContext();
            host.JSInterop.Mode = JSRuntimeMode.Loose;
            host.Services.AddMudServices();
            host.Services.AddSingleton(app.Get<RunQueue>());
            host.Services.AddSingleton(app.Get<SlotActivity>());
            host.Services.AddSingleton<TimeProvider>(new TimersNeverFire());
            host.Services.AddSingleton(new DeviceMonitor(Microsoft.Extensions.Logging.Abstractions.NullLogger<DeviceMonitor>.Instance) { NvidiaSmi = null });
            host.AddAuthorization().SetAuthorized("admin").SetRoles(WorkbenchClaims.AdminRole).SetClaims(new Claim(ClaimTypes.NameIdentifier, "1"));
            var queuePage = host.Render<QueuePage>();

            List<string> Chips() => runsPage.FindAll(".device-row .mud-chip").Select(c => c.TextContent.Trim()).ToList();
            string Slots() => queuePage.Find("[data-device=cpu] .device-slots").TextContent;
            runsPage.WaitForAssertion(() => Assert.Equal(["free"], Chips()));
            Assert.Contains("0 of 1 slots in use", Slots());

            var wait = TimeSpan.FromMinutes(2); // the dispatcher and a process start on a busy machine
            Assert.True(await app.Get<Sensorium.Web.Features.Neurons.InSilicoJobs>().EnqueueAsync(run, 4, a.Id));
            runsPage.WaitForAssertion(() => Assert.Equal(["your in-silico experiments"], Chips()), wait); // started: the slot is taken
            queuePage.WaitForAssertion(() => Assert.Contains("1 of 1 slots in use (0 by runs, 1 by jobs)", Slots()), wait);

            await Task.Run(() => File.WriteAllText(fifo, "go\n")).WaitAsync(wait); // the worker ends (exit 0)
            runsPage.WaitForAssertion(() => Assert.Equal(["free"], Chips()), wait); // ended: the slot is free again
            queuePage.WaitForAssertion(() => Assert.Contains("0 of 1 slots in use", Slots()), wait);
            Assert.Equal(Sensorium.Storage.InSilico.InSilicoJobStatus.Done,
                (await app.Get<Sensorium.Storage.InSilico.InSilicoJobStore>().LatestForRunAsync(run.Id))!.Status);
        }
        finally
        {
            try { Directory.Delete(scripts, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The system clock whose timers never fire: a page's periodic refresh stays still.</summary>
    sealed class TimersNeverFire : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Still();

        sealed class Still : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
