using System.Diagnostics;
using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;

namespace AlHpc.Bench;

/// <summary>
/// Per-atom CPU time (process CPU seconds, single thread) of the descriptor and network paths, for a
/// machine shared with other jobs where BenchmarkDotNet's wall-clock figures are inflated by waiting.
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- nn-cputime
/// </summary>
public static class NnCpuTime
{
    public static void Run()
    {
        var model = BenchClusters.DefaultModel();
        var tersoff = TersoffPotential.MlBop.CreateEvaluator();
        foreach (int size in new[] { 25, 200 })
        {
            var pos = BenchClusters.Thermal(size).Positions;
            var eng = new DescriptorEngine(model.Setup);
            var g = new double[size * 26];
            var f = new double[3 * size];
            var ev = new NnPotential(model).CreateEvaluator();
            var nl = new AlHpc.Geometry.NeighbourList();
            nl.Build(pos, 3.5);
            Console.WriteLine($"thermal ML-BOP cluster, {size} beads, {nl.PairCount / (double)size:F2} neighbours per bead within 3.5 A");
            int reps = Math.Max(200, 400_000 / size);
            Measure("neighbour list only", size, reps, () => nl.Build(pos, 3.5));
            Measure("descriptors, values", size, reps, () => eng.ComputeValues(pos, g));
            Measure("descriptors, values + derivatives", size, reps, () => eng.ComputeWithDerivatives(pos, g));
            Measure("NN energy", size, reps, () => ev.Compute(pos, default, default));
            Measure("NN energy + forces", size, reps, () => ev.Compute(pos, f, default));
            Measure("ML-BOP (Tersoff) energy + forces", size, reps, () => tersoff.Compute(pos, f, default));
        }
    }

    private static void Measure(string name, int atoms, int reps, Action a)
    {
        for (int i = 0; i < Math.Min(reps, 200); i++) a();
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var pr = Process.GetCurrentProcess();
            var c0 = pr.TotalProcessorTime;
            for (int i = 0; i < reps; i++) a();
            pr.Refresh();
            double us = (pr.TotalProcessorTime - c0).TotalMicroseconds / reps / atoms;
            best = Math.Min(best, us);
        }
        Console.WriteLine($"  {name,-36} {best,8:F3} us CPU per bead (best of 5 rounds)");
    }
}
