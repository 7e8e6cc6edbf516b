using System.Diagnostics;
using System.Globalization;
using AlHpc.Network;

namespace AlHpc.Training;

/// <summary>
/// Levenberg-Marquardt training of an <see cref="NnModel"/> on total energies (docs/training.md).
/// <para>
/// Residual of structure s (N atoms), in scaled per-atom units: e_s = y_s - p_s with target
/// y_s = S (E_ref/N - c) and prediction p_s = (1/N) sum_i NN(Ĝ_i) - NN(Ĝ_0) with the isolated-atom anchor
/// (c = IsolatedAtomEnergy), or p_s = (1/N) sum_i NN(Ĝ_i) without it (c = EnergyShift). S = EnergyScale.
/// Jacobian row: de_s/dw = -(1/N) sum_i dNN(Ĝ_i)/dw (+ dNN(Ĝ_0)/dw with the anchor).
/// </para>
/// <para>
/// Optional force residuals (ForcesWeight wF &gt; 0): 3N more rows per structure,
/// f_{s,a,c} = sqrt(wF/(3N)) S (F_ref - F_NN)_{a,c}, computed by <see cref="ForceResiduals"/>; the
/// objective is then sum_s e_s^2 + wF sum_s mean_{a,c} [S (F_ref - F_NN)]^2. Selection stays the held-out
/// energy MAE. With ForceProjections R &gt; 0 the 3N rows of a structure are replaced in the LM steps by R random
/// projections sqrt(wF/(3N R)) v_r · S (F_ref - F_NN), Rademacher v_r drawn from (seed, epoch, structure, r): an
/// unbiased estimate of the same force term (the recorded force MAEs stay the exact ones).
/// </para>
/// <para>
/// Each step: residuals and Jacobian of one batch at w, then trials w + dw(mu) on that SAME batch; a
/// trial whose batch sum of squares is not larger (and finite) is accepted and mu /= adjust, otherwise
/// mu *= adjust and retry, at most MaxRetries times, after which the batch is skipped (w unchanged).
/// mu stays within [MuMin, MuMax]. The returned network is the one of the epoch with the lowest held-out
/// MAE (training MAE when nothing is held out), epoch 0 (the start) included.
/// </para>
/// </summary>
public static class LmTrainer
{
    /// <summary>
    /// Trains on <paramref name="set"/>. With <paramref name="init"/> (warm start) its network and anchor
    /// setting are kept and its weights are the starting point; so is its descriptor and energy scaling unless
    /// settings.RefitStartScaling, which fits the scaling to the training split as a fresh start does (the start
    /// network re-expressed in it, same energies). The model given is not modified. Otherwise a fresh network
    /// (<see cref="Architecture"/>) is initialised from settings.Seed and the scaling is computed from the training split.
    /// <paramref name="progress"/> is called after every epoch (and for epoch 0) on the calling thread.
    /// </summary>
    public static TrainingResult Train(TrainingSet set, TrainingSettings? options = null, NnModel? init = null,
        Action<EpochRecord>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        options ??= new TrainingSettings();
        options.Validate();
        if (init != null && init.Setup.Count != set.FeatureCount)
            throw new ArgumentException($"the initial model has {init.Setup.Count} descriptors but the training set has {set.FeatureCount}");
        using var session = new LmSession(set, options, init);
        return session.Run(progress, cancellation);
    }

    /// <summary>For tests: a session to drive directly (see its test hooks).</summary>
    internal static LmSession CreateSession(TrainingSet set, TrainingSettings options, NnModel? init = null)
    {
        options.Validate();
        return new LmSession(set, options, init);
    }

    /// <summary>
    /// The network a training trains: the start model's (<paramref name="init"/>, warm start), else a fresh one
    /// with <paramref name="inputs"/> inputs, settings.HiddenLayers with settings.Activation, and one linear output
    /// (weights zero until initialised). The one place the architecture is decided (CPU and device paths alike).
    /// </summary>
    public static NeuralNetwork Architecture(TrainingSettings settings, int inputs, NnModel? init = null)
    {
        if (init != null) return init.Network;
        int[] sizes = [inputs, .. settings.HiddenLayers, 1];
        var acts = new Activation[sizes.Length - 1];
        acts.AsSpan().Fill(settings.HiddenActivation());
        acts[^1] = Activation.Linear;
        return new NeuralNetwork(sizes, acts);
    }

    /// <summary>
    /// The seeded held-out split used by <see cref="Train"/>: n_hold = 0 for one structure (or fraction 0),
    /// otherwise round(fraction * n) clamped to [1, n - 1]. Both index lists ascending.
    /// </summary>
    public static (int[] Train, int[] Holdout) Split(int count, double fraction, int seed)
    {
        int nHold = count < 2 || fraction <= 0 ? 0 : Math.Clamp((int)Math.Round(fraction * count, MidpointRounding.AwayFromZero), 1, count - 1);
        var perm = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(perm);
        var hold = perm[..nHold];
        var train = perm[nHold..];
        Array.Sort(hold);
        Array.Sort(train);
        return (train, hold);
    }

    /// <summary>
    /// The split with the given held-out structures (<paramref name="holdout"/>: distinct indices in
    /// [0, count)); at least one structure must remain for training. Both index lists ascending.
    /// </summary>
    public static (int[] Train, int[] Holdout) SplitGiven(int count, IReadOnlyCollection<int> holdout)
    {
        var isHeld = new bool[count];
        foreach (int i in holdout)
        {
            if (i < 0 || i >= count) throw new ArgumentException($"held-out index {i} is outside the training set (0..{count - 1})");
            if (isHeld[i]) throw new ArgumentException($"held-out index {i} is given twice");
            isHeld[i] = true;
        }
        if (holdout.Count >= count) throw new ArgumentException("every structure is held out: nothing left to train on");
        var train = new int[count - holdout.Count];
        var hold = new int[holdout.Count];
        for (int i = 0, t = 0, h = 0; i < count; i++)
            if (isHeld[i]) hold[h++] = i; else train[t++] = i;
        return (train, hold);
    }

    /// <summary>
    /// Batch size for a training split of <paramref name="trainCount"/> structures: BatchSize 0 = all;
    /// fewer structures than BatchSize: SmallPoolBatchSize (0 = all), capped at the count; else BatchSize.
    /// </summary>
    public static int EffectiveBatchSize(int trainCount, TrainingSettings options)
    {
        if (trainCount < 1) return 0;
        if (options.BatchSize == 0) return trainCount;
        if (trainCount < options.BatchSize)
            return options.SmallPoolBatchSize == 0 ? trainCount : Math.Min(options.SmallPoolBatchSize, trainCount);
        return options.BatchSize;
    }

    /// <summary>
    /// Energy scaling of per-atom energies u_s = E_s/N_s (eV): S = 2 / (max u - min u) and centre
    /// (max u + min u)/2, as aenet. When the range is below 1e-9 eV (one structure, or equal energies), S
    /// cannot come from the range: then S = 1 / |u - E_iso| with the anchor (the one target becomes +-1;
    /// S = 1 if that is 0 too), S = 1 without it.
    /// </summary>
    public static (double Scale, double Centre) EnergyScaling(ReadOnlySpan<double> perAtomEnergies, bool anchor, double isolatedAtomEnergy)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var u in perAtomEnergies) { lo = Math.Min(lo, u); hi = Math.Max(hi, u); }
        double centre = 0.5 * (lo + hi);
        double range = hi - lo;
        if (range > 1e-9) return (2.0 / range, centre);
        if (anchor)
        {
            double d = Math.Abs(centre - isolatedAtomEnergy);
            return (d > 1e-9 ? 1.0 / d : 1.0, centre);
        }
        return (1.0, centre);
    }

    internal static string F(double x) => x.ToString("G9", CultureInfo.InvariantCulture);
}

/// <summary>One training run: preallocated buffers, parallel Jacobian/residual jobs, the epoch loop.</summary>
internal sealed class LmSession : IDisposable
{
    private readonly TrainingSet _set;
    private readonly TrainingSettings _opt;
    private readonly double _cap;             // selection cap, meV/molecule (+infinity: plain MAE)
    private readonly IJacobianBuilder? _builder; // device path (owned)
    private readonly NnModel _model;          // scaling and the start network
    private readonly NeuralNetwork _net;      // the weights in training (a copy of _model.Network's)
    private readonly NeuralNetwork _trialNet;
    private readonly bool _anchor;
    private readonly double _scale;           // S
    private readonly double _centre;          // c
    private readonly int _f;                  // features
    private readonly int _p;                  // weights
    private readonly double[] _x;             // scaled descriptors
    private readonly double[] _y;             // scaled targets per structure
    private readonly double[] _z0;            // scaled all-zero descriptor vector
    private readonly int[] _train;
    private readonly int[] _hold;
    private readonly int _batch;
    private readonly int _threads;
    private readonly ParallelOptions _parallel;
    private readonly NetworkWorkspace _ws0;
    private readonly double[] _g0;            // dNN(Ĝ_0)/dw
    private readonly double[] _jac;           // batch x p
    private readonly double[] _e;             // batch residuals at w
    private readonly double[] _eTrial;        // batch residuals at w + dw
    private readonly double[] _eTrain;        // residuals of the training split
    private readonly double[] _eHold;         // residuals of the held-out split
    private readonly double[] _eTrainByStructure; // full-batch residuals indexed by structure
    private readonly double[] _dw;
    private readonly bool _warm;
    private readonly int[] _order;
    private readonly LevenbergMarquardt _lm;
    private readonly Action<int> _chunkJob;
    private readonly NetworkBlockEvaluator[] _evalsNet;
    private readonly NetworkBlockEvaluator[] _evalsTrial;
    private NetworkBlockEvaluator[] _evals = [];
    private readonly double[] _pred = [];    // predictions from the device builder

    // force residuals (ForcesWeight > 0): rows after the energy rows, 3N per structure
    private readonly bool _withForces;
    private readonly double _forcesWeight;    // wF
    private readonly double[] _invStd = [];   // 1 / descriptor std
    private readonly ForceResiduals[] _forceWs = [];
    private readonly double[][] _qBuf = [];   // per thread: 3 x atoms of one structure
    private readonly int[] _rowStart = [];    // first force row of each structure of the current job
    // random force projections (ForceProjections R > 0 with forces): R rows per structure in the LM steps
    private readonly int _projections;        // R (0: the exact 3N rows)
    private readonly double[][] _signBuf = []; // per thread: R x 3 x atoms of one structure (+-1)
    private int _drawEpoch;                   // the epoch whose projections the LM steps use

    // current parallel job
    private int[] _jobRows = [];
    private int _jobStart, _jobCount, _jobChunks;
    private bool _jobJacobian;
    private bool _jobProjected;
    private NeuralNetwork _jobNet = null!;
    private double _jobNn0;
    private double[] _jobOut = [];

    public LmSession(TrainingSet set, TrainingSettings opt, NnModel? init)
    {
        _set = set;
        _opt = opt;
        _cap = opt.EffectiveSelectionCapMeV();
        _f = set.FeatureCount;
        (_train, _hold) = opt.HoldoutIndices is { } given
            ? LmTrainer.SplitGiven(set.StructureCount, given)
            : LmTrainer.Split(set.StructureCount, opt.HoldoutFraction, opt.Seed);
        int n = set.StructureCount;

        if (init != null && !opt.RefitStartScaling)
        {
            _model = init;
            _anchor = _model.AnchorIsolatedAtom;
            _scale = _model.EnergyScale;
            _centre = _anchor ? _model.IsolatedAtomEnergy : _model.EnergyShift;
            if (!(_scale > 0) || !double.IsFinite(_scale)) throw new ArgumentException("the initial model has an invalid energy scale");
        }
        else
        {
            // scaling from the training split, for a fresh network and for a re-scaled start network alike
            _anchor = init?.AnchorIsolatedAtom ?? opt.AnchorIsolatedAtom;
            double isolated = init?.IsolatedAtomEnergy ?? opt.IsolatedAtomEnergy;
            var (mean, std) = DescriptorStatistics(set, _train);
            var u = new double[_train.Length];
            for (int k = 0; k < _train.Length; k++) u[k] = set.Energies[_train[k]] / set.SizeOf(_train[k]);
            var (s, c) = LmTrainer.EnergyScaling(u, _anchor, isolated);
            if (init != null)
                // the start network re-expressed in the new scaling: the same energies (the first layer absorbs the
                // descriptor z-score, the linear output layer the energy scale and shift)
                _model = init.WithScaling(mean, std, s, _anchor ? init.EnergyShift : c);
            else
            {
                var net = LmTrainer.Architecture(opt, _f);
                net.InitializeRandom(opt.Seed);
                _model = new NnModel(set.Setup, net, mean, std)
                {
                    AnchorIsolatedAtom = _anchor,
                    IsolatedAtomEnergy = isolated,
                    EnergyScale = s,
                    EnergyShift = c,
                };
            }
            _scale = s;
            _centre = _anchor ? isolated : c;
        }
        _net = _model.Network.Clone(); // the session trains its own copy; models are immutable
        _trialNet = _net.Clone();
        _p = _net.WeightCount;
        _forcesWeight = opt.ForcesWeight;
        _withForces = _forcesWeight > 0;
        _projections = _withForces ? opt.ForceProjections : 0;
        if (_withForces && !set.HasForces)
            throw new ArgumentException("force training (forces weight > 0) needs a training set with reference forces and descriptor derivatives, e.g. TrainingSet.FromClusters(..., withForces: true)");

        _x = (double[])set.Descriptors.Clone();
        _model.ScaleDescriptors(_x);
        _z0 = new double[_f];
        _model.ScaleDescriptors(_z0);
        _y = new double[n];
        for (int s = 0; s < n; s++) _y[s] = _scale * (set.Energies[s] / set.SizeOf(s) - _centre);

        _batch = LmTrainer.EffectiveBatchSize(_train.Length, opt);
        _threads = opt.Threads > 0 ? opt.Threads : Environment.ProcessorCount;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        int maxAtoms = set.MaxStructureSize;
        _ws0 = _net.CreateWorkspace(1);
        _g0 = new double[_p];
        // rows of the largest batch: 1 per structure, plus 3N force rows (or R projections) per structure when training forces
        int maxRows = Math.Max(1, _batch + (!_withForces ? 0 : _projections > 0 ? _projections * _batch : 3 * LargestAtoms(_train, _batch)));
        if ((long)maxRows * _p > Array.MaxLength)
            throw new ArgumentException($"the Jacobian of a batch ({maxRows} rows x {_p} weights) is too large; use a smaller batch");
        _jac = new double[maxRows * _p];
        _e = new double[maxRows];
        _eTrial = new double[maxRows];
        _eTrain = new double[_train.Length + (_withForces ? 3 * AtomsOf(_train) : 0)];
        _eHold = new double[_hold.Length + (_withForces ? 3 * AtomsOf(_hold) : 0)];
        _dw = new double[_p];
        _eTrainByStructure = new double[n];
        _warm = init != null;
        _order = (int[])_train.Clone();
        _lm = new LevenbergMarquardt(maxRows, _p, _threads);
        if (_withForces)
        {
            _invStd = new double[_f];
            for (int k = 0; k < _f; k++) _invStd[k] = 1.0 / _model.DescriptorStd[k];
            _forceWs = new ForceResiduals[_threads];
            _qBuf = new double[_threads][];
            for (int t = 0; t < _threads; t++)
            {
                _forceWs[t] = new ForceResiduals(_net.LayerSizes);
                _qBuf[t] = new double[3 * maxAtoms];
            }
            if (_projections > 0)
            {
                _signBuf = new double[_threads][];
                for (int t = 0; t < _threads; t++) _signBuf[t] = new double[_projections * 3 * maxAtoms];
            }
            _rowStart = new int[Math.Max(_batch, Math.Max(_train.Length, _hold.Length)) + 1];
        }
        _chunkJob = RunChunk;
        if (opt.JacobianBuilder is { } make)
        {
            _builder = make(set.Setup, _net);
            _builder.SetData(set.Descriptors, set.Offsets, _f, _model.DescriptorMean.ToArray(), _model.DescriptorStd.ToArray());
            _pred = new double[Math.Max(_batch, Math.Max(_train.Length, _hold.Length))];
        }
        int block = Math.Max(512, maxAtoms);
        _evalsNet = new NetworkBlockEvaluator[_threads];
        _evalsTrial = new NetworkBlockEvaluator[_threads];
        for (int t = 0; t < _threads; t++)
        {
            _evalsNet[t] = new NetworkBlockEvaluator(_net, block, block);
            _evalsTrial[t] = new NetworkBlockEvaluator(_trialNet, block, block);
        }
    }

    public void Dispose() => _builder?.Dispose();

    private int AtomsOf(int[] structures)
    {
        int atoms = 0;
        foreach (int s in structures) atoms += _set.SizeOf(s);
        return atoms;
    }

    /// <summary>Atoms of the <paramref name="count"/> largest of <paramref name="structures"/> (a bound for any batch of that many).</summary>
    private int LargestAtoms(int[] structures, int count) =>
        structures.Select(_set.SizeOf).OrderDescending().Take(count).Sum();

    // ---- test hooks ----
    internal double[] JacobianBuffer => _jac;
    internal NeuralNetwork Net => _net;
    internal int[] TrainIndices => _train;
    internal int[] HoldoutIndices => _hold;
    internal double Scale => _scale;
    internal NnModel Model => _model;

    /// <summary>Called for every trial: (rows, start, count, weights before, trial weights, accepted), before the weights change.</summary>
    internal Action<int[], int, int, double[], double[], bool>? TrialObserver { get; set; }

    /// <summary>
    /// Residual rows of the given structures (energy rows first, then 3N force rows each when training forces, or with
    /// <paramref name="projected"/> the R projections of <see cref="DrawEpoch"/> as the LM steps use them); returns the row count.
    /// </summary>
    internal int ComputeResiduals(int[] rows, double[] e, bool projected = false) =>
        RunJob(jacobian: false, rows, 0, rows.Length, _net, Nn0(_net), e, projected);

    /// <summary>Residuals and Jacobian rows (into <see cref="JacobianBuffer"/>) of the given structures; returns the row count.</summary>
    internal int ComputeJacobian(int[] rows, double[] e, bool projected = false)
    {
        if (RowCount(rows, projected) > _e.Length) throw new ArgumentException("more rows than the batch buffer");
        double nn0 = Nn0Gradient(_net);
        return RunJob(jacobian: true, rows, 0, rows.Length, _net, nn0, e, projected);
    }

    /// <summary>Residual rows of the given structures: one each, plus 3N each when training forces (R each when projected).</summary>
    internal int RowCount(int[] rows, bool projected = false) =>
        rows.Length + (!_withForces ? 0 : projected && _projections > 0 ? _projections * rows.Length : 3 * AtomsOf(rows));

    /// <summary>For tests: the epoch whose projections the next LM step (and the projected test hooks) use.</summary>
    internal int DrawEpoch { get => _drawEpoch; set => _drawEpoch = value; }

    /// <summary>For tests: the signs v_r (3N) of projection r of structure s in the current <see cref="DrawEpoch"/>.</summary>
    internal void ProjectionSigns(int s, int r, Span<double> v) => ForceProjection.Signs(_opt.Seed, _drawEpoch, s, r, v[..(3 * _set.SizeOf(s))]);

    /// <summary>For tests: the network forces (eV/A) of structure s through the trainer's force path, F = -q/S.</summary>
    internal void PredictForces(int s, Span<double> forces)
    {
        if (!_withForces) throw new InvalidOperationException("the session does not train forces");
        int a0 = _set.Offsets[s], n = _set.SizeOf(s);
        var q = _qBuf[0].AsSpan(0, 3 * n);
        _forceWs[0].Predict(_net, _x.AsSpan(a0 * _f, n * _f), _set.Derivatives![s], _invStd, q);
        for (int k = 0; k < 3 * n; k++) forces[k] = -q[k] / _scale;
    }

    // z-score statistics over the atoms of the given structures, in their order (NnModel's definition)
    private static (double[] Mean, double[] Std) DescriptorStatistics(TrainingSet set, int[] structures)
    {
        int f = set.FeatureCount, atoms = 0;
        foreach (int s in structures) atoms += set.SizeOf(s);
        var rows = new double[atoms * f];
        int at = 0;
        foreach (int s in structures)
        {
            set.Descriptors.AsSpan(set.Offsets[s] * f, set.SizeOf(s) * f).CopyTo(rows.AsSpan(at));
            at += set.SizeOf(s) * f;
        }
        return NnModel.DescriptorStatistics(rows, f);
    }

    public TrainingResult Run(Action<EpochRecord>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var curve = new List<EpochRecord>(Math.Min(_opt.Epochs, 100_000) + 1);
        var best = _net.Weights.ToArray();
        var shuffle = new Random(unchecked(_opt.Seed * 31 + 7));
        double mu = Math.Clamp(_opt.Mu, _opt.MuMin, _opt.MuMax);
        bool hasHold = _hold.Length > 0;

        double nn0 = Nn0(_net);
        var rec = Evaluate(0, mu, clock, 0, 0, nn0, trainKnown: false);
        curve.Add(rec);
        progress?.Invoke(rec);
        var bestRec = rec;
        double bestSel = SelectionScore(hasHold ? _eHold.AsSpan(0, _hold.Length) : _eTrain.AsSpan(0, _train.Length));
        int bestEpoch = 0;
        int sinceBest = 0;
        bool stoppedEarly = false;

        for (int epoch = 1; epoch <= _opt.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            var (accepted, rejected, trainKnown) = Epoch(shuffle, ref mu, epoch);
            rec = Evaluate(epoch, mu, clock, accepted, rejected, Nn0(_net), trainKnown);
            curve.Add(rec);
            progress?.Invoke(rec);
            double sel = SelectionScore(hasHold ? _eHold.AsSpan(0, _hold.Length) : _eTrain.AsSpan(0, _train.Length));
            // with a cap, capped scores can tie (every held-out error above the cap): the plain MAE decides then
            bool better = sel < bestSel
                || (sel == bestSel && double.IsFinite(_cap)
                    && (hasHold ? rec.HoldoutMae < bestRec.HoldoutMae : rec.TrainMae < bestRec.TrainMae));
            if (better || (epoch == _opt.FirstSelectableEpoch && _opt.FirstSelectableEpoch > 0))
            {
                bestSel = sel;
                bestRec = rec;
                bestEpoch = epoch;
                Array.Copy(_net.Weights, best, _p);
                sinceBest = 0;
            }
            else if (_opt.EarlyStopEpochs > 0 && ++sinceBest >= _opt.EarlyStopEpochs)
            {
                stoppedEarly = true;
                break;
            }
        }

        var trained = _model.WithWeights(best);
        var provenance = new Dictionary<string, string>(_model.Provenance)
        {
            ["trainer"] = "AlHpc Levenberg-Marquardt",
            [ModelFile.Keys.TrainingSetHash] = _set.ContentHash(),
            [ModelFile.Keys.Created] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            [ModelFile.Keys.ProgramVersion] = ModelFile.ProgramVersion,
            ["structures_train"] = _train.Length.ToString(CultureInfo.InvariantCulture),
            ["structures_holdout"] = _hold.Length.ToString(CultureInfo.InvariantCulture),
            ["epochs_run"] = (curve.Count - 1).ToString(CultureInfo.InvariantCulture),
            ["best_epoch"] = bestEpoch.ToString(CultureInfo.InvariantCulture),
            ["train_mae_meV_per_molecule"] = LmTrainer.F(bestRec.TrainMae),
            ["holdout_mae_meV_per_molecule"] = LmTrainer.F(bestRec.HoldoutMae),
            ["batch_size"] = _batch.ToString(CultureInfo.InvariantCulture),
            ["initial_mu"] = LmTrainer.F(_opt.Mu),
            ["seed"] = _opt.Seed.ToString(CultureInfo.InvariantCulture),
            ["warm_start"] = _warm ? "yes" : "no",
            ["forces_weight"] = LmTrainer.F(_forcesWeight),
        };
        if (_projections > 0) provenance["force_projections"] = _projections.ToString(CultureInfo.InvariantCulture);
        if (_withForces)
        {
            provenance["train_force_mae_meV_per_A"] = LmTrainer.F(bestRec.TrainForceMae);
            provenance["holdout_force_mae_meV_per_A"] = LmTrainer.F(bestRec.HoldoutForceMae);
        }
        var model = (trained with
        {
            EnergyScale = _scale,
            EnergyShift = _anchor ? _model.IsolatedAtomEnergy - Nn0(trained.Network) / _scale : _centre,
        }).WithProvenance(provenance);
        return new TrainingResult(model, bestEpoch, bestRec, curve, _train, _hold, _batch, stoppedEarly, clock.Elapsed.TotalSeconds);
    }


    /// <summary>One epoch of LM steps over the shuffled training split; (accepted, rejected, training residuals known).</summary>
    private (int Accepted, int Rejected, bool TrainKnown) Epoch(Random shuffle, ref double mu, int epoch)
    {
        shuffle.Shuffle(_order);
        // the force projections of this epoch: the same for a step's Jacobian, its trial and its retries
        _drawEpoch = epoch;
        int accepted = 0, rejected = 0;
        bool fullBatch = _batch == _train.Length;
        bool trainKnown = false;
        for (int start = 0; start < _order.Length; start += _batch)
        {
            int m = Math.Min(_batch, _order.Length - start);
            double nn0 = Nn0Gradient(_net);
            // rows: m energy rows, then (forces) 3N force rows per structure; the objective is over all of them
            int rowCount = RunJob(jacobian: true, _order, start, m, _net, nn0, _e, projected: true);
            double sse0 = SumSquares(_e.AsSpan(0, rowCount));
            _lm.Prepare(_jac, rowCount, _e.AsSpan(0, rowCount), _opt.Form);
            bool ok = false;
            for (int attempt = 0; attempt <= _opt.MaxRetries; attempt++)
            {
                _lm.Solve(mu, _dw);
                var w = _net.Weights;
                var wt = _trialNet.Weights;
                for (int k = 0; k < _p; k++) wt[k] = w[k] + _dw[k];
                double nn0t = Nn0(_trialNet);
                RunJob(jacobian: false, _order, start, m, _trialNet, nn0t, _eTrial, projected: true);
                double sse = SumSquares(_eTrial.AsSpan(0, rowCount));
                bool accept = double.IsFinite(sse) && sse <= sse0;
                TrialObserver?.Invoke(_order, start, m, w, wt, accept);
                if (accept)
                {
                    Array.Copy(wt, w, _p);
                    mu = Math.Max(mu / _opt.MuAdjust, _opt.MuMin);
                    accepted++;
                    ok = true;
                    break;
                }
                mu = Math.Min(mu * _opt.MuAdjust, _opt.MuMax);
                rejected++;
            }
            if (fullBatch)
            {
                // the batch is the whole (shuffled) training split: its residuals at the final weights are known
                var src = ok ? _eTrial : _e;
                for (int k = 0; k < m; k++) _eTrainByStructure[_order[k]] = src[k];
                trainKnown = true;
            }
        }
        if (trainKnown)
            for (int k = 0; k < _train.Length; k++) _eTrain[k] = _eTrainByStructure[_train[k]];
        return (accepted, rejected, trainKnown);
    }

    private Random? _benchShuffle;
    private double _benchMu;
    private int _benchEpoch;

    /// <summary>For benchmarks: one epoch plus its evaluation (as in <see cref="Run"/>), continuing from the last call.</summary>
    internal EpochRecord BenchmarkEpoch()
    {
        if (_benchShuffle == null) { _benchShuffle = new Random(_opt.Seed); _benchMu = _opt.Mu; }
        var (acc, rej, known) = Epoch(_benchShuffle, ref _benchMu, ++_benchEpoch);
        return Evaluate(1, _benchMu, Stopwatch.StartNew(), acc, rej, Nn0(_net), known);
    }

    private EpochRecord Evaluate(int epoch, double mu, Stopwatch clock, int acc, int rej, double nn0, bool trainKnown)
    {
        // with forces the pass is always run: the force rows of the training split are needed too
        if (!trainKnown || _withForces) RunJob(jacobian: false, _train, 0, _train.Length, _net, nn0, _eTrain);
        if (_hold.Length > 0) RunJob(jacobian: false, _hold, 0, _hold.Length, _net, nn0, _eHold);
        double trainMae = Mae(_eTrain.AsSpan(0, _train.Length));
        double holdMae = _hold.Length > 0 ? Mae(_eHold.AsSpan(0, _hold.Length)) : double.NaN;
        double trainForceMae = double.NaN, holdForceMae = double.NaN;
        if (_withForces)
        {
            trainForceMae = ForceMae(_train, _eTrain);
            if (_hold.Length > 0) holdForceMae = ForceMae(_hold, _eHold);
        }
        return new EpochRecord(epoch, trainMae, holdMae, mu, clock.Elapsed.TotalSeconds, acc, rej, trainForceMae, holdForceMae);
    }

    /// <summary>
    /// Force MAE (meV/A), mean over all force components of the structures, from their residual rows
    /// (after the structures' energy rows): |F_ref - F_NN| = |f| / (sqrt(wF/(3N)) S).
    /// </summary>
    private double ForceMae(int[] structures, ReadOnlySpan<double> rows)
    {
        double sum = 0;
        int components = 0, r = structures.Length;
        foreach (int s in structures)
        {
            int n3 = 3 * _set.SizeOf(s);
            double toEvPerA = 1.0 / (ForceRowScale(n3 / 3) * _scale);
            for (int k = 0; k < n3; k++) sum += Math.Abs(rows[r + k]) * toEvPerA;
            r += n3;
            components += n3;
        }
        return components == 0 ? double.NaN : 1000.0 * sum / components;
    }

    /// <summary>sqrt(wF / (3N)): the weight of each force row of an N-atom structure.</summary>
    private double ForceRowScale(int atoms) => Math.Sqrt(_forcesWeight / (3.0 * atoms));

    // residuals are per-atom energy errors in scaled units: eV per atom = e / S
    private double Mae(ReadOnlySpan<double> e)
    {
        if (e.Length == 0) return double.NaN;
        double s = 0;
        foreach (var v in e) s += Math.Abs(v);
        return 1000.0 * s / e.Length / _scale;
    }

    // the best-epoch criterion: MAE (meV/molecule) with each structure's error capped (SelectionErrorCapMeV)
    private double SelectionScore(ReadOnlySpan<double> e)
    {
        double cap = _cap, s = 0;
        if (e.Length == 0 || double.IsPositiveInfinity(cap)) return Mae(e);
        foreach (var v in e)
        {
            double err = 1000.0 * Math.Abs(v) / _scale;
            s += double.IsNaN(err) ? cap : Math.Min(err, cap);
        }
        return s / e.Length;
    }

    private static double SumSquares(ReadOnlySpan<double> e)
    {
        double s = 0;
        foreach (var v in e) s += v * v;
        return s;
    }

    private double Nn0(NeuralNetwork net)
    {
        if (!_anchor) return 0.0;
        Span<double> o = stackalloc double[1];
        net.Forward(_z0, 1, o, _ws0);
        return o[0];
    }

    // NN(Ĝ_0) and its weight gradient into _g0
    private double Nn0Gradient(NeuralNetwork net)
    {
        if (!_anchor) return 0.0;
        Span<double> o = stackalloc double[1];
        net.Forward(_z0, 1, o, _ws0);
        net.Backward(_ws0, Span<double>.Empty);
        _g0.AsSpan().Clear();
        ReadOnlySpan<double> one = [1.0];
        net.AccumulateWeightGradient(one, _ws0, _g0);
        return o[0];
    }

    /// <summary>
    /// Residuals (and Jacobian rows into _jac) of the structures rows[start .. start+count): energy residuals
    /// into output[0..count); when training forces, then the 3N force rows of each structure in turn (with
    /// <paramref name="projected"/> and ForceProjections R &gt; 0: its R projections of epoch _drawEpoch instead).
    /// Returns the number of rows.
    /// </summary>
    private int RunJob(bool jacobian, int[] rows, int start, int count, NeuralNetwork net, double nn0, double[] output, bool projected = false)
    {
        if (count == 0) return 0;
        if (_builder is { } jb)
        {
            // device path (energies only; force training is refused with a builder): predictions p_k
            // (and rows de/dw) from the builder; residual e = y - p
            var rowSpan = rows.AsSpan(start, count);
            jb.Compute(net, rowSpan, _anchor, _pred.AsSpan(0, count), jacobian ? _jac.AsSpan(0, count * _p) : Span<double>.Empty);
            for (int k = 0; k < count; k++) output[k] = _y[rowSpan[k]] - _pred[k];
            return count;
        }
        int rowCount = count;
        bool proj = projected && _projections > 0;
        if (_withForces)
        {
            for (int k = 0; k < count; k++)
            {
                _rowStart[k] = rowCount;
                rowCount += proj ? _projections : 3 * _set.SizeOf(rows[start + k]);
            }
            if (rowCount > output.Length || (jacobian && rowCount * _p > _jac.Length))
                throw new InvalidOperationException("residual buffers are smaller than the job");
        }
        _jobJacobian = jacobian;
        _jobProjected = proj;
        _jobRows = rows;
        _jobStart = start;
        _jobCount = count;
        _jobNet = net;
        _jobNn0 = nn0;
        _jobOut = output;
        _evals = ReferenceEquals(net, _net) ? _evalsNet : ReferenceEquals(net, _trialNet) ? _evalsTrial
            : throw new InvalidOperationException("unknown network");
        // below ~200 atoms a parallel dispatch costs more than it saves
        int chunks = Math.Min(_threads, count);
        if (count * _set.MaxStructureSize < 200) chunks = 1;
        _jobChunks = chunks;
        if (chunks == 1) RunChunk(0);
        else Parallel.For(0, chunks, _parallel, _chunkJob);
        return rowCount;
    }

    private void RunChunk(int c)
    {
        int lo = _jobCount * c / _jobChunks, hi = _jobCount * (c + 1) / _jobChunks;
        RunChunkEnergies(c, lo, hi);
        if (_withForces)
            for (int k = lo; k < hi; k++)
                if (_jobProjected) ProjectedForceRows(c, k);
                else ForceRows(c, k);
    }

    /// <summary>
    /// The 3N force rows of job structure k (one thread, fixed order): f = sqrt(wF/(3N)) (S F_ref + q) with
    /// q = -S F_NN, i.e. sqrt(wF/(3N)) S (F_ref - F_NN); Jacobian rows sqrt(wF/(3N)) dq/dw.
    /// </summary>
    private void ForceRows(int c, int k)
    {
        int s = _jobRows[_jobStart + k];
        int a0 = _set.Offsets[s], n = _set.SizeOf(s), r0 = _rowStart[k];
        var q = _qBuf[c].AsSpan(0, 3 * n);
        var x = _x.AsSpan(a0 * _f, n * _f);
        double rowScale = ForceRowScale(n);
        if (_jobJacobian)
            _forceWs[c].PredictWithJacobian(_jobNet, x, _set.Derivatives![s], _invStd, q, rowScale, _jac.AsSpan(r0 * _p, 3 * n * _p));
        else
            _forceWs[c].Predict(_jobNet, x, _set.Derivatives![s], _invStd, q);
        var fRef = _set.Forces.AsSpan(3 * a0, 3 * n);
        for (int r = 0; r < 3 * n; r++) _jobOut[r0 + r] = rowScale * (_scale * fRef[r] + q[r]);
    }

    /// <summary>
    /// The R projected force rows of job structure k (one thread, fixed order): with the signs v_r of (seed, _drawEpoch,
    /// structure, r), row r = sqrt(wF/(3N R)) sum_{a,c} v_r[3a + c] (S F_ref + q)_{a,c}, Jacobian row the same scale times
    /// sum v_r dq/dw (<see cref="ForceResiduals.PredictProjectedWithJacobian"/>).
    /// </summary>
    private void ProjectedForceRows(int c, int k)
    {
        int s = _jobRows[_jobStart + k];
        int a0 = _set.Offsets[s], n = _set.SizeOf(s), r0 = _rowStart[k], n3 = 3 * n, rr = _projections;
        var q = _qBuf[c].AsSpan(0, n3);
        var signs = _signBuf[c].AsSpan(0, rr * n3);
        for (int r = 0; r < rr; r++) ForceProjection.Signs(_opt.Seed, _drawEpoch, s, r, signs.Slice(r * n3, n3));
        var x = _x.AsSpan(a0 * _f, n * _f);
        double rowScale = Math.Sqrt(_forcesWeight / (3.0 * n * rr));
        if (_jobJacobian)
            _forceWs[c].PredictProjectedWithJacobian(_jobNet, x, _set.Derivatives![s], _invStd, q, signs, rr, rowScale, _jac.AsSpan(r0 * _p, rr * _p));
        else
            _forceWs[c].Predict(_jobNet, x, _set.Derivatives![s], _invStd, q);
        var fRef = _set.Forces.AsSpan(3 * a0, n3);
        for (int r = 0; r < rr; r++)
        {
            var v = signs.Slice(r * n3, n3);
            double sum = 0;
            for (int j = 0; j < n3; j++) sum += v[j] * (_scale * fRef[j] + q[j]);
            _jobOut[r0 + r] = rowScale * sum;
        }
    }

    /// <summary>Energy residuals (and Jacobian rows) of job structures lo..hi on thread c: the SIMD rows of <see cref="SimdJacobianBuilder"/>.</summary>
    private void RunChunkEnergies(int c, int lo, int hi)
    {
        var rows = _jobRows.AsSpan(_jobStart + lo, hi - lo);
        var pred = _jobOut.AsSpan(lo, hi - lo);
        SimdJacobianBuilder.Rows(_evals[c], _x, _set.Offsets, _f, rows, _jobNn0, _anchor, _g0, pred,
            _jobJacobian ? _jac.AsSpan(lo * _p, (hi - lo) * _p) : Span<double>.Empty, _p);
        for (int k = 0; k < rows.Length; k++) pred[k] = _y[rows[k]] - pred[k];
    }
}

/// <summary>
/// Rademacher signs of the random force projections (docs/training.md, "Force residuals"): v in {-1, +1}^{3N} from
/// SplitMix64 keyed by (training seed, epoch, structure index in the training set, projection r) only, so the draws
/// do not depend on threads or batch order, are the same for an LM step's trial and retries, and change per epoch.
/// </summary>
internal static class ForceProjection
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The SplitMix64 finaliser of z: the Monte Carlo generator's step (<see cref="MonteCarlo.McRandom.SplitMix64"/>) from state z - golden.</summary>
    private static ulong Mix(ulong z)
    {
        ulong state = z - Golden;
        return MonteCarlo.McRandom.SplitMix64(ref state);
    }

    /// <summary>v[k] = +-1 for k = 0 .. v.Length-1: 64 components per SplitMix64 output, bit k % 64.</summary>
    public static void Signs(int seed, int epoch, int structure, int r, Span<double> v)
    {
        ulong h = Mix(0x243F6A8885A308D3UL ^ (uint)seed);
        h = Mix((h + Golden) ^ (uint)epoch);
        h = Mix((h + Golden) ^ (uint)structure);
        h = Mix((h + Golden) ^ (uint)r);
        ulong bits = 0;
        for (int k = 0; k < v.Length; k++)
        {
            if ((k & 63) == 0) { h += Golden; bits = Mix(h); }
            v[k] = ((bits >> (k & 63)) & 1) == 0 ? 1.0 : -1.0;
        }
    }
}
