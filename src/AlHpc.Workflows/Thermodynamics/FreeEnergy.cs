using System.Diagnostics;
using System.Globalization;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Optimization;
using AlHpc.Potentials;

namespace AlHpc.Thermodynamics;

/// <summary>How each run's sizes are weighed (both are computed from the same trajectories; the other one is
/// kept in the result as a cross-check).</summary>
public enum FreeEnergyEstimator
{
    /// <summary>Transition matrix (TMMC): the mean unbiased acceptance of every insertion and removal attempt
    /// (<see cref="TransitionSums"/>), pooled over the runs of a window, with jackknife (leave one run out)
    /// bias correction and standard error (a ratio of means is biased for short runs). The default: every
    /// attempt carries information, and its standard error was the smaller one in both n = 1-50 production
    /// runs (docs/freeenergy.md).</summary>
    TransitionMatrix,
    /// <summary>Histograms of the umbrella periods combined by self-consistent WHAM (ClassyMC's): each run gives
    /// its own curve, the standard error is their spread.</summary>
    Wham,
}

/// <summary>Options of <see cref="FreeEnergy.Compute"/> beyond the sampler settings.</summary>
public sealed record FreeEnergyOptions
{
    /// <summary>Largest cluster size N (the curve covers 1..N).</summary>
    public int MaxSize { get; init; } = 50;
    /// <summary>Sizes per window (windows overlap in one size: [1, W], [W, 2W - 1], ...).</summary>
    public int WindowWidth { get; init; } = 6;
    /// <summary>Independent runs per window (the standard error is their spread; at least 2).</summary>
    public int Runs { get; init; } = 4;
    /// <summary>Seed: the same seed gives the same result whatever the thread count.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Worker threads (-1: all cores).</summary>
    public int Threads { get; init; } = -1;
    /// <summary>FIRE-relax each window's random start cluster before sampling.</summary>
    public bool RelaxStart { get; init; } = true;
    /// <summary>The estimator of the reported curve (the other one is reported beside it).</summary>
    public FreeEnergyEstimator Estimator { get; init; } = FreeEnergyEstimator.TransitionMatrix;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad option.</summary>
    public void Validate()
    {
        if (MaxSize < 1) throw new ArgumentOutOfRangeException(nameof(MaxSize), "the largest size must be >= 1");
        if (WindowWidth < 2) throw new ArgumentOutOfRangeException(nameof(WindowWidth), "a window needs at least 2 sizes");
        if (Runs < 2) throw new ArgumentOutOfRangeException(nameof(Runs), "at least 2 independent runs per window (the standard error comes from their spread)");
        if (Threads == 0 || Threads < -1) throw new ArgumentOutOfRangeException(nameof(Threads), "threads must be >= 1 or -1");
    }
}

/// <summary>
/// The free energy of cluster formation against size: beta dG(n) = -ln(rho_n / rho_1) with its standard
/// error (kT units) and dG (eV) = beta dG kT. See <see cref="FreeEnergy"/>.
/// </summary>
public sealed record FreeEnergyResult
{
    public required string PotentialName { get; init; }
    public required AvbmcSettings Settings { get; init; }
    public required FreeEnergyOptions Options { get; init; }
    public required int[] Sizes { get; init; }
    public required double[] BetaDeltaG { get; init; }
    public required double[] StdErr { get; init; }
    /// <summary>The same curve from the other estimator (same trajectories): a consistency check.</summary>
    public required double[] OtherBetaDeltaG { get; init; }
    public required double[] OtherStdErr { get; init; }
    public FreeEnergyEstimator OtherEstimator => Options.Estimator == FreeEnergyEstimator.Wham ? FreeEnergyEstimator.TransitionMatrix : FreeEnergyEstimator.Wham;
    public double[] DeltaGEv => BetaDeltaG.Select(g => g * Units.BoltzmannEvPerK * Settings.TemperatureK).ToArray();
    public required (int Lo, int Hi)[] Windows { get; init; }
    public long Steps { get; init; }
    public long SwapAttempts { get; init; }
    public long SwapAccepted { get; init; }
    public long TranslateAttempts { get; init; }
    public long TranslateAccepted { get; init; }
    public double MaxResyncDrift { get; init; }
    public double Seconds { get; init; }
    public double StepsPerSecond => Seconds > 0 ? Steps / Seconds : 0;

    /// <summary>The CSV header comment lines (the definition and the settings).</summary>
    public IEnumerable<string> HeaderLines()
    {
        var ci = CultureInfo.InvariantCulture;
        yield return "# alhpc freeenergy: free energy of cluster formation against cluster size (EB-AVBMC, umbrella on n, WHAM)";
        yield return "# definition: one cluster in equilibrium with an ideal vapour of monomer density rho; rho_n/rho_1 = rho^(n-1) Z_n / n!,";
        yield return "#   Z_n = integral over the other n-1 beads (one fixed) of exp(-beta U), restricted to one cluster by the Stillinger";
        yield return "#   criterion and to no pair closer than the hard core; beta_dG(n) = -ln(rho_n/rho_1); dG_eV = beta_dG * k_B T.";
        yield return "#   Another density: beta_dG(n; rho) = beta_dG(n; rho0) - (n-1) ln(rho/rho0).";
        yield return string.Create(ci, $"# potential: {PotentialName}");
        yield return string.Create(ci, $"# temperature_K: {Settings.TemperatureK:R}; ln_rho_per_A3: {Settings.LogDensity:R}; criterion_A: {Settings.CriterionDistance:R}; hard_core_A: {Settings.MinPairDistance:R}; insertion_radius_A: {Settings.Radius:R}; insertion_inner_radius_A: {Settings.InsertionInnerRadius:R}; bias_strength: {Settings.BiasStrength:R}");
        yield return string.Create(ci, $"# windows: {string.Join(' ', Windows.Select(w => $"{w.Lo}-{w.Hi}"))}; runs_per_window: {Options.Runs}; steps_per_period: {Settings.StepsPerPeriod}; equilibration_periods: {Settings.EquilibrationPeriods}; production_periods: {Settings.ProductionPeriods}; seed: {Options.Seed}");
        yield return string.Create(ci, $"# estimator: {EstimatorName(Options.Estimator)}; other_beta_dG, other_stderr: the same trajectories through {EstimatorName(OtherEstimator)} (a consistency check)");
        yield return string.Create(ci, $"# stderr: standard error of beta_dG from the spread of the independent runs of each window, accumulated along the windows");
        yield return string.Create(ci, $"# steps: {Steps}; seconds: {Seconds:F1}; steps_per_second: {StepsPerSecond:F0}; swap_acceptance: {(SwapAttempts > 0 ? (double)SwapAccepted / SwapAttempts : 0):F4}; translation_acceptance: {(TranslateAttempts > 0 ? (double)TranslateAccepted / TranslateAttempts : 0):F4}");
    }

    /// <summary>The estimator as written in the CSV and printed.</summary>
    public static string EstimatorName(FreeEnergyEstimator e) => e == FreeEnergyEstimator.Wham ? "umbrella histograms + WHAM" : "transition matrix (TMMC)";

    /// <summary>Largest |estimator - other estimator| over the sizes in units of their combined standard error
    /// (the two share trajectories, so this overstates the independence; a value far above 3 means trouble).</summary>
    public (double MaxDiff, int AtSize, double Sigmas) EstimatorAgreement()
    {
        double worst = 0, diff = 0; int at = 0;
        for (int i = 0; i < Sizes.Length; i++)
        {
            double d = BetaDeltaG[i] - OtherBetaDeltaG[i];
            double se = Math.Sqrt(StdErr[i] * StdErr[i] + OtherStdErr[i] * OtherStdErr[i]);
            double z = se > 0 ? Math.Abs(d) / se : 0;
            if (z > worst) { worst = z; diff = d; at = Sizes[i]; }
        }
        return (diff, at, worst);
    }

    /// <summary>Writes the CSV (n, beta_dG, stderr, dG_eV) atomically with the definition in '#' header lines.</summary>
    public void WriteCsv(string path)
    {
        var ci = CultureInfo.InvariantCulture;
        var dg = DeltaGEv;
        AtomicFile.WriteText(path, w =>
        {
            foreach (var l in HeaderLines()) w.WriteLine(l);
            w.WriteLine("n,beta_dG,stderr,dG_eV,other_beta_dG,other_stderr");
            for (int i = 0; i < Sizes.Length; i++)
                w.WriteLine(string.Create(ci, $"{Sizes[i]},{BetaDeltaG[i]:F6},{StdErr[i]:F6},{dg[i]:F8},{OtherBetaDeltaG[i]:F6},{OtherStdErr[i]:F6}"));
        });
    }
}

/// <summary>A free-energy curve read back from a CSV written by <see cref="FreeEnergyResult.WriteCsv"/>.</summary>
public sealed record FreeEnergyCurve(string Name, double TemperatureK, int[] Sizes, double[] BetaDeltaG, double[] StdErr)
{
    /// <summary>Reads the CSV; throws <see cref="InputFormatException"/> naming the line on bad content.</summary>
    public static FreeEnergyCurve Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"free-energy CSV not found: {path}", path);
        var ci = CultureInfo.InvariantCulture;
        string name = Path.GetFileNameWithoutExtension(path);
        double t = double.NaN;
        var n = new List<int>(); var g = new List<double>(); var e = new List<double>();
        bool header = false;
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                if (line.StartsWith("# potential:", StringComparison.Ordinal)) name = line["# potential:".Length..].Trim();
                int k = line.IndexOf("temperature_K:", StringComparison.Ordinal);
                if (k >= 0)
                {
                    var rest = line[(k + "temperature_K:".Length)..].Split(';')[0].Trim();
                    if (!double.TryParse(rest, NumberStyles.Float, ci, out t)) throw new InputFormatException(path, lineNo, $"bad temperature '{rest}'");
                }
                continue;
            }
            if (!header)
            {
                if (!line.StartsWith("n,beta_dG,stderr", StringComparison.Ordinal)) throw new InputFormatException(path, lineNo, "expected the column line 'n,beta_dG,stderr,dG_eV' (an alhpc freeenergy CSV)");
                header = true;
                continue;
            }
            var f = line.Split(',');
            if (f.Length < 3 || !int.TryParse(f[0], NumberStyles.Integer, ci, out int size)
                || !double.TryParse(f[1], NumberStyles.Float, ci, out double bg) || !double.TryParse(f[2], NumberStyles.Float, ci, out double se)
                || !double.IsFinite(bg) || !double.IsFinite(se) || size < 1)
                throw new InputFormatException(path, lineNo, "expected 'n,beta_dG,stderr,dG_eV' with a size >= 1 and finite numbers");
            n.Add(size); g.Add(bg); e.Add(se);
        }
        if (n.Count == 0) throw new InputFormatException(path, lineNo, "no data rows");
        return new FreeEnergyCurve(name, t, n.ToArray(), g.ToArray(), e.ToArray());
    }

    /// <summary>From a result.</summary>
    public static FreeEnergyCurve From(FreeEnergyResult r) => new(r.PotentialName, r.Settings.TemperatureK, r.Sizes, r.BetaDeltaG, r.StdErr);

    /// <summary>Largest |difference| of beta dG (kT) over the common sizes, the size where it occurs and the combined standard error there.</summary>
    public (double MaxDiff, int AtSize, double CombinedStdErr, int CommonSizes) Compare(FreeEnergyCurve other)
    {
        double best = 0; int at = 0; double se = 0; int common = 0;
        for (int i = 0; i < Sizes.Length; i++)
        {
            int j = Array.IndexOf(other.Sizes, Sizes[i]);
            if (j < 0) continue;
            common++;
            double d = Math.Abs(BetaDeltaG[i] - other.BetaDeltaG[j]);
            if (d >= best) { best = d; at = Sizes[i]; se = Math.Sqrt(StdErr[i] * StdErr[i] + other.StdErr[j] * other.StdErr[j]); }
        }
        return (best, at, se, common);
    }
}

/// <summary>
/// Computes beta dG(n) for n = 1..N with <see cref="AvbmcWalker"/>: the sizes are cut into overlapping
/// windows, each window is sampled by several independent runs (all windows and runs in parallel), each
/// run's umbrella periods are combined by <see cref="Wham"/>, and the windows are chained at their shared
/// sizes. Deterministic for a seed whatever the thread count.
/// </summary>
public static class FreeEnergy
{
    /// <summary>The windows [lo, hi] covering 1..maxSize with <paramref name="width"/> sizes each, overlapping in one size.</summary>
    public static (int Lo, int Hi)[] Windows(int maxSize, int width)
    {
        var list = new List<(int, int)>();
        int lo = 1;
        while (lo < maxSize)
        {
            int hi = Math.Min(maxSize, lo + width - 1);
            list.Add((lo, hi));
            lo = hi;
        }
        return list.ToArray();
    }

    /// <summary>Seed of run <paramref name="run"/> of window <paramref name="window"/>.</summary>
    internal static ulong TaskSeed(ulong seed, int window, int run)
    {
        ulong x = seed ^ (0x51_7C_C1_B7_27_22_0A_95UL * (ulong)(window + 1)) ^ ((ulong)(run + 1) << 32);
        return McRandom.SplitMix64(ref x);
    }

    /// <summary>
    /// Runs the calculation. <paramref name="progress"/> gets (steps done, steps total). Throws
    /// <see cref="InvalidOperationException"/> when a window could not be sampled (no valid start, a size
    /// never visited: give it more periods).
    /// </summary>
    public static FreeEnergyResult Compute(IPotential potential, AvbmcSettings settings, FreeEnergyOptions options,
        Action<long, long>? progress = null, CancellationToken cancellation = default)
    {
        settings.Validate();
        options.Validate();
        var sw = Stopwatch.StartNew();
        var windows = Windows(options.MaxSize, options.WindowWidth);
        int runs = options.Runs;
        int tasks = windows.Length * runs;
        long stepsPerTask = (long)settings.StepsPerPeriod * (settings.EquilibrationPeriods + settings.ProductionPeriods);
        long total = stepsPerTask * tasks, done = 0;
        var lnWham = new double[tasks][];
        var sums = new TransitionSums[tasks];
        var stats = new WalkerStats[tasks];
        var po = new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellation };
        Parallel.For(0, tasks, po, task =>
        {
            int wi = task / runs, r = task % runs;
            var (lo, hi) = windows[wi];
            ulong seed = TaskSeed(options.Seed, wi, r);
            var start = StartConfiguration(potential, settings, lo, seed, options.RelaxStart);
            var walker = new AvbmcWalker(settings, potential.CreateMcBackend(), lo, hi);
            if (!walker.Load(start)) throw new InvalidOperationException($"window {lo}-{hi}: no valid start cluster of {lo} beads (criterion {settings.CriterionDistance} A)");
            var rng = new McRandom(seed);
            var (periods, st) = walker.Run(ref rng, settings.EquilibrationPeriods, settings.ProductionPeriods,
                d => { long now = Interlocked.Add(ref done, d); progress?.Invoke(now, total); }, cancellation);
            var wham = Wham.LogProbabilities(periods);
            for (int i = 0; i < wham.Length; i++)
                if (!double.IsFinite(wham[i]))
                    throw new InvalidOperationException($"window {lo}-{hi}, run {r + 1}: size {lo + i} was never visited in production; give more steps per period or periods");
            lnWham[task] = wham;
            sums[task] = st.Transitions!;
            stats[task] = st;
        });

        int nmax = options.MaxSize;
        var wh = Chain(windows, runs, nmax, lnWham);
        var tmc = ChainJackknife(windows, runs, nmax, sums);
        var ((g, var), (go, varo)) = options.Estimator == FreeEnergyEstimator.Wham ? (wh, tmc) : (tmc, wh);
        return new FreeEnergyResult
        {
            PotentialName = potential.Name, Settings = settings, Options = options,
            Sizes = Enumerable.Range(1, nmax).ToArray(), BetaDeltaG = g, StdErr = var.Select(Math.Sqrt).ToArray(),
            OtherBetaDeltaG = go, OtherStdErr = varo.Select(Math.Sqrt).ToArray(),
            Windows = windows,
            Steps = stats.Where(s => s != null).Sum(s => s.Steps),
            SwapAttempts = stats.Where(s => s != null).Sum(s => s.InsertAttempts + s.RemoveAttempts),
            SwapAccepted = stats.Where(s => s != null).Sum(s => s.InsertAccepted + s.RemoveAccepted),
            TranslateAttempts = stats.Where(s => s != null).Sum(s => s.TranslateAttempts),
            TranslateAccepted = stats.Where(s => s != null).Sum(s => s.TranslateAccepted),
            MaxResyncDrift = stats.Where(s => s != null).Select(s => s.MaxResyncDrift).DefaultIfEmpty(0).Max(),
            Seconds = sw.Elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// The transition-matrix curve: per window the sums of all runs pooled, bias-corrected and with a standard
    /// error by the jackknife over runs (theta_J = R theta - (R - 1) mean theta_(-r),
    /// var = (R - 1)/R sum (theta_(-r) - mean)^2); windows chained at the shared sizes, variances added.
    /// </summary>
    private static (double[] G, double[] Var) ChainJackknife((int Lo, int Hi)[] windows, int runs, int nmax, TransitionSums[] sums)
    {
        var g = new double[nmax];
        var var = new double[nmax];
        for (int wi = 0; wi < windows.Length; wi++)
        {
            var (lo, hi) = windows[wi];
            var pooled = sums[wi * runs];
            for (int r = 1; r < runs; r++) pooled = pooled.Combine(sums[wi * runs + r], 1);
            var all = pooled.LogProbabilities();
            var loo = new double[runs][];
            for (int r = 0; r < runs; r++) loo[r] = pooled.Combine(sums[wi * runs + r], -1).LogProbabilities();
            double g0 = g[lo - 1], v0 = var[lo - 1];
            for (int n = lo + 1; n <= hi; n++)
            {
                int i = n - lo;
                if (!double.IsFinite(all[i]) || loo.Any(l => !double.IsFinite(l[i])))
                    throw new InvalidOperationException($"window {lo}-{hi}: no accepted transition between sizes {n - 1} and {n} in some runs; give more steps per period or periods");
                double mean = loo.Average(l => -l[i]);
                double theta = runs * -all[i] - (runs - 1) * mean;
                double v = (runs - 1.0) / runs * loo.Sum(l => (-l[i] - mean) * (-l[i] - mean));
                g[n - 1] = g0 + theta;
                var[n - 1] = v0 + v;
            }
        }
        return (g, var);
    }

    /// <summary>Chains the windows: G(n) = G(lo) + mean_r[ln P_r(lo) - ln P_r(n)]; the variances of the means add.</summary>
    private static (double[] G, double[] Var) Chain((int Lo, int Hi)[] windows, int runs, int nmax, double[][] lnP)
    {
        var g = new double[nmax];
        var var = new double[nmax];
        for (int wi = 0; wi < windows.Length; wi++)
        {
            var (lo, hi) = windows[wi];
            double g0 = g[lo - 1], v0 = var[lo - 1];
            for (int n = lo + 1; n <= hi; n++)
            {
                double sum = 0, sum2 = 0;
                for (int r = 0; r < runs; r++)
                {
                    double x = -lnP[wi * runs + r][n - lo];
                    sum += x; sum2 += x * x;
                }
                double mean = sum / runs;
                double s2 = Math.Max(0, (sum2 - runs * mean * mean) / (runs - 1));
                g[n - 1] = g0 + mean;
                var[n - 1] = v0 + s2 / runs;
            }
        }
        return (g, var);
    }

    /// <summary>A random connected start of <paramref name="size"/> beads scaled to the criterion, optionally FIRE-relaxed.</summary>
    internal static double[] StartConfiguration(IPotential potential, AvbmcSettings s, int size, ulong seed, bool relax)
    {
        double d = s.CriterionDistance;
        double bond = 0.675 * d, min = Math.Max(s.MinPairDistance * 1.05, Math.Min(0.55 * d, bond));
        var start = ClusterBuilder.RandomConnected(size, seed, bond, min);
        if (!relax || size < 2) return start;
        var relaxed = (double[])start.Clone();
        new Fire { ForceTolerance = 1e-3, MaxSteps = 2000, MaxStep = 0.1 * d }.Minimize(potential.CreateEvaluator(), relaxed);
        return ClusterCriterion.CheckReference(relaxed, d, s.MinPairDistance) == CriterionResult.Ok && relaxed.All(double.IsFinite) ? relaxed : start;
    }
}
