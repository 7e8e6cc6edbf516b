using System.Diagnostics;
using System.Runtime.InteropServices;
using AlHpc.Network;
using AlHpc.Potentials;

namespace AlHpc.Bench;

/// <summary>
/// CPU time (process CPU seconds, one thread, best of 5 rounds) of the same work in-process and through the
/// C ABI of libalhpc.so (function pointers, as C calls it), for a machine shared with other jobs: energy +
/// forces per bead (ML-BOP and the network model of <see cref="BenchClusters.DefaultModel"/>), and an MC
/// trial move (propose + reject). Writes the network model to bench-model.json and the clusters to bench-thermal-N.extxyz (for the Python/LAMMPS probes).
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- native-cputime
/// </summary>
public static unsafe class NativeCpuTime
{
    public static void Run(bool movesOnly = false)
    {
        var lib = NativeLibrary.Load(NativeBoundaryBenchmarks.LibraryPath());
        nint F(string n) => NativeLibrary.GetExport(lib, n);
        var loadMlBop = (delegate* unmanaged<nint*, int>)F("alhpc_potential_load_mlbop");
        var loadModel = (delegate* unmanaged<byte*, nint*, int>)F("alhpc_potential_load_model");
        var evCreate = (delegate* unmanaged<nint, nint*, int>)F("alhpc_evaluator_create");
        var compute = (delegate* unmanaged<nint, int, int*, double*, double*, double*, double*, int>)F("alhpc_compute");
        var mcCreate = (delegate* unmanaged<nint, nint*, int>)F("alhpc_mc_create");
        var mcReset = (delegate* unmanaged<nint, int, int*, double*, double*, int>)F("alhpc_mc_reset");
        var propose = (delegate* unmanaged<nint, int, double, double, double, double*, int>)F("alhpc_mc_propose_move");
        var reject = (delegate* unmanaged<nint, int>)F("alhpc_mc_reject");

        var model = BenchClusters.DefaultModel();
        var modelPath = Path.GetFullPath("bench-model.json");
        ModelFile.Save(modelPath, model);
        nint pm, pn;
        if (loadMlBop(&pm) != 0) throw new InvalidOperationException("load ML-BOP");
        var pathBytes = System.Text.Encoding.UTF8.GetBytes(modelPath + "\0");
        fixed (byte* pp = pathBytes) if (loadModel(pp, &pn) != 0) throw new InvalidOperationException("load model");
        Console.WriteLine($"library {NativeBoundaryBenchmarks.LibraryPath()}; network model written to {modelPath}");
        var count = (delegate* unmanaged<nint, int*, int>)F("alhpc_mc_count");
        foreach (var (name, pot, handle) in movesOnly ? [] : new (string, IPotential, nint)[] { ("ML-BOP", TersoffPotential.MlBop, pm), ("network", new NnPotential(model), pn) })
        {
            foreach (int size in new[] { 25, 200 })
            {
                var cluster = BenchClusters.Thermal(size);
                var pos = cluster.Positions;
                AlHpc.IO.ExtXyz.Write(Path.GetFullPath($"bench-thermal-{size}.extxyz"), [cluster]);
                var f = new double[3 * size];
                var types = new int[size];
                var ev = pot.CreateEvaluator();
                nint nevOut;
                if (evCreate(handle, &nevOut) != 0) throw new InvalidOperationException("evaluator");
                nint nev = nevOut;
                int reps = Math.Max(200, 200_000 / size);
                double a = Measure(size, reps, () => ev.Compute(pos, f, default));
                double b = Measure(size, reps, () =>
                {
                    double e;
                    fixed (int* pt = types) fixed (double* px = pos, pf = f) compute(nev, size, pt, px, &e, pf, null);
                });
                Console.WriteLine($"{name,-8} E+F {size,4} beads: in-process {a:F3} us/bead, C ABI {b:F3} us/bead, ratio {b / a:F3}");
            }
        }
        foreach (int n in new[] { 25, 2000 })
        {
            var x = McMoveBenchmarks.TiledSeed(n / 25);
            var mc = TersoffPotential.MlBop.CreateMcBackend();
            mc.Reset(x);
            nint mOut;
            mcCreate(pm, &mOut);
            nint m = mOut;
            var types = new int[n];
            double e0;
            fixed (int* pt = types) fixed (double* px = x) mcReset(m, n, pt, px, &e0);
            var rng = new Random(1);
            const int ops = 1000;
            var idx = Enumerable.Range(0, ops).Select(_ => rng.Next(n)).ToArray();
            var d = Enumerable.Range(0, 3 * ops).Select(_ => 0.6 * (rng.NextDouble() - 0.5)).ToArray();
            double a = Measure(ops, 200, () =>
            {
                for (int o = 0; o < ops; o++)
                {
                    int i = idx[o];
                    mc.ProposeMove(i, x[3 * i] + d[3 * o], x[3 * i + 1] + d[3 * o + 1], x[3 * i + 2] + d[3 * o + 2]);
                    mc.Reject();
                }
            });
            double b = Measure(ops, 200, () =>
            {
                double dE;
                for (int o = 0; o < ops; o++)
                {
                    int i = idx[o];
                    propose(m, i, x[3 * i] + d[3 * o], x[3 * i + 1] + d[3 * o + 1], x[3 * i + 2] + d[3 * o + 2], &dE);
                    reject(m);
                }
            });
            Console.WriteLine($"ML-BOP MC trial move (propose + reject), {n,4} beads: in-process {a:F3} us, C ABI {b:F3} us, ratio {b / a:F3}");
            double c = Measure(ops, 200, () =>
            {
                int k;
                for (int o = 0; o < ops; o++) count(m, &k);
            });
            Console.WriteLine($"  boundary alone (alhpc_mc_count through the C ABI): {1000 * c:F1} ns per call");
        }
    }

    /// <summary>Best-of-5 CPU microseconds per unit (bead or move).</summary>
    private static double Measure(int units, int reps, Action a)
    {
        for (int i = 0; i < Math.Min(reps, 100); i++) a();
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var pr = Process.GetCurrentProcess();
            var c0 = pr.TotalProcessorTime;
            for (int i = 0; i < reps; i++) a();
            pr.Refresh();
            best = Math.Min(best, (pr.TotalProcessorTime - c0).TotalMicroseconds / reps / units);
        }
        return best;
    }
}
