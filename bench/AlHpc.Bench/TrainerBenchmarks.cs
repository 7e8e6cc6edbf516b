using AlHpc;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// One Levenberg-Marquardt epoch (all steps, trials and the end-of-epoch train/held-out evaluation) for
/// 180 and 426 ML-BOP-labelled 25-bead clusters (the minimized cluster with Gaussian displacements of
/// 0.15 A), 26 Water26 descriptors, 26-10-10-1 twist, batch 32 or full batch, 1 thread or all cores.
/// Baseline: the same epoch with the plain per-atom network passes (NeuralNetwork.Forward/Backward).
/// aenet 2.0.4 train.x on this machine class: 0.10-0.12 s per epoch for 180 structures, 0.235 s for 384
/// (batch 32), 0.255 s full batch (notes/peers.md).
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*TrainerBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class TrainerBenchmarks
{
    [Params(180, 426)] public int Structures;
    [Params(32, 0)] public int Batch;
    [Params(1, 0)] public int Threads;

    private LmSession _fast = null!;
    private LmSession _plain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var start = Xsf.Read(new StringReader(EmbeddedData.ReadText(EmbeddedData.SeedCluster25)), "struct_min_25.xsf").Positions;
        var rng = new Random(42);
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        var clusters = new List<Cluster>();
        for (int c = 0; c < Structures; c++)
        {
            var x = (double[])start.Clone();
            for (int k = 0; k < x.Length; k++)
                x[k] += 0.15 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            clusters.Add(new Cluster(x) { Energy = ev.Compute(x, Span<double>.Empty, Span<double>.Empty) });
        }
        var set = TrainingSet.FromClusters(ClusterBatch.FromClusters(clusters), DefaultSetups.Water26);
        var opt = new TrainerOptions { BatchSize = Batch, Threads = Threads, Seed = 3 };
        _fast = LmTrainer.CreateSession(set, opt);
        _plain = LmTrainer.CreateSession(set, opt);
        _plain.UseReferencePath = true;
        // a few epochs so that the timing is of a network in training, not of the random start
        for (int i = 0; i < 3; i++) { _fast.BenchmarkEpoch(); _plain.BenchmarkEpoch(); }
    }

    [Benchmark(Baseline = true)]
    public EpochRecord EpochPlainNetworkPasses() => _plain.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord Epoch() => _fast.BenchmarkEpoch();
}
