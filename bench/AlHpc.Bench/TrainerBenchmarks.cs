using AlHpc;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Network;
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
        var set = Data(Structures);
        var opt = TrainingSettings.Aenet with { BatchSize = Batch, Threads = Threads, Seed = 3 };
        _fast = LmTrainer.CreateSession(set, opt);
        // the plain path: the reference Jacobian builder (per-structure NeuralNetwork passes, one thread)
        _plain = LmTrainer.CreateSession(set, opt with { JacobianBuilder = (_, _) => new ReferenceJacobianBuilder() });
        // a few epochs so that the timing is of a network in training, not of the random start
        for (int i = 0; i < 3; i++) { _fast.BenchmarkEpoch(); _plain.BenchmarkEpoch(); }
    }

    internal static TrainingSet Data(int structures) => Data(structures, withForces: false);

    /// <summary>The benchmark clusters; with <paramref name="withForces"/> also ML-BOP forces and the descriptor derivatives (force training).</summary>
    internal static TrainingSet Data(int structures, bool withForces)
    {
        var start = Xsf.Read(new StringReader(EmbeddedData.ReadText(EmbeddedData.SeedCluster25)), "struct_min_25.xsf").Positions;
        var rng = new Random(42);
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        var clusters = new List<Cluster>();
        for (int c = 0; c < structures; c++)
        {
            var x = (double[])start.Clone();
            for (int k = 0; k < x.Length; k++)
                x[k] += 0.15 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            var forces = withForces ? new double[x.Length] : null;
            clusters.Add(new Cluster(x) { Energy = ev.Compute(x, forces, Span<double>.Empty), Forces = forces });
        }
        return TrainingSet.FromClusters(ClusterBatch.FromClusters(clusters), DefaultSetups.Water26, withForces: withForces);
    }

    [Benchmark(Baseline = true)]
    public EpochRecord EpochPlainNetworkPasses() => _plain.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord Epoch() => _fast.BenchmarkEpoch();
}

/// <summary>
/// One LM epoch with force residuals (ForcesWeight 0.1: 1 + 75 rows per 25-bead structure, so 2432 rows per
/// batch of 32 and the weight-space 391 x 391 normal matrix) against the energy-only epoch on the same
/// 426 structures (batch 32, 26-10-10-1 twist; the set carries forces, which wF = 0 ignores).
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*ForceTrainerBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ForceTrainerBenchmarks
{
    [Params(426)] public int Structures;
    [Params(1, 0)] public int Threads;

    private LmSession _energy = null!;
    private LmSession _forces = null!;

    [GlobalSetup]
    public void Setup()
    {
        var set = TrainerBenchmarks.Data(Structures, withForces: true);
        var opt = TrainingSettings.Aenet with { BatchSize = 32, Threads = Threads, Seed = 3 };
        _energy = LmTrainer.CreateSession(set, opt);
        _forces = LmTrainer.CreateSession(set, opt with { ForcesWeight = 0.1 });
        for (int i = 0; i < 3; i++) { _energy.BenchmarkEpoch(); _forces.BenchmarkEpoch(); }
    }

    [Benchmark(Baseline = true)]
    public EpochRecord EnergyOnlyEpoch() => _energy.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord EpochWithForces() => _forces.BenchmarkEpoch();
}

/// <summary>
/// One full-batch LM epoch (the step, its trials and the end-of-epoch evaluation, which computes the exact force MAEs)
/// on 300 ML-BOP-labelled 25-bead clusters (270 trained, 30 held out), 26-10-10-1 twist, one thread: energies only
/// (baseline), exact force rows (wF 0.1: 270 + 270 x 75 = 20520 rows) and random force projections R = 1, 2, 4
/// (270 x (1 + R) rows).
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*ForceProjectionBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class ForceProjectionBenchmarks
{
    [Params(300)] public int Structures;

    private LmSession _energy = null!, _exact = null!, _r1 = null!, _r2 = null!, _r4 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var set = TrainerBenchmarks.Data(Structures, withForces: true);
        var opt = TrainingSettings.Aenet with { BatchSize = 0, Threads = 1, Seed = 3 };
        _energy = LmTrainer.CreateSession(set, opt);
        _exact = LmTrainer.CreateSession(set, opt with { ForcesWeight = 0.1 });
        _r1 = LmTrainer.CreateSession(set, opt with { ForcesWeight = 0.1, ForceProjections = 1 });
        _r2 = LmTrainer.CreateSession(set, opt with { ForcesWeight = 0.1, ForceProjections = 2 });
        _r4 = LmTrainer.CreateSession(set, opt with { ForcesWeight = 0.1, ForceProjections = 4 });
        foreach (var s in new[] { _energy, _exact, _r1, _r2, _r4 })
            for (int i = 0; i < 3; i++) s.BenchmarkEpoch();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var s in new[] { _energy, _exact, _r1, _r2, _r4 }) s.Dispose();
    }

    [Benchmark(Baseline = true)]
    public EpochRecord EnergyOnly() => _energy.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord ExactForces() => _exact.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord Projections1() => _r1.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord Projections2() => _r2.BenchmarkEpoch();

    [Benchmark]
    public EpochRecord Projections4() => _r4.BenchmarkEpoch();
}

/// <summary>
/// CPU time of the calling thread per epoch (Linux /proc/thread-self/schedstat), single thread (and, last, 426 structures batch 32 with and without force residuals): a figure
/// that other jobs on a shared machine inflate far less than wall time. 40 warm-up epochs, then 30 timed.
/// Run: DOTNET_TieredCompilation=0 dotnet run -c Release --project bench/AlHpc.Bench -- trainer-cputime
/// </summary>
public static class TrainerCpuTime
{
    private static double ThreadCpuMs() => long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0]) / 1e6;

    public static void Run()
    {
        Console.WriteLine("structures,batch,path,thread_cpu_ms_per_epoch");
        foreach (int n in new[] { 180, 426 })
        {
            var set = TrainerBenchmarks.Data(n);
            foreach (int batch in new[] { 32, 0 })
                foreach (bool plain in new[] { false, true })
                {
                    var o = TrainingSettings.Aenet with { BatchSize = batch, Threads = 1, Seed = 3 };
                    using var s = LmTrainer.CreateSession(set, plain ? o with { JacobianBuilder = (_, _) => new ReferenceJacobianBuilder() } : o);
                    for (int i = 0; i < 40; i++) s.BenchmarkEpoch();
                    int epochs = plain ? 10 : 30;
                    double c0 = ThreadCpuMs();
                    for (int i = 0; i < epochs; i++) s.BenchmarkEpoch();
                    Console.WriteLine($"{n},{batch},{(plain ? "plain" : "fast")},{(ThreadCpuMs() - c0) / epochs:F2}");
                }
        }
        // force residuals (ForcesWeight 0.1) next to energies only on the same set (with forces)
        var withForces = TrainerBenchmarks.Data(426, withForces: true);
        foreach (double wF in new[] { 0.0, 0.1 })
        {
            using var s = LmTrainer.CreateSession(withForces, TrainingSettings.Aenet with { BatchSize = 32, Threads = 1, Seed = 3, ForcesWeight = wF });
            for (int i = 0; i < (wF > 0 ? 5 : 40); i++) s.BenchmarkEpoch();
            int epochs = wF > 0 ? 10 : 30;
            double c0 = ThreadCpuMs();
            for (int i = 0; i < epochs; i++) s.BenchmarkEpoch();
            Console.WriteLine($"426,32,{(wF > 0 ? "fast+forces0.1" : "fast(set with forces)")},{(ThreadCpuMs() - c0) / epochs:F2}");
        }
    }
}
