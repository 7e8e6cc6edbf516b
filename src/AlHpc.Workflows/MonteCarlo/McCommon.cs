using System.Globalization;
using System.Runtime.CompilerServices;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.MonteCarlo;

/// <summary>How a Monte Carlo run ended.</summary>
public enum McStatus
{
    /// <summary>All cycles ran.</summary>
    Completed = 0,
    /// <summary>The start structure is not one connected cluster (or has overlapping beads): nothing ran.</summary>
    InvalidStart = 1,
    /// <summary>The backend gave a non-finite energy for the start structure: nothing ran.</summary>
    NonFiniteStartEnergy = 2,
    /// <summary>A periodic full recompute (resync) gave a non-finite energy: the run stopped there.</summary>
    NonFiniteEnergy = 3,
}

/// <summary>
/// Settings both samplers share (units: A). A trial move displaces one bead by a uniform vector of the cube
/// [-s, s]^3; the step s is tuned towards <see cref="TargetAcceptance"/> (see each sampler for when).
/// </summary>
public abstract record McSettings
{
    /// <summary>Initial maximum displacement s (A) per coordinate.</summary>
    public double MaxStep { get; init; } = 0.3;
    /// <summary>Acceptance ratio the step is tuned towards.</summary>
    public double TargetAcceptance { get; init; } = 0.5;
    /// <summary>Cycles between step updates.</summary>
    public int TuneInterval { get; init; } = 10;
    /// <summary>Lower bound of the tuned step (A).</summary>
    public double MinStep { get; init; } = 1e-3;
    /// <summary>Upper bound of the tuned step (A); null: the criterion distance.</summary>
    public double? MaxStepLimit { get; init; }
    /// <summary>A frame every this many cycles (0: none).</summary>
    public int TrajectoryEvery { get; init; } = 50;
    /// <summary>Seed of the random stream; the same seed, start and backend give a bit-identical run.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Stillinger bond distance (A).</summary>
    public double CriterionDistance { get; init; } = 4.0;
    /// <summary>Hard-core overlap distance (A): moves bringing two beads closer are rejected (0: off). A guard
    /// for poor networks whose energy may fall without bound as beads merge (and which a falling nested
    /// ceiling would otherwise chase).</summary>
    public double MinPairDistance { get; init; } = McDefaults.HardCoreDistance;
    /// <summary>Every this many cycles the backend is reset (full recompute) to stop round-off drift of the
    /// incremental energy (0: never).</summary>
    public int ResyncEvery { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    internal abstract void Validate();

    private protected void ValidateCommon(int cycles)
    {
        if (cycles < 0) throw new ArgumentOutOfRangeException(nameof(cycles), "cycles must be >= 0");
        if (!(MaxStep > 0) || !double.IsFinite(MaxStep)) throw new ArgumentOutOfRangeException(nameof(MaxStep), "the max step must be a positive finite number of Angstrom");
        if (TrajectoryEvery < 0) throw new ArgumentOutOfRangeException(nameof(TrajectoryEvery), "trajectory interval must be >= 0 (0: no frames)");
        if (!(CriterionDistance > 0) || !double.IsFinite(CriterionDistance)) throw new ArgumentOutOfRangeException(nameof(CriterionDistance), "the criterion distance must be positive");
        if (!(MinPairDistance >= 0) || MinPairDistance >= CriterionDistance) throw new ArgumentOutOfRangeException(nameof(MinPairDistance), "the overlap distance must be >= 0 and below the criterion distance");
        if (ResyncEvery < 0) throw new ArgumentOutOfRangeException(nameof(ResyncEvery));
        if (!(TargetAcceptance > 0 && TargetAcceptance < 1)) throw new ArgumentOutOfRangeException(nameof(TargetAcceptance), "target acceptance must be in (0, 1)");
        if (TuneInterval <= 0) throw new ArgumentOutOfRangeException(nameof(TuneInterval));
        if (!(MinStep > 0)) throw new ArgumentOutOfRangeException(nameof(MinStep));
        if (MaxStepLimit is { } m && !(m >= MinStep)) throw new ArgumentOutOfRangeException(nameof(MaxStepLimit));
    }
}

/// <summary>What every sampler reports (units eV, A).</summary>
public abstract record McResult
{
    /// <summary>How the run ended (check it: samplers report problems here instead of throwing).</summary>
    public McStatus Status { get; init; }
    /// <summary>A human-readable explanation when <see cref="Status"/> is not Completed, else null.</summary>
    public string? Message { get; init; }
    /// <summary>Cycles completed (a cycle is N trial moves for N beads).</summary>
    public long CyclesRun { get; init; }
    /// <summary>Trial moves attempted in the whole run.</summary>
    public long Attempts { get; init; }
    /// <summary>Trial moves accepted in the whole run.</summary>
    public long Accepted { get; init; }
    /// <summary>Moves rejected by the cluster criterion (would split the cluster), no energy evaluated.</summary>
    public long CriterionRejections { get; init; }
    /// <summary>Moves rejected because two beads would come closer than the overlap distance.</summary>
    public long OverlapRejections { get; init; }
    /// <summary>Moves rejected because the backend returned a non-finite energy change (NaN or infinity).</summary>
    public long NonFiniteRejections { get; init; }
    /// <summary>Largest |incremental - full recompute| total energy difference seen at the periodic resyncs (eV).</summary>
    public double MaxResyncDrift { get; init; }
    /// <summary>Frames handed to the frame callback.</summary>
    public long FramesWritten { get; init; }
    /// <summary>Step size (A) at the end of the run.</summary>
    public double FinalMaxStep { get; init; }
    /// <summary>Total energy (eV) of the final configuration.</summary>
    public double FinalEnergy { get; init; }
    /// <summary>Final positions (A), flat.</summary>
    public double[] FinalPositions { get; init; } = [];
    /// <summary>Lowest total energy (eV) of any configuration the walker occupied.</summary>
    public double LowestEnergy { get; init; }
    /// <summary>Positions (A) of the lowest-energy configuration visited.</summary>
    public double[] LowestEnergyPositions { get; init; } = [];

    /// <summary>Accepted / attempted over the whole run (0 when nothing was attempted).</summary>
    public double AcceptanceRatio => Attempts > 0 ? (double)Accepted / Attempts : 0;
}

/// <summary>
/// A sampler of one cluster on the shared cycle loop (<see cref="MetropolisSampler"/>, <see cref="NestedSampler"/>).
/// It holds only its validated settings: it can be reused and shared between threads; every <see cref="Run"/>
/// creates its own criterion, chain and random stream, and needs its own backend (backends are not thread safe).
/// </summary>
public abstract class McSampler<TSettings, TResult> where TSettings : McSettings where TResult : McResult
{
    private protected McSampler(TSettings settings)
    {
        settings.Validate();
        Settings = settings;
    }

    public TSettings Settings { get; }

    /// <summary>
    /// Runs the walker from <paramref name="start"/> (flat positions, A; at least one bead) on <paramref name="backend"/>
    /// (which is reset to the start). Frames (positions, energy, the sampler's Info keys) go to
    /// <paramref name="onFrame"/> every TrajectoryEvery cycles; <paramref name="progress"/> gets (cycles done, cycles
    /// total) after every cycle. Problems with the start or with energies are reported in
    /// <see cref="McResult.Status"/>, never thrown; invalid settings throw at construction.
    /// </summary>
    public TResult Run(IMcEnergyBackend backend, ReadOnlySpan<double> start, Action<Cluster>? onFrame = null,
        Action<long, long>? progress = null, CancellationToken cancellation = default)
    {
        if (start.Length % 3 != 0 || start.Length == 0) throw new ArgumentException("start must hold at least one bead (flat x,y,z)", nameof(start));
        var chain = new McChain(backend, Settings.CriterionDistance, Settings.MinPairDistance, Settings.MaxStep, trackLowest: true);
        if (chain.Start(start, out double energy) is { } bad)
            return McChain.NotStarted(Unstarted(), bad, start, energy, Settings.MaxStep);
        var rng = new McRandom(Settings.Seed);
        return Walk(chain, ref rng, onFrame, progress, cancellation);
    }

    /// <summary>The sampler's own fields of a result for a run that could not start.</summary>
    private protected abstract TResult Unstarted();

    /// <summary>The run itself, from the loaded start (<paramref name="chain"/>).</summary>
    private protected abstract TResult Walk(McChain chain, ref McRandom rng, Action<Cluster>? onFrame, Action<long, long>? progress, CancellationToken cancellation);
}

internal static class McShared
{
    internal static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    internal static Cluster Frame(ReadOnlySpan<double> positions, double energy, string sampler, long cycle)
    {
        var c = new Cluster(positions.ToArray()) { Energy = energy };
        c.SetInfo("sampler", sampler);
        c.SetInfo("cycle", cycle.ToString(CultureInfo.InvariantCulture));
        return c;
    }

    /// <summary>
    /// A trial single-bead move: picks bead k uniformly among <paramref name="n"/> and displaces it by a uniform
    /// vector of the cube [-step, step]^3 (A). Returns k; the new position is (x, y, z).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Displace(ref McRandom rng, ReadOnlySpan<double> positions, int n, double step, out double x, out double y, out double z)
    {
        int k = rng.NextInt(n);
        x = positions[3 * k] + step * (2 * rng.NextDouble() - 1);
        y = positions[3 * k + 1] + step * (2 * rng.NextDouble() - 1);
        z = positions[3 * k + 2] + step * (2 * rng.NextDouble() - 1);
        return k;
    }

    /// <summary>Step-size update towards a target acceptance: step *= exp(ratio - target), clamped.</summary>
    internal static double Tune(double step, long accepted, long attempted, double target, double min, double max)
    {
        if (attempted <= 0) return step;
        double ratio = (double)accepted / attempted;
        return Math.Clamp(step * Math.Exp(ratio - target), min, max);
    }
}
