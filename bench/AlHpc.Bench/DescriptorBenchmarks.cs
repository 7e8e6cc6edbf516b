using AlHpc.Descriptors;
using AlHpc.Structures;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// Descriptors (8 G2 + 18 G5, Rc = 3.5 A) of one thermal ML-BOP cluster: values only (baseline), values +
/// derivatives, and the neighbour list alone. Divide by Size for per-atom figures (bench/README.md).
/// </summary>
[MemoryDiagnoser]
public class DescriptorBenchmarks
{
    [Params(25, 200)] public int Size;
    private readonly AlHpc.Geometry.NeighbourList _nl = new();
    private double[] _pos = [];
    private readonly DescriptorEngine _engine = new(DefaultSetups.Water26);
    private double[] _g = [];

    [GlobalSetup]
    public void Setup()
    {
        _pos = BenchClusters.Thermal(Size).Positions;
        _g = new double[Size * 26];
    }

    [Benchmark(Baseline = true)]
    public void Values() => _engine.ComputeValues(_pos, _g);

    [Benchmark]
    public DescriptorDerivatives ValuesAndDerivatives() => _engine.ComputeWithDerivatives(_pos, _g);

    [Benchmark]
    public void NeighbourListOnly() => _nl.Build(_pos, 3.5);
}

/// <summary>The plain O(n^3) reference (baseline) against the engine on the 25-bead thermal cluster.</summary>
[MemoryDiagnoser]
public class DescriptorReferenceBenchmarks
{
    private double[] _pos = [];
    private readonly DescriptorEngine _engine = new(DefaultSetups.Water26);
    private readonly double[] _g = new double[25 * 26];

    [GlobalSetup]
    public void Setup() => _pos = BenchClusters.Thermal(25).Positions;

    [Benchmark(Baseline = true)]
    public double[] Reference() => ReferenceDescriptors.Compute(DefaultSetups.Water26, _pos);

    [Benchmark]
    public void Engine() => _engine.ComputeValues(_pos, _g);
}

/// <summary>Values only for a 10,000-cluster batch of 25-bead clusters (250,000 beads), one core vs all.</summary>
[MemoryDiagnoser]
public class DescriptorBatchBenchmarks
{
    private ClusterBatch _batch = null!;
    private BatchDescriptors _bd = null!;
    private double[] _values = [];

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchClusters.Batch();
        _bd = new BatchDescriptors(DefaultSetups.Water26);
        _values = new double[_batch.AtomCount * 26];
    }

    [Benchmark(Baseline = true)]
    public void Serial() => _bd.ComputeValues(_batch, _values, maxDegreeOfParallelism: 1);

    [Benchmark]
    public void AllCores() => _bd.ComputeValues(_batch, _values);
}
