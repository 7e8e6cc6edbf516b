using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// ML-BOP Tersoff energy and forces of one cluster, single thread (neighbour list included).
/// Per-bead time = Mean / N. Compare: LAMMPS force kernel 1.45 us per bead per step (notes/peers.md).
/// </summary>
[MemoryDiagnoser]
public class TersoffBenchmarks
{
    [Params(25, 200, 5000)]
    public int N;

    private double[] _x = [];
    private double[] _f = [];
    private TersoffEvaluator _ev = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = ClusterBuilder.RandomConnected(N, 42, bond: 2.7, minDistance: 2.5);
        _f = new double[_x.Length];
        _ev = TersoffPotential.MlBop.CreateEvaluator();
        _ev.Compute(_x, _f, default);
        Console.WriteLine($"// N={N}: {(double)_ev.Neighbours.PairCount / N:F2} neighbours per bead within {TersoffPotential.MlBop.Cutoff} A");
    }

    [Benchmark(Baseline = true)]
    public double EnergyAndForces() => _ev.Compute(_x, _f, default);

    [Benchmark]
    public double EnergyOnly() => _ev.Compute(_x, default, default);
}
