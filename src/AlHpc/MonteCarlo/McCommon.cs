using System.Globalization;
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

    internal static void ValidateCommon(int cycles, double maxStep, int every, double criterion, double minPair, int resync, double target, int tuneInterval)
    {
        if (cycles < 0) throw new ArgumentOutOfRangeException(nameof(cycles), "cycles must be >= 0");
        if (!(maxStep > 0) || !double.IsFinite(maxStep)) throw new ArgumentOutOfRangeException(nameof(maxStep), "the max step must be a positive finite number of Angstrom");
        if (every < 0) throw new ArgumentOutOfRangeException(nameof(every), "trajectory interval must be >= 0 (0: no frames)");
        if (!(criterion > 0) || !double.IsFinite(criterion)) throw new ArgumentOutOfRangeException(nameof(criterion), "the criterion distance must be positive");
        if (!(minPair >= 0) || minPair >= criterion) throw new ArgumentOutOfRangeException(nameof(minPair), "the overlap distance must be >= 0 and below the criterion distance");
        if (resync < 0) throw new ArgumentOutOfRangeException(nameof(resync));
        if (!(target > 0 && target < 1)) throw new ArgumentOutOfRangeException(nameof(target), "target acceptance must be in (0, 1)");
        if (tuneInterval <= 0) throw new ArgumentOutOfRangeException(nameof(tuneInterval));
    }

    /// <summary>Step-size update towards a target acceptance: step *= exp(ratio - target), clamped.</summary>
    internal static double Tune(double step, long accepted, long attempted, double target, double min, double max)
    {
        if (attempted <= 0) return step;
        double ratio = (double)accepted / attempted;
        return Math.Clamp(step * Math.Exp(ratio - target), min, max);
    }
}
