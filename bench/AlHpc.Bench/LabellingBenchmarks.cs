using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using AlHpc.Structures;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// Batch labelling with ML-BOP: 10,000 clusters of 1-200 beads (uniform sizes), energies and forces,
/// serial vs all cores. Clusters per second = 10,000 / Mean.
/// </summary>
[MemoryDiagnoser]
public class LabellingBenchmarks
{
    private ClusterBatch _batch = null!;
    private double[] _e = [];
    private double[] _f = [];
    private BatchEvaluator _serial = null!, _parallel = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        var clusters = new List<Cluster>(10_000);
        for (int c = 0; c < 10_000; c++)
            clusters.Add(new Cluster(ClusterBuilder.RandomConnected(1 + rng.Next(200), (ulong)c, bond: 2.7, minDistance: 2.5)));
        _batch = ClusterBatch.FromClusters(clusters);
        _e = new double[_batch.ClusterCount];
        _f = new double[_batch.Positions.Length];
        _serial = new BatchEvaluator(TersoffPotential.MlBop, 1);
        _parallel = new BatchEvaluator(TersoffPotential.MlBop);
        Console.WriteLine($"// {_batch.ClusterCount} clusters, {_batch.AtomCount} beads, {Environment.ProcessorCount} cores");
    }

    [Benchmark(Baseline = true)]
    public void Serial() => _serial.Evaluate(_batch, _e, _f);

    [Benchmark]
    public void AllCores() => _parallel.Evaluate(_batch, _e, _f);

    [Benchmark]
    public void AllCoresEnergyOnly() => _parallel.Evaluate(_batch, _e);
}
