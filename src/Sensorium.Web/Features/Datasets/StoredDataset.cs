using Sensorium.Storage.Datasets;

namespace Sensorium.Web.Features.Datasets;

/// <summary>
/// How a spec the workbench receives or stores names its dataset, in one place. A spec sent to the web API or stored
/// with a run names a registered dataset by <see cref="DatasetSpec.Name"/>; specs stored before that field existed,
/// and API clients written for them, put the name in <c>path</c>, which is read as the name here (nowhere else). The
/// folder is the workbench's to give: a worker's copy gets it in <see cref="DatasetSpec.Path"/>.
/// </summary>
public static class StoredDataset
{
    /// <summary>The registered dataset's name a stored or API spec gives.</summary>
    public static string NameOf(DatasetSpec spec) => spec.Name ?? spec.Path;

    /// <summary>The registered dataset the spec names (names compare case-insensitively), or null.</summary>
    public static Dataset? Find(IEnumerable<Dataset> registered, DatasetSpec spec) =>
        registered.FirstOrDefault(d => string.Equals(d.Name, NameOf(spec), StringComparison.OrdinalIgnoreCase));

    /// <summary>The spec as a worker reads it: the dataset's name in <see cref="DatasetSpec.Name"/>, its folder in
    /// <see cref="DatasetSpec.Path"/>.</summary>
    public static DatasetSpec Resolved(DatasetSpec spec, Dataset dataset) => spec with { Name = dataset.Name, Path = dataset.Path };

    /// <summary>Why a spec from a client cannot name its dataset so, or null: a spec that gives a name must leave the
    /// folder to the workbench (a client never chooses a server path).</summary>
    public static string? Problem(DatasetSpec spec) =>
        spec.Name is not null && spec.Path.Length > 0
            ? "give the registered dataset by 'name' only: 'path' is the server's folder, which the workbench sets"
            : null;
}
