namespace Sensorium.Models;

/// <summary>
/// What a model needs to know of one mouse: its data key, its neuron count and, to place the readout's grid, the
/// cortical (x,y) position of every neuron (cell_motor_coordinates[:, :2]). Positions may be null when a checkpoint
/// will provide the normalised <c>source_grid</c>.
/// </summary>
public sealed record MouseNeurons(string DataKey, int NeuronCount, IReadOnlyList<double>? CorticalX = null,
    IReadOnlyList<double>? CorticalY = null)
{
    /// <summary>A mouse from its neurons' cortical positions.</summary>
    public static MouseNeurons FromCortex(string dataKey, IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        new(dataKey, x.Count, x, y);
}
