using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using AlHpc.Thermodynamics;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// Cost of one free-energy Monte Carlo step (alhpc freeenergy) on ML-BOP around the relaxed 25-molecule seed
/// cluster (window 24-26, flat bias, 300 K, ln rho = ln 1e-8): a translation against an insertion/removal
/// attempt with the energy-biased removal choice (one extra backend proposal per candidate in the target's
/// sphere) and with the uniform choice (classic AVBMC). One operation = one step.
/// </summary>
[MemoryDiagnoser]
public class AvbmcBenchmarks
{
    private const int Steps = 2000;

    [Params("translation", "swap-biased", "swap-uniform")]
    public string Move = "translation";

    private AvbmcWalker _walker = null!;
    private double[] _start = [];
    private McRandom _rng;

    [GlobalSetup]
    public void Setup()
    {
        _start = McMoveBenchmarks.TiledSeed(1);
        var s = new AvbmcSettings
        {
            SwapFraction = Move == "translation" ? 1e-12 : 1.0,
            BiasStrength = Move == "swap-uniform" ? 0 : 1,
            StepsPerPeriod = Steps, ResyncEvery = 0,
        };
        _walker = new AvbmcWalker(s, TersoffPotential.MlBop.CreateMcBackend(), 24, 26);
        if (!_walker.Load(_start)) throw new InvalidOperationException("seed cluster rejected");
        _rng = new McRandom(5);
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public long Step()
    {
        var (_, stats) = _walker.Run(ref _rng, 0, 1);
        return stats.Steps;
    }
}
