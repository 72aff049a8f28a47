using System.Runtime.CompilerServices;

// The parser internals (fast number path) are tested directly.
[assembly: InternalsVisibleTo("Sensorium.Data.Tests")]
