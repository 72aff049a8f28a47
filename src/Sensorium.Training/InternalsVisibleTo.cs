using System.Runtime.CompilerServices;

// Inference (the trainer's validation) is pinned to the evaluator's correlation by a test.
[assembly: InternalsVisibleTo("Sensorium.Training.Tests")]
