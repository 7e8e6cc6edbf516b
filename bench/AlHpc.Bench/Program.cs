using BenchmarkDotNet.Running;

// Run all benchmarks: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*'
// One class: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*Tersoff*' --job short
// Per-atom CPU time of the network potential (shared machines): dotnet run -c Release --project bench/AlHpc.Bench -- nn-cputime
if (args.Length > 0 && args[0] == "nn-cputime") { AlHpc.Bench.NnCpuTime.Run(); return; }
if (args is ["native-cputime", ..]) { AlHpc.Bench.NativeCpuTime.Run(movesOnly: args is [_, "moves"]); return; }
if (args is ["trainer-cputime"]) { AlHpc.Bench.TrainerCpuTime.Run(); return; }
// CPU-time probe (for a machine shared with other jobs): dotnet run -c Release --project bench/AlHpc.Bench -- cputime
if (args.Length > 0 && args[0] == "cputime") { AlHpc.Bench.CpuTimeProbe.Run(); return; }
// Free-energy checks too long for the suite (docs/freeenergy.md): ClassyMC's LJ example n = 1..10; CPU time per AVBMC step
if (args.Length > 0 && args[0] == "lj-classymc") { AlHpc.Bench.FreeEnergyChecks.LennardJones(args.Length > 1 ? int.Parse(args[1]) : 10); return; }
if (args.Length > 0 && args[0] == "avbmc-cputime") { AlHpc.Bench.FreeEnergyChecks.CpuTime(args.Length > 1 ? args[1] : null); return; }
if (args.Length > 0 && args[0] == "avbmc-efficiency") { AlHpc.Bench.FreeEnergyChecks.Efficiency(args[1..]); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
