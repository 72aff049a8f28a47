using System.Runtime.CompilerServices;

// The parser internals (fast number path) are tested directly.
[assembly: InternalsVisibleTo("Sensorium.Data.Tests")]
// scripts/bench-csv times our line reader and field splitter alone against Sep and CsvHelper.
[assembly: InternalsVisibleTo("BenchCsv")]
