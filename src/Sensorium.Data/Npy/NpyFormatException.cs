namespace Sensorium.Data.Npy;

/// <summary>An .npy file that cannot be read: the message names the file and what was expected.</summary>
public sealed class NpyFormatException(string fileName, string problem) : DataFormatException(fileName, problem);
