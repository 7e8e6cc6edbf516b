using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// The default 26-10-10-1 twist network potential on one thermal ML-BOP cluster: ML-BOP (Tersoff) energy +
/// forces (baseline, the reference model's cost), NN energy, NN energy + forces; the plain reference
/// (reference descriptors + simple network) only for 25 beads (it is O(n^3)). Divide by Size for per-atom figures.
/// </summary>
[MemoryDiagnoser]
public class NnPotentialBenchmarks
{
    [Params(25, 200)] public int Size;
    private double[] _pos = [], _f = [], _g = [], _o = [];
    private NnModel _model = null!;
    private IPotentialEvaluator _ev = null!, _tersoff = null!;
    private NetworkWorkspace _ws = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pos = BenchClusters.Thermal(Size).Positions;
        _f = new double[3 * Size];
        _g = new double[26 * Size];
        _o = new double[Size];
        _model = BenchClusters.DefaultModel();
        _ev = new NnPotential(_model).CreateEvaluator();
        _tersoff = TersoffPotential.MlBop.CreateEvaluator();
        _ws = _model.Network.CreateWorkspace(Size);
    }

    [Benchmark]
    public double ReferenceEnergy()
    {
        if (Size > 25) return 0; // O(n^3): measured for 25 beads only
        var g = ReferenceDescriptors.Compute(_model.Setup, _pos);
        _model.ScaleDescriptors(g);
        _model.Network.Forward(g, Size, _o, _ws);
        double e = 0;
        foreach (var v in _o) e += _model.AtomEnergy(v);
        return e;
    }

    [Benchmark]
    public double Energy() => _ev.Compute(_pos, default, default);

    [Benchmark]
    public double EnergyAndForces() => _ev.Compute(_pos, _f, default);

    [Benchmark(Baseline = true)]
    public double TersoffEnergyAndForces() => _tersoff.Compute(_pos, _f, default);
}

/// <summary>The network alone on 200 atoms' inputs: simple row-by-row (baseline) vs feature-major SIMD.</summary>
[MemoryDiagnoser]
public class NetworkBenchmarks
{
    private const int Atoms = 200;
    private NeuralNetwork _net = null!;
    private NetworkWorkspace _ws = null!;
    private NetworkEvaluator _fast = null!;
    private double[] _x = [], _o = [], _gin = [];

    [GlobalSetup]
    public void Setup()
    {
        _net = BenchClusters.DefaultModel().Network;
        _ws = _net.CreateWorkspace(Atoms);
        _fast = new NetworkEvaluator(_net);
        var rng = new Random(1);
        _x = Enumerable.Range(0, Atoms * 26).Select(_ => rng.NextDouble() - 0.5).ToArray();
        _o = new double[Atoms];
        _gin = new double[Atoms * 26];
    }

    [Benchmark(Baseline = true)]
    public void SimpleForwardBackward() { _net.Forward(_x, Atoms, _o, _ws); _net.Backward(_ws, _gin); }

    [Benchmark]
    public void FastForwardBackward() => _fast.Evaluate(_x, Atoms, _o, _gin);

    [Benchmark]
    public void SimpleForward() => _net.Forward(_x, Atoms, _o, _ws);

    [Benchmark]
    public void FastForward() => _fast.Evaluate(_x, Atoms, _o);
}

/// <summary>Energy + forces of a 10,000-cluster batch (25 beads each), one core vs all.</summary>
[MemoryDiagnoser]
public class NnBatchBenchmarks
{
    private ClusterBatch _batch = null!;
    private NnPotential _pot = null!;
    private double[] _e = [], _f = [];

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchClusters.Batch();
        _pot = new NnPotential(BenchClusters.DefaultModel());
        _e = new double[_batch.ClusterCount];
        _f = new double[3 * _batch.AtomCount];
    }

    [Benchmark(Baseline = true)]
    public void Serial() => _pot.EvaluateBatch(_batch, _e, _f, maxDegreeOfParallelism: 1);

    [Benchmark]
    public void AllCores() => _pot.EvaluateBatch(_batch, _e, _f);
}

/// <summary>One MC trial move (propose + reject) with the network: 25 vs 2000 beads (flat cost = local updates).</summary>
[MemoryDiagnoser]
public class NnMcMoveBenchmarks
{
    [Params(25, 2000)] public int Size;
    private IMcEnergyBackend _mc = null!;
    private Random _rng = null!;

    [GlobalSetup]
    public void Setup()
    {
        _mc = new NnPotential(BenchClusters.DefaultModel()).CreateMcBackend();
        _mc.Reset(BenchClusters.Random(Size, 99));
        _rng = new Random(3);
    }

    [Benchmark]
    public double TrialMove()
    {
        int k = _rng.Next(_mc.Count);
        var p = _mc.Positions;
        double d = _mc.ProposeMove(k, p[3 * k] + 0.4 * (_rng.NextDouble() - 0.5), p[3 * k + 1] + 0.4 * (_rng.NextDouble() - 0.5), p[3 * k + 2] + 0.4 * (_rng.NextDouble() - 0.5));
        _mc.Reject();
        return d;
    }
}
