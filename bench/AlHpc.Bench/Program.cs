using BenchmarkDotNet.Running;

// Run all benchmarks: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*'
// One class: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*Tersoff*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
