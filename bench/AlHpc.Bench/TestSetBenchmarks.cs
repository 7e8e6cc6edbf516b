using AlHpc.Descriptors;
using AlHpc.Evaluation;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.TestSets;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// Test-set storage and evaluation throughput on a synthetic set of 5,000 clusters of 1-200 molecules
/// (uniform sizes, ~500k beads, positions + forces = 24 MB of float64), i.e. 1/20 of the paper's 100k set.
/// <list type="bullet">
/// <item>Storage: HDF5 write and read (contiguous, PureHDF) against the extxyz text format (baseline).</item>
/// <item>Evaluation: energies + forces of every cluster with the default network (26-10-10-1 twist, random
/// weights) and with ML-BOP, all cores vs one thread; and the metrics reduction.</item>
/// </list>
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*TestSet*' --job short
/// </summary>
[MemoryDiagnoser]
public class TestSetBenchmarks
{
    private ClusterBatch _set = null!;
    private string _dir = "";
    private string _h5 = "", _xyz = "";
    private NnPotential _nn = null!;
    private double[] _e = [], _f = [];

    [GlobalSetup]
    public void Setup()
    {
        _set = Synthetic(5000, 1, 200, 42);
        _dir = Path.Combine(Path.GetTempPath(), $"alhpc-bench-testset-{Environment.ProcessId}");
        Directory.CreateDirectory(_dir);
        _h5 = Path.Combine(_dir, "set.h5");
        _xyz = Path.Combine(_dir, "set.xyz");
        TestSetFile.Write(_h5, _set);
        TestSetIO.Save(_xyz, _set);
        _nn = new NnPotential(RandomModel(7));
        _e = new double[_set.ClusterCount];
        _f = new double[_set.Positions.Length];
    }

    [GlobalCleanup]
    public void Cleanup() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Benchmark(Baseline = true), BenchmarkCategory("io")]
    public void WriteExtXyz() => TestSetIO.Save(Path.Combine(_dir, "w.xyz"), _set);

    [Benchmark, BenchmarkCategory("io")]
    public ClusterBatch ReadExtXyz() => TestSetIO.Load(_xyz);

    [Benchmark, BenchmarkCategory("io")]
    public void WriteHdf5() => TestSetFile.Write(Path.Combine(_dir, "w.h5"), _set);

    [Benchmark, BenchmarkCategory("io")]
    public ClusterBatch ReadHdf5() => TestSetFile.Read(_h5);

    [Benchmark, BenchmarkCategory("eval")]
    public void EvaluateNetworkAllCores() => new BatchEvaluator(_nn).Evaluate(_set, _e, _f);

    [Benchmark, BenchmarkCategory("eval")]
    public void EvaluateNetworkOneThread() => new BatchEvaluator(_nn, 1).Evaluate(_set, _e, _f);

    [Benchmark, BenchmarkCategory("eval")]
    public void EvaluateMlBopAllCores() => new BatchEvaluator(TersoffPotential.MlBop).Evaluate(_set, _e, _f);

    [Benchmark, BenchmarkCategory("eval")]
    public EvaluationMetrics Metrics() => EvaluationMetrics.Compute(_set, _set.Energies, _set.Forces);

    /// <summary>Compact jittered-lattice clusters of uniform random sizes with random labels.</summary>
    internal static ClusterBatch Synthetic(int count, int minSize, int maxSize, int seed)
    {
        var rng = new Random(seed);
        var sizes = Enumerable.Range(0, count).Select(_ => rng.Next(minSize, maxSize + 1)).ToArray();
        var offsets = new int[count + 1];
        for (int c = 0; c < count; c++) offsets[c + 1] = offsets[c] + sizes[c];
        var pos = new double[3 * offsets[^1]];
        for (int c = 0; c < count; c++)
        {
            int side = (int)Math.Ceiling(Math.Cbrt(sizes[c]));
            for (int i = 0; i < sizes[c]; i++)
            {
                int k = 3 * (offsets[c] + i);
                pos[k] = 2.8 * (i % side) + 0.3 * rng.NextDouble();
                pos[k + 1] = 2.8 * (i / side % side) + 0.3 * rng.NextDouble();
                pos[k + 2] = 2.8 * (i / (side * side)) + 0.3 * rng.NextDouble();
            }
        }
        var e = sizes.Select(s => -0.3 * s + 0.01 * rng.NextDouble()).ToArray();
        var f = pos.Select(_ => rng.NextDouble() - 0.5).ToArray();
        return new ClusterBatch(pos, offsets, e, f);
    }

    /// <summary>The default architecture (26-10-10-1 twist, Water26 descriptors) with random weights.</summary>
    internal static NnModel RandomModel(int seed)
    {
        var setup = DefaultSetups.Water26;
        var net = new NeuralNetwork([setup.Count, 10, 10, 1], [Activation.Twist, Activation.Twist, Activation.Linear]);
        var rng = new Random(seed);
        for (int k = 0; k < net.WeightCount; k++) net.Weights[k] = (2 * rng.NextDouble() - 1) * 0.6;
        return new NnModel(setup, net) { EnergyScale = 8.5, EnergyShift = -0.31 };
    }
}
