using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// Cost of one Monte Carlo trial move through the Tersoff backend (local updates): should not depend on the
/// cluster size. Each reported operation is one proposal (a random bead displaced by up to 0.3 A).
/// Layout "seed": the minimized 25-bead seed cluster, and for 2000 beads 80 copies of it far apart, so every
/// bead has the same local environment at both sizes and only the size differs. Layout "random": random
/// connected clusters (ClusterBuilder), which get denser with size (3.4 neighbours per bead at 25, ~5.3 at
/// 2000); the cost of a move grows with the local density (roughly neighbours^3), not with N.
/// </summary>
[MemoryDiagnoser]
public class McMoveBenchmarks
{
    private const int Ops = 1000;

    [Params(25, 2000)]
    public int N;

    [Params("seed", "random")]
    public string Layout = "seed";

    private IMcEnergyBackend _mc = null!;
    private int[] _idx = [];
    private double[] _d = [];

    [GlobalSetup]
    public void Setup()
    {
        var x = Layout == "seed" ? TiledSeed(N / 25) : ClusterBuilder.RandomConnected(N, 7, bond: 2.7, minDistance: 2.5);
        _mc = TersoffPotential.MlBop.CreateMcBackend();
        _mc.Reset(x);
        var rng = new Random(1);
        _idx = new int[Ops];
        _d = new double[3 * Ops];
        for (int i = 0; i < Ops; i++) _idx[i] = rng.Next(N);
        for (int i = 0; i < _d.Length; i++) _d[i] = 0.6 * (rng.NextDouble() - 0.5);
    }

    /// <summary>Copies of the 25-bead seed cluster on a cubic grid, 20 A apart (far beyond the cutoff).</summary>
    internal static double[] TiledSeed(int copies)
    {
        var seed = AlHpc.IO.Xsf.Read(new StringReader(AlHpc.EmbeddedData.ReadText(AlHpc.EmbeddedData.SeedCluster25)), "seed").Positions;
        int side = (int)Math.Ceiling(Math.Cbrt(copies));
        var x = new double[copies * seed.Length];
        for (int c = 0; c < copies; c++)
        {
            double ox = 20.0 * (c % side), oy = 20.0 * (c / side % side), oz = 20.0 * (c / (side * side));
            for (int a = 0; a < seed.Length; a += 3)
            {
                x[c * seed.Length + a] = seed[a] + ox; x[c * seed.Length + a + 1] = seed[a + 1] + oy; x[c * seed.Length + a + 2] = seed[a + 2] + oz;
            }
        }
        return x;
    }

    /// <summary>Propose and reject (the common case at ~50 % acceptance costs between this and the next).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    public double ProposeReject()
    {
        double s = 0;
        var p = _mc.Positions;
        for (int o = 0; o < Ops; o++)
        {
            int i = _idx[o];
            s += _mc.ProposeMove(i, p[3 * i] + _d[3 * o], p[3 * i + 1] + _d[3 * o + 1], p[3 * i + 2] + _d[3 * o + 2]);
            _mc.Reject();
        }
        return s;
    }

    /// <summary>Propose and accept (the bead is moved and, in the next operation, moved back).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public double ProposeAccept()
    {
        double s = 0;
        for (int o = 0; o < Ops; o += 2)
        {
            int i = _idx[o];
            var p = _mc.Positions;
            double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
            s += _mc.ProposeMove(i, x + _d[3 * o], y + _d[3 * o + 1], z + _d[3 * o + 2]);
            _mc.Accept();
            s += _mc.ProposeMove(i, x, y, z);
            _mc.Accept();
        }
        return s;
    }
}
