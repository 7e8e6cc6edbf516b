using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// Cost of one Monte Carlo trial move with ML-BOP (Tersoff), per move (OperationsPerInvoke), at 300 K on a
/// random connected cluster. Baseline: a naive trial move that recomputes the whole cluster energy with the
/// Tersoff evaluator (what MC without local updates would do). The others: the full Metropolis and nested
/// samplers (cluster criterion + local-update backend + bookkeeping; each invocation is one Run of 8000 moves,
/// so it includes one backend and criterion reset, amortised) and the criterion check alone.
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*McSampler*' --job short
/// </summary>
[MemoryDiagnoser]
public class McSamplerBenchmarks
{
    private const int Moves = 8000; // trial moves per invocation: 8000 / Beads cycles
    private double[] _start = [];
    private IMcEnergyBackend _backend = null!, _probe = null!;
    private TersoffEvaluator _eval = null!;
    private ClusterCriterion _criterion = null!;
    private MetropolisSampler _metropolis = null!;
    private NestedSampler _nested = null!;
    private double[] _scratch = [];

    [Params(25, 200, 2000)]
    public int Beads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _start = ClusterBuilder.RandomConnected(Beads, 1);
        // Pre-equilibrate so the benchmark sees a thermal cluster with a tuned step.
        var pre = new MetropolisSampler(new MetropolisSettings { Cycles = 200, TrajectoryEvery = 0, Seed = 2 })
            .Run(TersoffPotential.MlBop.CreateMcBackend(), _start);
        _start = pre.FinalPositions;
        _backend = TersoffPotential.MlBop.CreateMcBackend();
        _probe = TersoffPotential.MlBop.CreateMcBackend();
        _probe.Reset(_start);
        _eval = TersoffPotential.MlBop.CreateEvaluator();
        _criterion = new ClusterCriterion(4.0, 1.0);
        _criterion.Reset(_start);
        _metropolis = new MetropolisSampler(new MetropolisSettings { Cycles = Moves / Beads, EquilibrationCycles = 0, MaxStep = pre.FinalMaxStep, TrajectoryEvery = 0, ResyncEvery = 0 });
        _nested = new NestedSampler(new NestedSettings { Cycles = Moves / Beads, AdjustFrequency = 1, TrajectoryEvery = 0, ResyncEvery = 0, InitialCeilingPerBead = pre.FinalEnergy / Beads + 0.02 });
        _scratch = (double[])_start.Clone();
    }

    /// <summary>Naive trial move: displace one bead, recompute the total energy, restore.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 200)]
    public double NaiveFullRecomputeMove()
    {
        var rng = new McRandom(3);
        double e = 0;
        for (int m = 0; m < 200; m++)
        {
            int k = rng.NextInt(Beads);
            double old = _scratch[3 * k];
            _scratch[3 * k] = old + 0.2 * (2 * rng.NextDouble() - 1);
            e += _eval.Compute(_scratch, default, default);
            _scratch[3 * k] = old;
        }
        return e;
    }

    /// <summary>The backend alone: ProposeMove then Reject (the energy part of a trial move).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public double BackendProposeOnly()
    {
        var rng = new McRandom(5);
        double sum = 0;
        for (int m = 0; m < 1000; m++)
        {
            int k = rng.NextInt(Beads);
            sum += _probe.ProposeMove(k, _start[3 * k] + 0.2 * (2 * rng.NextDouble() - 1), _start[3 * k + 1] + 0.2 * (2 * rng.NextDouble() - 1), _start[3 * k + 2]);
            _probe.Reject();
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public int CriterionCheckOnly()
    {
        var rng = new McRandom(4);
        int ok = 0;
        for (int m = 0; m < 1000; m++)
        {
            int k = rng.NextInt(Beads);
            if (_criterion.CheckMove(k, _start[3 * k] + 0.3 * (2 * rng.NextDouble() - 1), _start[3 * k + 1], _start[3 * k + 2]) == CriterionResult.Ok) ok++;
        }
        return ok;
    }

    [Benchmark(OperationsPerInvoke = Moves)]
    public double MetropolisMove() => _metropolis.Run(_backend, _start).FinalEnergy;

    [Benchmark(OperationsPerInvoke = Moves)]
    public double NestedMove() => _nested.Run(_backend, _start).FinalEnergy;
}
