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

    internal override void Validate()
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
/// for bit from the seed; allocation-free per move. Frames carry the Info keys sampler, cycle,
/// ceiling_eV_per_bead, energy_per_bead, acceptance and max_step.
/// </summary>
public sealed class NestedSampler(NestedSettings settings) : McSampler<NestedSettings, NestedResult>(settings)
{
    private protected override NestedResult Unstarted() =>
        new() { InitialCeilingPerBead = Settings.InitialCeilingPerBead, FinalCeilingPerBead = Settings.InitialCeilingPerBead };

    private protected override NestedResult Walk(McChain chain, ref McRandom rng, Action<Cluster>? onFrame, Action<long, long>? progress, CancellationToken cancellation)
    {
        var s = Settings;
        var rule = new Rule(s, chain.Backend.Count, chain);
        var end = chain.RunCycles(ref rng, ref rule, s, s.Cycles, onFrame, progress, cancellation);
        return chain.Finish(Unstarted() with
        {
            FinalCeilingPerBead = rule.Ceiling, CeilingHistory = rule.History,
            StalledUpdates = rule.Stalled, SkippedUpdates = rule.Skipped, MovesAboveCeiling = rule.Above,
        }, end);
    }

    /// <summary>Nested sampling on the shared cycle loop: the ceiling rule, the visited energies per bead and
    /// the ceiling updates every AdjustFrequency cycles.</summary>
    private struct Rule(NestedSettings s, int n, McChain chain) : ICycleRule
    {
        private readonly double _invN = 1.0 / n;
        private readonly bool _tune = s.TuneStep;
        private readonly int _adjustFrequency = s.AdjustFrequency;
        private readonly double[] _visited = new double[checked(s.AdjustFrequency * n)];
        private readonly int[] _bins = s.HistogramBins > 0 ? new int[s.HistogramBins] : [];
        private int _nVisited;
        private bool _isAbove;
        public double Ceiling = s.InitialCeilingPerBead;
        public readonly List<double> History = new(s.Cycles / s.AdjustFrequency + 1);
        public int Stalled, Skipped;
        public long Above;

        public readonly string Sampler => "nested";

        public void Begin(double energy)
        {
            _isAbove = !(energy * _invN < Ceiling);
            if (_isAbove) Above++;
        }

        /// <summary>Below the ceiling: the new E/N must stay below it; above it: any lowering move.</summary>
        public readonly bool Accept(double energy, double dE, ref McRandom rng) => _isAbove ? dE < 0 : (energy + dE) * _invN < Ceiling;

        public void End(double energy) => _visited[_nVisited++] = energy * _invN;

        public readonly bool Tunes(long cycle) => _tune;
        public readonly bool EndsTuning(long cycle) => false;
        public readonly void CountCycle(long cycle, long attempts, long accepted) { }
        public readonly bool Records(long cycle) => true;

        public void EndCycle(long cycle, double energy)
        {
            if (cycle % _adjustFrequency != 0) return;
            double median = Median(_visited.AsSpan(0, _nVisited), _bins);
            _nVisited = 0;
            if (!double.IsFinite(median)) Skipped++;
            else if (median < Ceiling) Ceiling = median;
            else Stalled++;
            History.Add(Ceiling);
        }

        public readonly void Describe(Cluster frame, long cycle, double energy, double step)
        {
            frame.SetInfo("ceiling_eV_per_bead", McShared.F(Ceiling));
            frame.SetInfo("energy_per_bead", McShared.F(energy * _invN));
            frame.SetInfo("acceptance", (chain.Attempts > 0 ? (double)chain.Accepted / chain.Attempts : 0).ToString("F4", CultureInfo.InvariantCulture));
            frame.SetInfo("max_step", McShared.F(step));
        }
    }

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
