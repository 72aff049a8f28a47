using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Features.Datasets.FirstDataset;

namespace Sensorium.Web.Tests;

/// <summary>A run's spec is checked by the trainer's own parser and rules before it is queued.</summary>
public sealed class RunSpecValidationTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    [Theory]
    [InlineData("""{"dataset":{"path":"test-data"},"trainer":{"lrInit":-1}}""", "trainer: lrInit must be in (0, 10) (got -1)")]
    [InlineData("""{"dataset":{"path":"test-data"},"trainer":{"batchSize":0,"patience":0}}""", "trainer: batchSize must be in [1, 4096] (got 0)")]
    [InlineData("""{"dataset":{"path":"test-data"},"model":{"hiddenKernel":4}}""", "model: ")]
    [InlineData("""{"dataset":{"path":"test-data","track":"sensorium+"}}""", "model: inputChannels is 1 but the dataset feeds 4")]
    [InlineData("""{"dataset":{"path":"test-data"},"trainer":{"learningRate":0.1}}""", "invalid run spec at $.trainer")]
    [InlineData("""{"dataset":{"path":"test-data"},"trainer":{"maxMinutes":"ten"}}""", "invalid run spec at $.trainer.maxMinutes: the value must be a number")]
    [InlineData("""{"dataset":{"path":"test-data"},"trainer":{"batchSize":1.5}}""", "invalid run spec at $.trainer.batchSize: the value must be a whole number")]
    [InlineData("""{"dataset":{"path":"/etc"}}""", "dataset: '/etc' is not a registered dataset (registered: test-data)")]
    [InlineData("""{"dataset":{"path":"test-data","mice":["21067-10-18"]}}""", "dataset: dataset 'test-data': no mouse 21067-10-18")]
    [InlineData("""{"seed":1}""", "dataset: dataset path is required")]
    [InlineData("""{"dataset":{"name":"/etc"}}""", "dataset: '/etc' is not a registered dataset (registered: test-data)")]
    [InlineData("""{"dataset":{"name":"test-data","path":"/etc"}}""", "dataset: give the registered dataset by 'name' only")]
    public async Task A_bad_spec_is_refused_with_a_message_naming_the_field(string spec, string message)
    {
        var (_, member) = await app.CreateTeamAsync("alpha");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var response = await client.PostAsync("/api/runs",
            new StringContent($$"""{"spec":{{spec}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("spec");
        Assert.Contains(errors.EnumerateArray(), e => e.GetString()!.Contains(message));
    }

    [Fact]
    public async Task A_fresh_workbench_generates_and_registers_the_configured_synthetic_dataset()
    {
        using var fresh = new WorkbenchApp(settings: new Dictionary<string, string>
        {
            ["FirstDataset:Enabled"] = "true", ["FirstDataset:Preset"] = "Tiny", ["FirstDataset:Name"] = "first",
        });
        var status = fresh.Get<FirstDatasetStatus>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (status.State is FirstDatasetState.Idle or FirstDatasetState.Generating && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.True(status.State == FirstDatasetState.Ready, status.Message);
        var dataset = Assert.Single(await fresh.Get<DatasetStore>().ListAsync(), d => d.Name == "first");
        Assert.Equal(Path.Combine(fresh.DataDirectory, "datasets", "first"), dataset.Path);
        Assert.Equal(7, Sensorium.Data.Format.SensoriumDataset.Discover(dataset.Path).Count);
    }
}
