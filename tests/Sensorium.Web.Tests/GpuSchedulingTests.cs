using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using Sensorium.Training.Gpus;
using Sensorium.Web.Features.Queue;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests;

/// <summary>Issue 16 without a GPU: memory-aware admission, GPU devices from discovery, the run page's device panel.</summary>
public sealed class GpuSchedulingTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    static QueuedRun Queued(long id, long team, int minute, long mib, string? device = null) =>
        new(id, team, T0.AddMinutes(minute), device, MemoryMiB: mib);

    [Fact]
    public void A_run_starts_on_a_GPU_only_where_its_memory_estimate_fits()
    {
        // cuda:0 has 10 GiB for runs, one 6 GiB run there already: a 5 GiB run waits, a 3 GiB one (queued later) passes it.
        DeviceSlots[] gpus = [new("cuda:0", 4, 10_240)];
        var plan = FairScheduler.Plan(gpus, [Queued(2, team: 1, 0, 5_000), Queued(3, team: 2, 1, 3_000)],
            [new RunningRun(1, 3, "cuda:0", 6_000)]);
        Assert.Equal([new RunStart(3, "cuda:0")], plan);
    }

    [Fact]
    public void Slots_fill_until_the_memory_is_used_up_and_runs_spread_over_GPUs()
    {
        // Two GPUs of 8 GiB, four slots each, runs of 3 GiB: two fit per GPU, so four of six start, two per GPU.
        DeviceSlots[] gpus = [new("cuda:0", 4, 8_192), new("cuda:1", 4, 8_192)];
        var queued = Enumerable.Range(1, 6).Select(i => Queued(i, team: i, i, 3_000)).ToList();
        var plan = FairScheduler.Plan(gpus, queued, []);
        Assert.Equal(4, plan.Count);
        Assert.Equal(2, plan.Count(s => s.Device == "cuda:0"));
        Assert.Equal(2, plan.Count(s => s.Device == "cuda:1"));
    }

    [Fact]
    public void Without_a_memory_limit_the_estimate_does_not_matter()
    {
        var plan = FairScheduler.Plan([new("cpu", 2)], [Queued(1, 1, 0, 999_999), Queued(2, 2, 1, 999_999)], []);
        Assert.Equal(2, plan.Count);
    }

    [Fact]
    public void A_run_larger_than_every_GPU_is_named_but_one_that_may_go_to_the_CPU_is_not()
    {
        DeviceSlots[] gpuOnly = [new("cuda:0", 4, 8_192)];
        var tooLarge = FairScheduler.TooLarge(gpuOnly, [Queued(1, 1, 0, 9_000), Queued(2, 1, 1, 8_000)]);
        var (id, reason) = Assert.Single(tooLarge);
        Assert.Equal(1, id);
        Assert.Contains("9,000 MiB", reason);
        Assert.Contains("cuda:0's 8,192 MiB", reason);

        DeviceSlots[] withCpu = [new("cuda:0", 4, 8_192), new("cpu", 1)];
        Assert.Empty(FairScheduler.TooLarge(withCpu, [Queued(1, 1, 0, 9_000)]));
        Assert.Single(FairScheduler.TooLarge(withCpu, [Queued(1, 1, 0, 9_000, device: "cuda:0")]));
    }

    [Fact]
    public void Discovered_GPUs_become_devices_before_the_configured_ones_unless_configured_themselves()
    {
        var options = new WorkbenchOptions
        {
            SlotsPerGpu = 3, GpuMemoryReserveMiB = 1_000,
            Devices = [new DeviceOptions { Name = "cpu", Slots = 1 }, new DeviceOptions { Name = "cuda:1", Slots = 1 }],
        };
        var found = new GpuDiscoveryResult(GpuDiscovery.Parse(
            "0, NVIDIA H200, 143771, 143000, 0, GPU-aaaa\n1, NVIDIA H200, 143771, 100000, 35, GPU-bbbb\n"), "nvidia-smi", null);
        Assert.Equal(1, GpuDevices.Add(options, found));
        Assert.Equal(["cuda:0", "cpu", "cuda:1"], options.Devices.Select(d => d.Name));
        var gpu0 = options.Devices[0];
        Assert.Equal(3, gpu0.Slots);
        Assert.Equal(142_000, gpu0.MemoryMiB);
        Assert.Equal("NVIDIA H200, 143,771 MiB", gpu0.Description);
        Assert.Null(options.Devices[2].MemoryMiB); // configured by hand: kept as it is
    }

    [Fact]
    public void A_server_without_nvidia_smi_schedules_on_the_configured_CPU_only()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Workbench:NvidiaSmi"] = "/nonexistent/nvidia-smi" });
        var options = app.Get<IOptions<WorkbenchOptions>>().Value;
        Assert.Equal(["cpu"], options.Devices.Select(d => d.Name));
        var found = app.Get<GpuDevices>().Found;
        Assert.NotNull(found);
        Assert.True(found.CpuOnly);
        Assert.Contains("/nonexistent/nvidia-smi not found", found.Problem);
    }

    [Fact]
    public async Task The_run_page_panel_names_the_device_and_says_why_there_are_no_GPU_figures()
    {
        using var app = new WorkbenchApp(settings: new Dictionary<string, string> { ["Workbench:NvidiaSmi"] = "/nonexistent/nvidia-smi" });
        var (team, member) = await app.CreateTeamAsync("gpu");
        var store = app.Get<RunStore>();
        var cpuRun = await store.TransitionAsync((await store.CreateAsync(new NewRun(team.Id, member.Id, "on cpu", "{}", null))).Id, RunStatus.Running, "cpu");
        var gpuRun = await store.TransitionAsync((await store.CreateAsync(new NewRun(team.Id, member.Id, "on gpu", "{}", null))).Id, RunStatus.Running, "cuda:1");
        var queued = await store.CreateAsync(new NewRun(team.Id, member.Id, "waiting", "{}", "cuda:0"));

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton(new DeviceMonitor(Microsoft.Extensions.Logging.Abstractions.NullLogger<DeviceMonitor>.Instance) { NvidiaSmi = null });
        context.Services.AddSingleton(app.Get<IOptions<WorkbenchOptions>>());

        var cpu = context.Render<RunDevicePanel>(p => p.Add(c => c.Run, cpuRun));
        Assert.Equal("cpu", cpu.Find(".run-device-name").TextContent.Trim());
        Assert.Empty(cpu.FindAll(".run-gpu-utilisation"));
        Assert.Empty(cpu.FindAll(".run-gpu-note"));

        var gpu = context.Render<RunDevicePanel>(p => p.Add(c => c.Run, gpuRun));
        Assert.Equal("cuda:1", gpu.Find(".run-device").GetAttribute("data-device"));
        Assert.Contains("nvidia-smi is not installed", gpu.Find(".run-gpu-note").TextContent);

        var waiting = context.Render<RunDevicePanel>(p => p.Add(c => c.Run, queued));
        Assert.Equal("waiting for cuda:0", waiting.Find(".run-device-name").TextContent.Trim());
        Assert.Equal(1, RunDevicePanel.GpuIndex("cuda:1"));
        Assert.Equal(0, RunDevicePanel.GpuIndex("cuda"));
        Assert.Null(RunDevicePanel.GpuIndex("cpu"));
    }
}
