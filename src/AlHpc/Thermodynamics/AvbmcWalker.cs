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
    /// <summary>Hard core (A): configurations with a pair closer than this are outside the ensemble (0: none).</summary>
    public double MinPairDistance { get; init; } = 1.0;
    /// <summary>Radius R (A) of the aggregation sphere around the target; null: the criterion distance.</summary>
    public double? InsertionRadius { get; init; }
    /// <summary>Energy bias gamma of the removal choice: weight exp(-gamma beta dU_remove) (0: uniform, classic AVBMC).</summary>
    public double BiasStrength { get; init; } = 1.0;
    /// <summary>Probability that a step is an insertion or removal attempt (50/50); the rest are translations.</summary>
    public double SwapFraction { get; init; } = 0.3;
    /// <summary>Initial maximum displacement of a translation (A per coordinate), tuned during equilibration.</summary>
    public double MaxStep { get; init; } = 0.3;
    /// <summary>Steps per umbrella period (one histogram and one bias update per period).</summary>
    public int StepsPerPeriod { get; init; } = 20_000;
    /// <summary>Periods that adapt the bias and the step and are then discarded.</summary>
    public int EquilibrationPeriods { get; init; } = 6;
    /// <summary>Periods combined by WHAM (the bias keeps adapting between them).</summary>
    public int ProductionPeriods { get; init; } = 12;
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
    private readonly IMcEnergyBackend _backend;
    private readonly ClusterCriterion _criterion;
    private readonly double _beta, _gammaBeta, _r2, _lnVin, _lnRho;
    private readonly int _min, _max;
    private double[] _w;
    private int[] _cand = new int[64];
    private double[] _logWeight = new double[64];
    private int _candCount;
    private double _pendingDe, _pendingLnAcc;
    private int _pendingIndex = -1;
    private double[] _scratch = new double[48];

    /// <param name="settings">Validated here.</param>
    /// <param name="backend">Energy backend (owned by this walker while it runs).</param>
    /// <param name="minSize">Smallest size of the window (>= 1).</param>
    /// <param name="maxSize">Largest size of the window (>= minSize).</param>
    public AvbmcWalker(AvbmcSettings settings, IMcEnergyBackend backend, int minSize, int maxSize)
    {
        settings.Validate();
        if (minSize < 1 || maxSize < minSize) throw new ArgumentOutOfRangeException(nameof(maxSize), "need 1 <= minSize <= maxSize");
        _s = settings;
        _backend = backend;
        _min = minSize;
        _max = maxSize;
        _criterion = new ClusterCriterion(settings.CriterionDistance, settings.MinPairDistance);
        _beta = settings.Beta;
        _gammaBeta = settings.BiasStrength * _beta;
        double r = settings.Radius;
        _r2 = r * r;
        _lnVin = Math.Log(4.0 / 3.0 * Math.PI * r * r * r);
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
        if (_criterion.Reset(positions) != CriterionResult.Ok) return false;
        double e = _backend.Reset(positions);
        _pendingIndex = -1;
        return double.IsFinite(e);
    }

    private double W(int n) => _w[n - _min];

    /// <summary>Beads k != t within R of bead t (A) into _cand; returns their count.</summary>
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
            if (dx * dx + dy * dy + dz * dz < _r2) _cand[c++] = k;
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
        if (self < 0) { _pendingLnAcc = double.NegativeInfinity; return _pendingLnAcc; } // outside the sphere (rounding at the surface)
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
        double step = s.MaxStep, stepMax = s.CriterionDistance;
        long insAtt = 0, insAcc = 0, remAtt = 0, remAcc = 0, trAtt = 0, trAcc = 0, steps = 0;
        long winAtt = 0, winAcc = 0;
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
                        rng.NextInUnitBall(out double bx, out double by, out double bz);
                        var p = _backend.Positions;
                        double lnAcc = EvaluateInsertion(t, p[3 * t] + radius * bx, p[3 * t + 1] + radius * by, p[3 * t + 2] + radius * bz);
                        bool ok = lnAcc >= 0 || (lnAcc > double.NegativeInfinity && rng.NextDouble() < Math.Exp(lnAcc));
                        CompleteInsertion(ok);
                        if (ok) insAcc++;
                    }
                    else
                    {
                        remAtt++;
                        int t = rng.NextInt(n);
                        double lnAcc = EvaluateRemoval(t, rng.NextDouble(), out _);
                        bool ok = lnAcc >= 0 || (lnAcc > double.NegativeInfinity && rng.NextDouble() < Math.Exp(lnAcc));
                        CompleteRemoval(ok);
                        if (ok) remAcc++;
                    }
                }
                else if (n > 1)
                {
                    trAtt++;
                    int k = McShared.Displace(ref rng, _backend.Positions, n, step, out double x, out double y, out double z);
                    bool ok = false;
                    if (_criterion.CheckMove(k, x, y, z) == CriterionResult.Ok)
                    {
                        double dE = _backend.ProposeMove(k, x, y, z);
                        if (double.IsFinite(dE) && (dE <= 0 || rng.NextDouble() < Math.Exp(-_beta * dE)))
                        {
                            _backend.Accept();
                            _criterion.CommitMove(k, x, y, z);
                            ok = true;
                        }
                        else _backend.Reject();
                    }
                    if (ok) trAcc++;
                    if (equilibrating) { winAtt++; if (ok) winAcc++; }
                }
                hist[_backend.Count - _min]++;
                steps++;
                if (s.ResyncEvery > 0 && steps % s.ResyncEvery == 0) maxDrift = Math.Max(maxDrift, Resync());
                if ((st & 1023) == 1023) { stepsDone?.Invoke(1024); cancellation.ThrowIfCancellationRequested(); }
            }
            stepsDone?.Invoke(s.StepsPerPeriod & 1023);
            if (equilibrating && winAtt > 0)
            {
                step = McShared.Tune(step, winAcc, winAtt, 0.5, 1e-3, stepMax);
                winAtt = winAcc = 0;
            }
            if (!equilibrating) periods.Add(new UmbrellaPeriod(weightsUsed, hist));
            AdaptWeights(hist);
        }
        return (periods, new WalkerStats
        {
            Steps = steps, InsertAttempts = insAtt, InsertAccepted = insAcc, RemoveAttempts = remAtt, RemoveAccepted = remAcc,
            TranslateAttempts = trAtt, TranslateAccepted = trAcc, MaxResyncDrift = maxDrift, FinalStep = step,
        });
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

    /// <summary>Full recompute of the backend energy; returns |incremental - full| (eV).</summary>
    private double Resync()
    {
        int len = 3 * _backend.Count;
        if (_scratch.Length < len) _scratch = new double[2 * len];
        _backend.Positions.CopyTo(_scratch);
        double before = _backend.TotalEnergy;
        double full = _backend.Reset(_scratch.AsSpan(0, len));
        return Math.Abs(full - before);
    }
}
