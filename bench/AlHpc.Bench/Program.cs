using BenchmarkDotNet.Running;

// Run all benchmarks: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*'
// One class: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*Tersoff*' --job short
// Per-atom CPU time of the network potential (shared machines): dotnet run -c Release --project bench/AlHpc.Bench -- nn-cputime
if (args.Length > 0 && args[0] == "nn-cputime") { AlHpc.Bench.NnCpuTime.Run(); return; }
if (args is ["native-cputime", ..]) { AlHpc.Bench.NativeCpuTime.Run(movesOnly: args is [_, "moves"]); return; }
if (args is ["trainer-cputime"]) { AlHpc.Bench.TrainerCpuTime.Run(); return; }
// CPU-time probe (for a machine shared with other jobs): dotnet run -c Release --project bench/AlHpc.Bench -- cputime
if (args.Length > 0 && args[0] == "cputime") { AlHpc.Bench.CpuTimeProbe.Run(); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
