using AlHpc.MonteCarlo;
using AlHpc.Potentials;

namespace AlHpc.Thermodynamics;

/// <summary>
/// Settings of the free-energy sampler (units K, A). See docs/freeenergy.md for the definition of the
/// sampled distribution and the derivation of the acceptance rules.
/// </summary>
public sealed record AvbmcSettings
{
    /// <summary>Temperature (K).</summary>
    public double TemperatureK { get; init; } = 300;
    /// <summary>ln(rho / A^-3) of the ideal monomer vapour the cluster is in equilibrium with.</summary>
    public double LogDensity { get; init; } = -18.420680743952367; // ln(1e-8), ClassyMC's water example
    /// <summary>Stillinger criterion distance (A).</summary>
    public double CriterionDistance { get; init; } = 4.0;
    /// <summary>Hard core (A): configurations with a pair closer than this are outside the ensemble (0: none). The
    /// project's one default, <see cref="McDefaults.HardCoreDistance"/> (2.0 A): the domain an active-learning run
    /// trains and checks a network in (a network has no repulsive wall below it), and for ML-BOP
    /// exp(-beta u) &lt; e^-40 there at 300 K, so the reference's free energy does not change.</summary>
    public double MinPairDistance { get; init; } = McDefaults.HardCoreDistance;
    /// <summary>Outer radius R (A) of the aggregation region around the target; null: the criterion distance.</summary>
    public double? InsertionRadius { get; init; }
    /// <summary>Inner radius r_in (A) of the aggregation region: insertions go uniformly into the shell
    /// r_in &lt;= |y - x_t| &lt; R and removals choose among the beads in that shell of the target (0: the whole
    /// sphere, as in ClassyMC). Any value below R is exact (the tests check detailed balance for it); a value
    /// near the start of the first neighbour shell wastes fewer insertions on the repulsive core.</summary>
    public double InsertionInnerRadius { get; init; }
    /// <summary>Energy bias gamma of the removal choice: weight exp(-gamma beta dU_remove) (0: uniform, classic AVBMC).</summary>
    public double BiasStrength { get; init; } = 1.0;
    /// <summary>Probability that a step is an insertion or removal attempt (50/50); the rest are translations.</summary>
    public double SwapFraction { get; init; } = 0.3;
    /// <summary>Initial maximum displacement of a translation (A per coordinate), tuned during equilibration.</summary>
    public double MaxStep { get; init; } = 0.3;
    /// <summary>Steps per umbrella period (one histogram and one bias update per period).</summary>
    public int StepsPerPeriod { get; init; } = 20_000;
    /// <summary>Periods that adapt the bias and the step and are then discarded.</summary>
    public int EquilibrationPeriods { get; init; } = 2;
    /// <summary>Periods combined by WHAM (the bias keeps adapting between them).</summary>
    public int ProductionPeriods { get; init; } = 16;
    /// <summary>Umbrella update after each period: w(n) = -ln P(n) from the transition-matrix sums of all periods so
    /// far (flat within a few periods, whatever the start), ClassyMC's histogram rule for sizes not reached yet;
    /// false: ClassyMC's histogram rule alone.</summary>
    public bool TransitionMatrixBias { get; init; } = true;
    /// <summary>Steps between full recomputes of the backend energy (round-off drift guard).</summary>
    public int ResyncEvery { get; init; } = 5_000;

    internal double Radius => InsertionRadius ?? CriterionDistance;
    internal double Beta => 1.0 / (Units.BoltzmannEvPerK * TemperatureK);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (!(TemperatureK > 0) || !double.IsFinite(TemperatureK)) throw new ArgumentOutOfRangeException(nameof(TemperatureK), "the temperature must be a positive finite number of K");
        if (!double.IsFinite(LogDensity)) throw new ArgumentOutOfRangeException(nameof(LogDensity), "ln(density) must be finite");
        if (!(CriterionDistance > 0) || !double.IsFinite(CriterionDistance)) throw new ArgumentOutOfRangeException(nameof(CriterionDistance), "the criterion distance must be positive");
        if (!(MinPairDistance >= 0) || MinPairDistance >= CriterionDistance) throw new ArgumentOutOfRangeException(nameof(MinPairDistance), "the hard core must be >= 0 and below the criterion distance");
        if (InsertionRadius is { } r && (!(r > MinPairDistance) || !double.IsFinite(r))) throw new ArgumentOutOfRangeException(nameof(InsertionRadius), "the insertion radius must exceed the hard core");
        if (!(InsertionInnerRadius >= 0) || !(InsertionInnerRadius < Radius)) throw new ArgumentOutOfRangeException(nameof(InsertionInnerRadius), "the inner insertion radius must be >= 0 and below the insertion radius");
        if (!(BiasStrength >= 0) || !double.IsFinite(BiasStrength)) throw new ArgumentOutOfRangeException(nameof(BiasStrength), "the bias strength must be >= 0");
        if (!(SwapFraction > 0 && SwapFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(SwapFraction), "the swap fraction must be in (0, 1]");
        if (!(MaxStep > 0) || !double.IsFinite(MaxStep)) throw new ArgumentOutOfRangeException(nameof(MaxStep), "the max step must be positive");
        if (StepsPerPeriod < 100) throw new ArgumentOutOfRangeException(nameof(StepsPerPeriod), "at least 100 steps per period");
        if (EquilibrationPeriods < 0) throw new ArgumentOutOfRangeException(nameof(EquilibrationPeriods), "equilibration periods must be >= 0");
        if (ProductionPeriods < 1) throw new ArgumentOutOfRangeException(nameof(ProductionPeriods), "at least one production period");
        if (ResyncEvery < 0) throw new ArgumentOutOfRangeException(nameof(ResyncEvery));
    }
}

/// <summary>One umbrella period: the bias w(n) it ran with and its histogram of n (index n - MinSize).</summary>
public sealed record UmbrellaPeriod(double[] Weights, long[] Histogram);

/// <summary>Counters of one walker run.</summary>
public sealed record WalkerStats
{
    public long Steps { get; init; }
    public long InsertAttempts { get; init; }
    public long InsertAccepted { get; init; }
    public long RemoveAttempts { get; init; }
    public long RemoveAccepted { get; init; }
    public long TranslateAttempts { get; init; }
    public long TranslateAccepted { get; init; }
    public double MaxResyncDrift { get; init; }
    public double FinalStep { get; init; }
    /// <summary>The production periods' transition sums (the transition-matrix estimator's input).</summary>
    public TransitionSums? Transitions { get; init; }
}

/// <summary>
/// Transition-matrix (TMMC) sums of one walker's production, per size n (index n - MinSize): the sum over
/// the insertion attempts made at n of their unbiased acceptance probability min(1, r0) (r0: the acceptance
/// ratio without the umbrella; impossible moves count 0) and their number, and the same for removals. The
/// unbiased chain is in detailed balance, so summed over the configurations of each size
/// P(n) T(n -> n+1) = P(n+1) T(n+1 -> n), where T(n -> n+1) is the insertion attempt probability times the
/// mean of min(1, r0) over the configurations of size n. Insertions and removals are attempted with the same
/// probability, so ln P(n+1) - ln P(n) = ln mean_n[a0_insert] - ln mean_n+1[a0_remove]. Every attempt adds
/// information (not only the accepted ones), which is why this estimator has a smaller variance than
/// histograms when acceptance is low (Fitzgerald, Errington; Shen and Errington's TMMC).
/// </summary>
public sealed record TransitionSums(double[] InsertSum, long[] InsertCount, double[] RemoveSum, long[] RemoveCount)
{
    public static TransitionSums Empty(int bins) => new(new double[bins], new long[bins], new double[bins], new long[bins]);

    /// <summary>Adds one attempt's unbiased acceptance <paramref name="a0"/> at bin <paramref name="bin"/>:
    /// an insertion for <paramref name="direction"/> &gt; 0, else a removal.</summary>
    public void Add(int bin, int direction, double a0)
    {
        if (direction > 0) { InsertSum[bin] += a0; InsertCount[bin]++; }
        else { RemoveSum[bin] += a0; RemoveCount[bin]++; }
    }

    /// <summary>The element-wise sum (sign +1) or difference (sign -1) of two sets of sums over the same sizes.</summary>
    public TransitionSums Combine(TransitionSums other, int sign)
    {
        int bins = InsertSum.Length;
        var r = Empty(bins);
        for (int i = 0; i < bins; i++)
        {
            r.InsertSum[i] = InsertSum[i] + sign * other.InsertSum[i];
            r.InsertCount[i] = InsertCount[i] + sign * other.InsertCount[i];
            r.RemoveSum[i] = RemoveSum[i] + sign * other.RemoveSum[i];
            r.RemoveCount[i] = RemoveCount[i] + sign * other.RemoveCount[i];
        }
        return r;
    }

    /// <summary>ln P(n) - ln P(MinSize) (index n - MinSize); -infinity from the first size whose ratio is
    /// unknown (no attempt, or no non-zero acceptance, on either side).</summary>
    public double[] LogProbabilities()
    {
        int bins = InsertSum.Length;
        var lnP = new double[bins];
        for (int i = 1; i < bins; i++)
        {
            double up = InsertCount[i - 1] > 0 ? InsertSum[i - 1] / InsertCount[i - 1] : 0;
            double down = RemoveCount[i] > 0 ? RemoveSum[i] / RemoveCount[i] : 0;
            lnP[i] = up > 0 && down > 0 && double.IsFinite(lnP[i - 1]) ? lnP[i - 1] + Math.Log(up) - Math.Log(down) : double.NegativeInfinity;
        }
        return lnP;
    }
}

/// <summary>
/// Aggregation-volume-bias Monte Carlo (AVBMC) of one cluster whose size n moves in a window
/// [MinSize, MaxSize], with an energy-biased removal choice and an umbrella bias w(n), on any
/// <see cref="IMcEnergyBackend"/>. It samples (n, positions) with density proportional to
/// rho^n exp(-beta U) exp(w(n)) / n! restricted to one Stillinger cluster without pairs closer than the hard
/// core, so that the histogram of n, unbiased, gives P(n) proportional to rho^(n-1) Z_n / n!
/// (docs/freeenergy.md derives the acceptance rules; the tests check detailed balance move by move).
/// <para>
/// A step is, with probability <see cref="AvbmcSettings.SwapFraction"/>, an insertion or a removal (50/50),
/// otherwise a translation of a random bead (cube [-s, s]^3, Metropolis). Insertion: a target t uniform
/// among the n beads, the new bead uniform in the sphere of radius R around t. Removal: a target t uniform,
/// then bead j among the other beads within R of t with probability proportional to
/// exp(-gamma beta dU_remove(j)) (gamma = <see cref="AvbmcSettings.BiasStrength"/>; the weakly bound go
/// first). Acceptance per target (super-detailed balance, so several targets that can produce the same
/// insertion are handled exactly): insertion min{1, rho n V_in P_sel(new | t, after) / (n + 1)
/// exp(-beta dU + w(n+1) - w(n))}, removal the inverse form with the state before.
/// </para>
/// Not thread safe: one walker per thread. Allocation-free per step after warm-up.
/// </summary>
public sealed class AvbmcWalker
{
    private readonly AvbmcSettings _s;
    private readonly McChain _chain;
    private readonly IMcEnergyBackend _backend;
    private readonly ClusterCriterion _criterion;
    private readonly double _beta, _gammaBeta, _r2, _rIn2, _rIn3, _lnVin, _lnRho;
    private readonly int _min, _max;
    private double[] _w;
    private int[] _cand = new int[64];
    private double[] _logWeight = new double[64];
    private int _candCount;
    private double _pendingDe, _pendingLnAcc;
    private int _pendingIndex = -1;

    /// <param name="settings">Validated here.</param>
    /// <param name="backend">Energy backend (owned by this walker while it runs).</param>
    /// <param name="minSize">Smallest size of the window (>= 1).</param>
    /// <param name="maxSize">Largest size of the window (>= minSize).</param>
    public AvbmcWalker(AvbmcSettings settings, IMcEnergyBackend backend, int minSize, int maxSize)
    {
        settings.Validate();
        if (minSize < 1 || maxSize < minSize) throw new ArgumentOutOfRangeException(nameof(maxSize), "need 1 <= minSize <= maxSize");
        _s = settings;
        _chain = new McChain(backend, settings.CriterionDistance, settings.MinPairDistance, settings.MaxStep, trackLowest: false);
        _backend = backend;
        _criterion = _chain.Criterion;
        _min = minSize;
        _max = maxSize;
        _beta = settings.Beta;
        _gammaBeta = settings.BiasStrength * _beta;
        double r = settings.Radius;
        double rIn = settings.InsertionInnerRadius;
        _r2 = r * r;
        _rIn2 = rIn * rIn;
        _rIn3 = rIn * rIn * rIn;
        _lnVin = Math.Log(4.0 / 3.0 * Math.PI * (r * r * r - _rIn3));
        _lnRho = settings.LogDensity;
        _w = new double[maxSize - minSize + 1];
    }

    public int MinSize => _min;
    public int MaxSize => _max;
    public int Count => _backend.Count;
    public ReadOnlySpan<double> Positions => _backend.Positions;
    public double Energy => _backend.TotalEnergy;

    /// <summary>The umbrella log-weights w(n), index n - MinSize.</summary>
    public double[] Weights
    {
        get => _w;
        set
        {
            if (value.Length != _max - _min + 1) throw new ArgumentException($"need {_max - _min + 1} weights");
            _w = (double[])value.Clone();
        }
    }

    /// <summary>Loads a configuration (flat positions, A); false when it is not one cluster, has an overlap,
    /// has a size outside the window or a non-finite energy.</summary>
    public bool Load(ReadOnlySpan<double> positions)
    {
        int n = positions.Length / 3;
        if (n < _min || n > _max || positions.Length % 3 != 0) return false;
        _pendingIndex = -1;
        return _chain.Start(positions, out _) is null;
    }

    private double W(int n) => _w[n - _min];

    /// <summary>Beads k != t in the shell r_in &lt;= d &lt; R of bead t (A) into _cand; returns their count.</summary>
    private int CollectCandidates(int t)
    {
        var p = _backend.Positions;
        int n = _backend.Count;
        if (_cand.Length < n) { Array.Resize(ref _cand, 2 * n); Array.Resize(ref _logWeight, 2 * n); }
        double tx = p[3 * t], ty = p[3 * t + 1], tz = p[3 * t + 2];
        int c = 0;
        for (int k = 0; k < n; k++)
        {
            if (k == t) continue;
            double dx = p[3 * k] - tx, dy = p[3 * k + 1] - ty, dz = p[3 * k + 2] - tz;
            double d2 = dx * dx + dy * dy + dz * dz;
            if (d2 < _r2 && d2 >= _rIn2) _cand[c++] = k;
        }
        _candCount = c;
        return c;
    }

    /// <summary>
    /// Fills _logWeight with the unnormalised log selection weights -gamma beta dU_remove(k) of the
    /// candidates (backend proposals, all rejected); <paramref name="known"/> gives the one already known
    /// (index into _cand, its dU_remove) or -1. Returns ln of the sum of weights, or NaN when a removal
    /// energy is not finite.
    /// </summary>
    private double CandidateLogWeights(int known, double knownDu)
    {
        int c = _candCount;
        if (_gammaBeta == 0)
        {
            for (int i = 0; i < c; i++) _logWeight[i] = 0;
            return Math.Log(c);
        }
        double max = double.NegativeInfinity;
        for (int i = 0; i < c; i++)
        {
            double du;
            if (i == known) du = knownDu;
            else
            {
                du = _backend.ProposeRemove(_cand[i]);
                _backend.Reject();
            }
            if (!double.IsFinite(du)) return double.NaN;
            double lw = -_gammaBeta * du;
            _logWeight[i] = lw;
            if (lw > max) max = lw;
        }
        double sum = 0;
        for (int i = 0; i < c; i++) sum += Math.Exp(_logWeight[i] - max);
        return max + Math.Log(sum);
    }

    /// <summary>
    /// Evaluates the insertion of a bead at (x, y, z) chosen through target <paramref name="t"/>: returns
    /// ln of the acceptance ratio (the acceptance probability is min(1, exp of it)), or -infinity when the
    /// move is impossible (size limit, criterion, hard core, non-finite energy). Leaves the insertion
    /// pending: call <see cref="CompleteInsertion"/>.
    /// </summary>
    internal double EvaluateInsertion(int t, double x, double y, double z)
    {
        int n = _backend.Count;
        _pendingIndex = -1;
        if (n >= _max) return double.NegativeInfinity;
        if (_criterion.CheckInsert(x, y, z) != CriterionResult.Ok) return double.NegativeInfinity;
        double dE = _backend.ProposeInsert(x, y, z);
        if (!double.IsFinite(dE)) { _backend.Reject(); return double.NegativeInfinity; }
        _backend.Accept(); // tentatively: the reverse selection needs the state after the insertion
        _pendingIndex = n;
        _pendingDe = dE;
        int c = CollectCandidates(t);
        int self = -1;
        for (int i = 0; i < c; i++) if (_cand[i] == n) { self = i; break; }
        if (self < 0) { _pendingLnAcc = double.NegativeInfinity; return _pendingLnAcc; } // outside t's region (rounding at a surface)
        double lnSum = CandidateLogWeights(self, -dE);
        if (double.IsNaN(lnSum)) { _pendingLnAcc = double.NegativeInfinity; return _pendingLnAcc; }
        double lnPsel = _logWeight[self] - lnSum;
        _pendingLnAcc = -_beta * dE + Math.Log((double)n / (n + 1)) + _lnVin + _lnRho + lnPsel + W(n + 1) - W(n);
        return _pendingLnAcc;
    }

    /// <summary>Keeps (accept) or undoes the pending insertion.</summary>
    internal void CompleteInsertion(bool accept)
    {
        if (_pendingIndex < 0) return;
        int k = _pendingIndex;
        _pendingIndex = -1;
        if (accept)
        {
            var p = _backend.Positions;
            _criterion.CommitInsert(p[3 * k], p[3 * k + 1], p[3 * k + 2]);
        }
        else
        {
            _backend.ProposeRemove(k);
            _backend.Accept();
        }
    }

    /// <summary>
    /// The removal choice around target <paramref name="t"/>: the candidate beads and their selection
    /// probabilities (the bias needs one backend proposal per candidate). Empty when t has no candidate.
    /// </summary>
    internal (int[] Beads, double[] Probabilities) RemovalChoice(int t)
    {
        int c = CollectCandidates(t);
        if (c == 0) return ([], []);
        double lnSum = CandidateLogWeights(-1, 0);
        var beads = _cand.AsSpan(0, c).ToArray();
        var probs = new double[c];
        for (int i = 0; i < c; i++) probs[i] = double.IsNaN(lnSum) ? double.NaN : Math.Exp(_logWeight[i] - lnSum);
        return (beads, probs);
    }

    /// <summary>
    /// Chooses (with <paramref name="u"/> uniform in [0, 1); or the given <paramref name="forced"/> bead)
    /// a bead to remove around target <paramref name="t"/> and evaluates the removal: returns ln of the
    /// acceptance ratio or -infinity when impossible; the chosen bead in <paramref name="chosen"/>. When finite, the
    /// removal is pending in the backend: call <see cref="CompleteRemoval"/>.
    /// </summary>
    internal double EvaluateRemoval(int t, double u, out int chosen, int forced = -1)
    {
        int n = _backend.Count;
        chosen = -1;
        _pendingIndex = -1;
        if (n <= _min) return double.NegativeInfinity;
        int c = CollectCandidates(t);
        if (c == 0) return double.NegativeInfinity;
        double lnSum = CandidateLogWeights(-1, 0);
        if (double.IsNaN(lnSum)) return double.NegativeInfinity;
        int pick = -1;
        if (forced >= 0)
        {
            for (int i = 0; i < c; i++) if (_cand[i] == forced) { pick = i; break; }
            if (pick < 0) return double.NegativeInfinity;
        }
        else
        {
            double acc = 0;
            pick = c - 1;
            for (int i = 0; i < c; i++)
            {
                acc += Math.Exp(_logWeight[i] - lnSum);
                if (u < acc) { pick = i; break; }
            }
        }
        int j = _cand[pick];
        chosen = j;
        double lnPsel = _logWeight[pick] - lnSum;
        if (_criterion.CheckRemove(j) != CriterionResult.Ok) return double.NegativeInfinity;
        double dE = _backend.ProposeRemove(j);
        if (!double.IsFinite(dE)) { _backend.Reject(); return double.NegativeInfinity; }
        _pendingIndex = j;
        _pendingDe = dE;
        _pendingLnAcc = -_beta * dE + Math.Log((double)n / (n - 1)) - _lnVin - _lnRho - lnPsel + W(n - 1) - W(n);
        return _pendingLnAcc;
    }

    /// <summary>Commits or drops the pending removal.</summary>
    internal void CompleteRemoval(bool accept)
    {
        if (_pendingIndex < 0) return;
        int j = _pendingIndex;
        _pendingIndex = -1;
        if (accept) { _backend.Accept(); _criterion.CommitRemove(j); }
        else _backend.Reject();
    }

    /// <summary>
    /// Runs <paramref name="equilibrationPeriods"/> + <paramref name="productionPeriods"/> umbrella periods from
    /// the loaded state (see <see cref="Load"/>); returns the production periods. The step is tuned during
    /// equilibration only; the bias adapts after every period: w(n) -= ln(H(n) / H_max) (unvisited bins
    /// count as H = 1), shifted so w(MinSize) = 0.
    /// </summary>
    public (List<UmbrellaPeriod> Periods, WalkerStats Stats) Run(ref McRandom rng, int equilibrationPeriods, int productionPeriods,
        Action<long>? stepsDone = null, CancellationToken cancellation = default)
    {
        if (_backend.Count < _min) throw new InvalidOperationException("load a start configuration first");
        var s = _s;
        int bins = _max - _min + 1;
        var periods = new List<UmbrellaPeriod>(productionPeriods);
        double stepMax = s.CriterionDistance;
        var translation = new MetropolisRule(_beta);
        _chain.Step = s.MaxStep;
        long insAtt = 0, insAcc = 0, remAtt = 0, remAcc = 0, trAtt = 0, trAcc = 0, steps = 0;
        long winAtt = 0, winAcc = 0;
        var tm = TransitionSums.Empty(bins);
        var tmAll = TransitionSums.Empty(bins); // every period: drives the umbrella (valid for any bias)
        double maxDrift = 0, radius = Math.Sqrt(_r2);
        int totalPeriods = equilibrationPeriods + productionPeriods;
        for (int period = 0; period < totalPeriods; period++)
        {
            bool equilibrating = period < equilibrationPeriods;
            var hist = new long[bins];
            var weightsUsed = (double[])_w.Clone();
            for (int st = 0; st < s.StepsPerPeriod; st++)
            {
                int n = _backend.Count;
                double u = rng.NextDouble();
                if (u < s.SwapFraction)
                {
                    if (u < 0.5 * s.SwapFraction)
                    {
                        insAtt++;
                        int t = rng.NextInt(n);
                        ShellPoint(ref rng, radius, out double bx, out double by, out double bz);
                        var p = _backend.Positions;
                        double lnAcc = EvaluateInsertion(t, p[3 * t] + bx, p[3 * t + 1] + by, p[3 * t + 2] + bz);
                        bool ok = lnAcc >= 0 || (lnAcc > double.NegativeInfinity && rng.NextDouble() < Math.Exp(lnAcc));
                        CompleteInsertion(ok);
                        if (ok) insAcc++;
                        if (n < _max) RecordTransition(tmAll, equilibrating ? null : tm, n, +1, lnAcc);
                    }
                    else
                    {
                        remAtt++;
                        int t = rng.NextInt(n);
                        double lnAcc = EvaluateRemoval(t, rng.NextDouble(), out _);
                        bool ok = lnAcc >= 0 || (lnAcc > double.NegativeInfinity && rng.NextDouble() < Math.Exp(lnAcc));
                        CompleteRemoval(ok);
                        if (ok) remAcc++;
                        if (n > _min) RecordTransition(tmAll, equilibrating ? null : tm, n, -1, lnAcc);
                    }
                }
                else if (n > 1)
                {
                    trAtt++;
                    bool ok = _chain.Translate(ref rng, ref translation);
                    if (ok) trAcc++;
                    if (equilibrating) { winAtt++; if (ok) winAcc++; }
                }
                hist[_backend.Count - _min]++;
                steps++;
                if (s.ResyncEvery > 0 && steps % s.ResyncEvery == 0)
                {
                    _chain.Resync(out double drift);
                    maxDrift = Math.Max(maxDrift, drift);
                }
                if ((st & 1023) == 1023) { stepsDone?.Invoke(1024); cancellation.ThrowIfCancellationRequested(); }
            }
            stepsDone?.Invoke(s.StepsPerPeriod & 1023);
            if (equilibrating && winAtt > 0)
            {
                _chain.Step = McShared.Tune(_chain.Step, winAcc, winAtt, 0.5, 1e-3, stepMax);
                winAtt = winAcc = 0;
            }
            if (!equilibrating) periods.Add(new UmbrellaPeriod(weightsUsed, hist));
            if (_s.TransitionMatrixBias) AdaptWeights(hist, tmAll); else AdaptWeights(hist);
        }
        return (periods, new WalkerStats
        {
            Steps = steps, InsertAttempts = insAtt, InsertAccepted = insAcc, RemoveAttempts = remAtt, RemoveAccepted = remAcc,
            TranslateAttempts = trAtt, TranslateAccepted = trAcc, MaxResyncDrift = maxDrift, FinalStep = _chain.Step, Transitions = tm,
        });
    }

    /// <summary>
    /// Adds one insertion (<paramref name="direction"/> +1) or removal (-1) attempt made at size <paramref name="n"/>
    /// to the transition sums: its unbiased acceptance min(1, r exp(-(w(n') - w(n)))), 0 when impossible.
    /// </summary>
    private void RecordTransition(TransitionSums all, TransitionSums? production, int n, int direction, double lnAcc)
    {
        double a0 = lnAcc > double.NegativeInfinity ? Math.Exp(Math.Min(0, lnAcc - (W(n + direction) - W(n)))) : 0;
        all.Add(n - _min, direction, a0);
        production?.Add(n - _min, direction, a0);
    }

    /// <summary>A point uniform in the shell r_in &lt;= |b| &lt; R (the whole ball of radius R when r_in = 0), A.</summary>
    private void ShellPoint(ref McRandom rng, double radius, out double x, out double y, out double z)
    {
        rng.NextInUnitBall(out x, out y, out z);
        if (_rIn3 == 0) { x *= radius; y *= radius; z *= radius; return; }
        // Direction from the ball point (isotropic), radius by inverting the shell's r^3 distribution.
        double len = Math.Sqrt(x * x + y * y + z * z);
        while (len < 1e-9) { rng.NextInUnitBall(out x, out y, out z); len = Math.Sqrt(x * x + y * y + z * z); }
        double r = Math.Cbrt(_rIn3 + rng.NextDouble() * (radius * radius * radius - _rIn3)) / len;
        x *= r; y *= r; z *= r;
    }

    /// <summary>
    /// The umbrella from the transition-matrix estimate of everything sampled so far: w(n) = -(ln P(n) - ln P(MinSize)),
    /// which flattens the size histogram; sizes whose ratio is not known yet take ClassyMC's histogram rule.
    /// </summary>
    internal void AdaptWeights(long[] hist, TransitionSums all)
    {
        var lnP = all.LogProbabilities();
        AdaptWeights(hist);
        int k = 0;
        while (k < lnP.Length && double.IsFinite(lnP[k])) k++;
        if (k < 2) return; // nothing known beyond MinSize yet
        double shift = -lnP[k - 1] - _w[k - 1];
        for (int i = 0; i < _w.Length; i++) _w[i] = i < k ? -lnP[i] : _w[i] + shift;
    }

    /// <summary>ClassyMC's flattening rule: w(n) -= ln(H(n)/H_max), unvisited as H = 1; w(MinSize) = 0.</summary>
    internal void AdaptWeights(long[] hist)
    {
        long hMax = 0;
        foreach (var h in hist) hMax = Math.Max(hMax, h);
        if (hMax == 0) return;
        for (int i = 0; i < hist.Length; i++) _w[i] -= Math.Log(Math.Max(1, hist[i]) / (double)hMax);
        double w0 = _w[0];
        for (int i = 0; i < hist.Length; i++) _w[i] -= w0;
    }
}
