using AlHpc.Network;

namespace AlHpc.Training;

/// <summary>
/// Settings of <see cref="LmTrainer"/>. Defaults follow the paper/aenet (2000 epochs, batch 32, learnrate =
/// initial damping 0.1, adjust 10, 10 % held out, 26-10-10-1 twist); see docs/training.md.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training structures (default 2000, the paper's per-generation count).</summary>
    public int Epochs { get; init; } = 2000;

    /// <summary>The most epochs a training may ask for (one record per epoch is kept).</summary>
    public const int MaxEpochs = 10_000_000;

    /// <summary>Structures per LM step (default 32). 0 = full batch (one step per epoch over all training structures).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Batch size used while the training split has fewer structures than <see cref="BatchSize"/>
    /// (the paper: "1 while the pool is smaller"; default 1). 0 = full batch for such small sets.
    /// </summary>
    public int SmallSetBatchSize { get; init; } = 1;

    /// <summary>Initial LM damping mu (aenet's "learnrate", default 0.1).</summary>
    public double Mu { get; init; } = 0.1;

    /// <summary>Factor mu is multiplied by after a rejected trial and divided by after an accepted one (default 10).</summary>
    public double MuAdjust { get; init; } = 10;

    /// <summary>Lower bound of mu (default 1e-10).</summary>
    public double MuMin { get; init; } = 1e-10;

    /// <summary>Upper bound of mu: damping can never run away (default 1e10).</summary>
    public double MuMax { get; init; } = 1e10;

    /// <summary>Retries (with mu * adjust) after a rejected trial on the same batch before the batch is skipped (default 5).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Fraction of structures held out for validation (default 0.1; at least one once there are two structures, none for one).</summary>
    public double HoldoutFraction { get; init; } = 0.1;

    /// <summary>
    /// Explicit held-out structures (indices into the training set, distinct); null (default): a seeded
    /// random <see cref="HoldoutFraction"/> of the set (<see cref="LmTrainer.Split"/>). Used by active
    /// learning to keep each pool structure on the same side of the split in every generation.
    /// </summary>
    public int[]? HoldoutIndices { get; init; }

    /// <summary>Seed of the split, the weight initialisation and the batch shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Cap (meV/molecule) on each structure's error when the best epoch is selected: the selection score is
    /// the mean over the held-out structures of min(|E_ref - E_NN|/N, cap), so that a few structures that no
    /// epoch predicts (far outside the training data) cannot decide which epoch wins; equal capped scores (every
    /// held-out error above the cap) are decided by the plain MAE. +infinity (default): the plain held-out MAE,
    /// as aenet. Reported errors are never capped.
    /// </summary>
    public double SelectionErrorCapMeV { get; init; } = double.PositiveInfinity;

    /// <summary>
    /// The returned network is chosen among epochs &gt;= this (default 0: the starting network, epoch 0, can win).
    /// 1 makes a warm start always move on from its starting network.
    /// </summary>
    public int FirstSelectableEpoch { get; init; }

    /// <summary>Stop after this many epochs without a better selection error (0 = never, the default).</summary>
    public int EarlyStopEpochs { get; init; }

    /// <summary>Worker threads (0 = all cores). Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Weight wF of force residuals (default 0: energies only, as the paper). wF &gt; 0 adds 3N rows per
    /// structure, sqrt(wF/(3N)) S (F_ref - F_NN), so that wF = 1 weighs a structure's mean squared force
    /// error (eV/A)^2 like its squared per-atom energy error (eV)^2 (both times S^2). Needs a training set
    /// with forces (TrainingSet.FromClusters(..., withForces: true)); CPU path only (no JacobianBuilder).
    /// See docs/training.md, "Force residuals".
    /// </summary>
    public double ForcesWeight { get; init; }

    /// <summary>Hidden layer sizes of a fresh network (default 10, 10).</summary>
    public int[] HiddenLayers { get; init; } = [10, 10];

    /// <summary>Activation of the hidden layers of a fresh network (default aenet's twist); the output is linear.</summary>
    public Activation HiddenActivation { get; init; } = Activation.Twist;

    /// <summary>Anchor the isolated-bead energy (see <see cref="NnModel"/>); ignored on a warm start (the model's own setting is kept).</summary>
    public bool AnchorIsolatedAtom { get; init; } = true;

    /// <summary>Energy of an isolated bead (eV) for the anchor (0 for ML-BOP); ignored on a warm start.</summary>
    public double IsolatedAtomEnergy { get; init; }

    /// <summary>Normal-equation form (default: the cheaper one per step).</summary>
    public LmForm Form { get; init; } = LmForm.Auto;

    /// <summary>
    /// Computes residual predictions and Jacobian rows instead of the built-in CPU passes when set (e.g. the
    /// OpenCL AlHpc.OpenCL.Workloads.OpenClJacobian chosen by --device). Not owned: the caller disposes it.
    /// </summary>
    public IJacobianBuilder? JacobianBuilder { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for a bad value and <see cref="NotSupportedException"/> for
    /// ForcesWeight &gt; 0 together with a <see cref="JacobianBuilder"/> (force training runs on the CPU path only).
    /// </summary>
    public void Validate()
    {
        if (Epochs < 0 || Epochs > MaxEpochs) throw new ArgumentException($"epochs must be in 0..{MaxEpochs}, got {Epochs}");
        if (BatchSize < 0) throw new ArgumentException("batch size must be >= 0 (0 = full batch)");
        if (SmallSetBatchSize < 0) throw new ArgumentException("small-set batch size must be >= 0 (0 = full batch)");
        if (!(Mu > 0) || !double.IsFinite(Mu)) throw new ArgumentException("mu must be positive and finite");
        if (!(MuAdjust > 1) || !double.IsFinite(MuAdjust)) throw new ArgumentException("mu adjust factor must be > 1");
        if (!(MuMin > 0) || !(MuMax >= MuMin) || !double.IsFinite(MuMax)) throw new ArgumentException("need 0 < mu-min <= mu-max < infinity");
        if (MaxRetries < 0) throw new ArgumentException("retries must be >= 0");
        if (!(HoldoutFraction >= 0 && HoldoutFraction < 1)) throw new ArgumentException("held-out fraction must be in [0, 1)");
        if (EarlyStopEpochs < 0) throw new ArgumentException("early stop must be >= 0 (0 = off)");
        if (FirstSelectableEpoch < 0 || FirstSelectableEpoch > Math.Max(1, Epochs)) throw new ArgumentException("the first selectable epoch must be in 0..epochs");
        if (!(SelectionErrorCapMeV > 0)) throw new ArgumentException("the selection error cap must be > 0 meV/molecule (+infinity: plain MAE)");
        if (Threads < 0) throw new ArgumentException("threads must be >= 0 (0 = all cores)");
        if (!(ForcesWeight >= 0) || !double.IsFinite(ForcesWeight)) throw new ArgumentException("forces weight must be >= 0 and finite");
        if (ForcesWeight > 0 && JacobianBuilder != null)
            throw new NotSupportedException("force training runs on the CPU path only: the device Jacobian builder computes energy rows only; train with a forces weight of 0 or without the device");
        foreach (var h in HiddenLayers) if (h < 1) throw new ArgumentException("hidden layer sizes must be >= 1");
        if (!double.IsFinite(IsolatedAtomEnergy)) throw new ArgumentException("isolated-atom energy must be finite");
    }
}
