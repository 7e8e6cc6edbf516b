using System.Globalization;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.MonteCarlo;

/// <summary>
/// Settings of <see cref="NestedSampler"/> (units eV per bead, A). See docs/montecarlo.md for the rules.
/// </summary>
public sealed record NestedSettings : McSettings
{
    /// <summary>Total cycles. A cycle is N trial single-bead moves for N beads.</summary>
    public int Cycles { get; init; } = 5000;
    /// <summary>Every this many cycles the ceiling drops to the median of the energies visited since the last
    /// update, and the histogram is cleared (ClassyMC's adjustfreq).</summary>
    public int AdjustFrequency { get; init; } = 100;
    /// <summary>0 (default): exact median of the visited energies per bead. &gt; 0: median read from a histogram
    /// of this many bins spanning the visited range (the bin centre), as ClassyMC does.</summary>
    public int HistogramBins { get; init; }
    /// <summary>Initial ceiling (eV per bead). Default +infinity: the walker starts as a random walk among
    /// connected configurations and the ceiling falls from there.</summary>
    public double InitialCeilingPerBead { get; init; } = double.PositiveInfinity;
    /// <summary>Tune the step towards <see cref="McSettings.TargetAcceptance"/> throughout the run (nested
    /// sampling here explores; it does not sample a canonical ensemble, so there is no detailed balance to keep).</summary>
    public bool TuneStep { get; init; } = true;

    internal void Validate()
    {
        ValidateCommon(Cycles);
        if (AdjustFrequency <= 0) throw new ArgumentOutOfRangeException(nameof(AdjustFrequency), "adjust frequency must be >= 1 cycle");
        if (HistogramBins < 0) throw new ArgumentOutOfRangeException(nameof(HistogramBins));
        if (double.IsNaN(InitialCeilingPerBead) || double.IsNegativeInfinity(InitialCeilingPerBead)) throw new ArgumentOutOfRangeException(nameof(InitialCeilingPerBead), "initial ceiling must be a number or +infinity");
    }
}

/// <summary>Result of a nested-sampling run (eV per bead for ceilings).</summary>
public sealed record NestedResult : McResult
{
    /// <summary>Ceiling (eV per bead) at the start.</summary>
    public double InitialCeilingPerBead { get; init; }
    /// <summary>Ceiling (eV per bead) at the end.</summary>
    public double FinalCeilingPerBead { get; init; }
    /// <summary>The ceiling after each update (eV per bead), in order; non-increasing.</summary>
    public IReadOnlyList<double> CeilingHistory { get; init; } = [];
    /// <summary>Updates at which the median was not below the ceiling (the ceiling stayed): a walker stuck
    /// above its ceiling, or converged.</summary>
    public int StalledUpdates { get; init; }
    /// <summary>Updates skipped because the median was not finite.</summary>
    public int SkippedUpdates { get; init; }
    /// <summary>Trial moves made while the walker was above the ceiling (only lowering moves accepted).</summary>
    public long MovesAboveCeiling { get; init; }
}

/// <summary>
/// "Nested" sampling as in ClassyMC (the authors' code): a single walker with an energy ceiling per bead.
/// A trial move (single-bead translation, cluster criterion as in Metropolis) is accepted iff the new
/// E/N is below the ceiling, with no Boltzmann factor; while the current E/N is above the ceiling any move
/// that lowers the energy is accepted instead. The current E/N after every trial move fills a histogram;
/// every AdjustFrequency cycles the ceiling drops to the histogram's median (never rises) and the histogram
/// is cleared. The walker goes from high-energy, far-from-equilibrium structures downwards. Reproducible bit
/// for bit from the seed; allocation-free per move.
/// </summary>
public sealed class NestedSampler
{
    private readonly NestedSettings _s;

    public NestedSampler(NestedSettings settings)
    {
        settings.Validate();
        _s = settings;
    }

    public NestedSettings Settings => _s;

    /// <summary>
    /// Runs the walker from <paramref name="start"/> (flat positions, A). Frames (Info: sampler, cycle,
    /// ceiling_eV_per_bead, energy_per_bead, acceptance, max_step) go to <paramref name="onFrame"/> every
    /// TrajectoryEvery cycles; progress gets (cycles done, total). Problems are reported in the result's
    /// Status, never thrown; invalid settings throw at construction.
    /// </summary>
    public NestedResult Run(IMcEnergyBackend backend, ReadOnlySpan<double> start, Action<Cluster>? onFrame = null,
        Action<long, long>? progress = null, CancellationToken cancellation = default)
    {
        var s = _s;
        int n = start.Length / 3;
        if (start.Length % 3 != 0 || n == 0) throw new ArgumentException("start must hold at least one bead (flat x,y,z)", nameof(start));
        var criterion = new ClusterCriterion(s.CriterionDistance, s.MinPairDistance);
        if (McShared.Start(criterion, backend, start, out double energy) is { } bad)
            return Failed(bad.Status, bad.Message, start, energy);

        var rng = new McRandom(s.Seed);
        double invN = 1.0 / n;
        double ceiling = s.InitialCeilingPerBead;
        double step = s.MaxStep, stepMax = s.MaxStepLimit ?? s.CriterionDistance;
        var visited = new double[checked(s.AdjustFrequency * n)];
        int[] bins = s.HistogramBins > 0 ? new int[s.HistogramBins] : [];
        int nVisited = 0;
        var history = new List<double>(s.Cycles / s.AdjustFrequency + 1);
        long attempts = 0, accepted = 0, critRej = 0, overlapRej = 0, nonFinite = 0, frames = 0, above = 0;
        long winAtt = 0, winAcc = 0;
        int stalled = 0, skipped = 0;
        double maxDrift = 0, lowest = energy;
        double[] lowestPos = start.ToArray();
        double[] scratch = new double[3 * n];
        McStatus status = McStatus.Completed;
        string? message = null;
        long cycle;

        for (cycle = 1; cycle <= s.Cycles; cycle++)
        {
            cancellation.ThrowIfCancellationRequested();
            for (int m = 0; m < n; m++)
            {
                int k = McShared.Displace(ref rng, backend.Positions, n, step, out double x, out double y, out double z);
                attempts++; winAtt++;
                double e = backend.TotalEnergy;
                bool isAbove = !(e * invN < ceiling);
                if (isAbove) above++;
                var c = criterion.CheckMove(k, x, y, z);
                if (c != CriterionResult.Ok)
                {
                    if (c == CriterionResult.Overlap) overlapRej++; else critRej++;
                }
                else
                {
                    double dE = backend.ProposeMove(k, x, y, z);
                    bool ok;
                    if (!double.IsFinite(dE)) { nonFinite++; ok = false; }
                    else if (isAbove) ok = dE < 0;
                    else ok = (e + dE) * invN < ceiling;
                    if (ok)
                    {
                        backend.Accept();
                        criterion.CommitMove(k, x, y, z);
                        accepted++; winAcc++;
                        if (backend.TotalEnergy < lowest) { lowest = backend.TotalEnergy; backend.Positions.CopyTo(lowestPos); }
                    }
                    else backend.Reject();
                }
                visited[nVisited++] = backend.TotalEnergy * invN;
            }

            if (s.TuneStep && cycle % s.TuneInterval == 0)
            {
                step = McShared.Tune(step, winAcc, winAtt, s.TargetAcceptance, s.MinStep, stepMax);
                winAtt = winAcc = 0;
            }

            if (s.ResyncEvery > 0 && cycle % s.ResyncEvery == 0
                && McShared.Resync(backend, scratch, cycle, ref maxDrift, ref lowest, lowestPos) is { } resyncError)
            {
                status = McStatus.NonFiniteEnergy;
                message = resyncError;
                break;
            }

            if (cycle % s.AdjustFrequency == 0)
            {
                double median = Median(visited.AsSpan(0, nVisited), bins);
                nVisited = 0;
                if (!double.IsFinite(median)) skipped++;
                else if (median < ceiling) ceiling = median;
                else stalled++;
                history.Add(ceiling);
            }

            if (onFrame != null && s.TrajectoryEvery > 0 && cycle % s.TrajectoryEvery == 0)
            {
                double e = backend.TotalEnergy;
                var f = McShared.Frame(backend.Positions, e, "nested", cycle);
                f.SetInfo("ceiling_eV_per_bead", McShared.F(ceiling));
                f.SetInfo("energy_per_bead", McShared.F(e * invN));
                f.SetInfo("acceptance", (attempts > 0 ? (double)accepted / attempts : 0).ToString("F4", CultureInfo.InvariantCulture));
                f.SetInfo("max_step", McShared.F(step));
                onFrame(f);
                frames++;
            }
            progress?.Invoke(cycle, s.Cycles);
        }

        return new NestedResult
        {
            Status = status, Message = message,
            CyclesRun = status == McStatus.Completed ? s.Cycles : cycle - 1,
            Attempts = attempts, Accepted = accepted,
            CriterionRejections = critRej, OverlapRejections = overlapRej, NonFiniteRejections = nonFinite,
            MaxResyncDrift = maxDrift, FramesWritten = frames, FinalMaxStep = step,
            FinalEnergy = backend.TotalEnergy, FinalPositions = backend.Positions.ToArray(),
            LowestEnergy = lowest, LowestEnergyPositions = lowestPos,
            InitialCeilingPerBead = s.InitialCeilingPerBead, FinalCeilingPerBead = ceiling,
            CeilingHistory = history, StalledUpdates = stalled, SkippedUpdates = skipped, MovesAboveCeiling = above,
        };
    }

    private NestedResult Failed(McStatus status, string message, ReadOnlySpan<double> start, double energy) => new()
    {
        Status = status, Message = message, FinalPositions = start.ToArray(), FinalEnergy = energy, LowestEnergy = double.NaN,
        FinalMaxStep = _s.MaxStep, InitialCeilingPerBead = _s.InitialCeilingPerBead, FinalCeilingPerBead = _s.InitialCeilingPerBead,
    };

    /// <summary>
    /// Median of <paramref name="values"/> (reorders them). With no bins: the exact median (mean of the two
    /// middle values for an even count). With bins: the centre of the bin, over [min, max] of the values,
    /// in which the cumulative count first reaches half. NaN when empty.
    /// </summary>
    internal static double Median(Span<double> values, Span<int> bins)
    {
        int count = values.Length;
        if (count == 0) return double.NaN;
        if (bins.Length == 0)
        {
            values.Sort();
            return (count & 1) == 1 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
        }
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in values) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) return double.NaN;
        if (hi == lo) return lo;
        bins.Clear();
        double width = (hi - lo) / bins.Length;
        foreach (double v in values) bins[Math.Min(bins.Length - 1, (int)((v - lo) / width))]++;
        long half = (count + 1) / 2, cum = 0;
        for (int b = 0; b < bins.Length; b++)
        {
            cum += bins[b];
            if (cum >= half) return lo + (b + 0.5) * width;
        }
        return hi;
    }
}
