namespace Sensorium.Storage.Datasets;

public enum DatasetStatus { Registered, Ready, Missing, Invalid }

/// <summary>A registered dataset root: a folder holding mice in the official Sensorium layout.</summary>
public sealed record Dataset
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string Path { get; init; }
    public DatasetStatus Status { get; init; }
    public string? Detail { get; init; }
    public long? RegisteredBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CheckedAt { get; init; }
}
