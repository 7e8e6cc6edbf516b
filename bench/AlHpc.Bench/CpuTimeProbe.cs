using System.Diagnostics;
using AlHpc.MonteCarlo;
using AlHpc.Potentials;

namespace AlHpc.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/AlHpc.Bench -- cputime`: per-bead Tersoff cost and MC move cost
/// measured as process CPU time (not wall time), single thread. On a machine shared with other jobs, wall-clock
/// benchmarks include time spent waiting for a core; CPU time does not (cache sharing still counts).
/// </summary>
public static class CpuTimeProbe
{
    public static void Run()
    {
        var pot = TersoffPotential.MlBop;
        foreach (int n in new[] { 25, 200, 5000 })
        {
            var x = ClusterBuilder.RandomConnected(n, 42, bond: 2.7, minDistance: 2.5);
            var f = new double[x.Length];
            var ev = pot.CreateEvaluator();
            int reps = Math.Max(20, 2_000_000 / n);
            for (int r = 0; r < reps / 10; r++) ev.Compute(x, f, default);
            double best = double.MaxValue;
            for (int trial = 0; trial < 5; trial++)
            {
                var t0 = Process.GetCurrentProcess().TotalProcessorTime;
                for (int r = 0; r < reps; r++) ev.Compute(x, f, default);
                var t1 = Process.GetCurrentProcess().TotalProcessorTime;
                best = Math.Min(best, (t1 - t0).TotalSeconds / reps / n * 1e6);
            }
            Console.WriteLine($"tersoff E+F N={n}: {best:F3} us CPU per bead ({(double)ev.Neighbours.PairCount / n:F2} neighbours per bead)");
        }
        foreach (var (n, layout) in new[] { (25, "seed"), (2000, "seed"), (25, "random"), (2000, "random") })
        {
            var x = layout == "seed" ? McMoveBenchmarks.TiledSeed(n / 25) : ClusterBuilder.RandomConnected(n, 7, bond: 2.7, minDistance: 2.5);
            var mc = pot.CreateMcBackend();
            mc.Reset(x);
            var rng = new Random(1);
            const int ops = 400_000;
            double best = double.MaxValue;
            for (int trial = 0; trial < 5; trial++)
            {
                var t0 = Process.GetCurrentProcess().TotalProcessorTime;
                for (int o = 0; o < ops; o++)
                {
                    int i = rng.Next(n);
                    var p = mc.Positions;
                    mc.ProposeMove(i, p[3 * i] + 0.6 * (rng.NextDouble() - 0.5), p[3 * i + 1] + 0.6 * (rng.NextDouble() - 0.5), p[3 * i + 2]);
                    mc.Reject();
                }
                var t1 = Process.GetCurrentProcess().TotalProcessorTime;
                best = Math.Min(best, (t1 - t0).TotalSeconds / ops * 1e6);
            }
            Console.WriteLine($"mc propose+reject N={n} ({layout}): {best:F3} us CPU per trial move");
        }
        {
            var rng = new Random(3);
            var clusters = new List<AlHpc.Structures.Cluster>(10_000);
            for (int c = 0; c < 10_000; c++)
                clusters.Add(new AlHpc.Structures.Cluster(ClusterBuilder.RandomConnected(1 + rng.Next(200), (ulong)c, bond: 2.7, minDistance: 2.5)));
            var batch = AlHpc.Structures.ClusterBatch.FromClusters(clusters);
            var e = new double[batch.ClusterCount];
            var f = new double[batch.Positions.Length];
            var serial = new BatchEvaluator(pot, 1);
            serial.Evaluate(batch, e, f);
            var t0 = Process.GetCurrentProcess().TotalProcessorTime;
            serial.Evaluate(batch, e, f);
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - t0).TotalSeconds;
            Console.WriteLine($"labelling 10,000 clusters ({batch.AtomCount} beads) E+F serial: {cpu:F2} s CPU = {batch.ClusterCount / cpu:F0} clusters/s per core, {cpu / batch.AtomCount * 1e6:F3} us per bead");
        }
    }
}
