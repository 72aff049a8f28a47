using MudBlazor.Services;
using Sensorium.Web.Components;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Features.Datasets.FirstDataset;
using Sensorium.Web.Features.ApiTokens;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Worker;
using Sensorium.Web.Features.Neurons;
using Sensorium.Web.Features.Nodes;
using Sensorium.Web.Features.Ensembles;
using Sensorium.Web.Features.Security;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Features.Sweeps;
using Sensorium.Web.Features.Training;
using Sensorium.Web.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = WorkbenchPaths.ContentRoot, // the repository root (or the publish folder)
    WebRootPath = WorkbenchPaths.WebRoot,
});
builder.WebHost.UseStaticWebAssets(); // MudBlazor's _content/ files in every environment, not only Development

builder.Services.AddWorkbenchOptions();
builder.Services.AddWorkbenchStorage();
builder.Services.AddWorkbenchSecurity(); // forwarded headers, Secure cookies, HSTS, body limits, sign-in throttle
builder.Services.AddWorkbenchAuthentication();
builder.Services.AddApiTokens();
builder.Services.AddWebNodes(builder.Configuration); // dispatcher lease, Redis backplane and events across nodes; before AddRunLauncher
builder.Services.AddRunLauncher(builder.Configuration); // Worker:Launcher: a local process or a Slurm job per run; before AddRunQueue
builder.Services.AddRunQueue();
builder.Services.AddDatasets();
builder.Services.AddFirstDataset(); // a synthetic dataset on a workbench that has none
builder.Services.AddTrainingNotifications();
builder.Services.AddSubmissions();
builder.Services.AddNeurons(); // in-silico experiments of finished runs (worker processes)
builder.Services.AddEnsembles(); // ensembles of finished runs, evaluated by worker processes
builder.Services.AddSweeps(); // a base spec over a grid or random draws of some fields, queued as a group
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();

var app = builder.Build();
await app.InitializeWorkbenchAsync();

app.UseWorkbenchTransportSecurity(); // first: the proxy's scheme and host, HSTS, security headers
if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseNotFoundPage();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseWorkbenchRequestGuards(); // cross-origin refusal and per-endpoint body limits, before anti-forgery reads forms
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapAccountEndpoints();
app.MapRunsApi();
app.MapEnsemblesApi();
app.MapSweepsApi();
app.MapTrainingHub();
app.MapSubmissions();

app.Run();

public partial class Program;
