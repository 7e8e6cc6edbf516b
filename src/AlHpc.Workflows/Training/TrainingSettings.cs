using System.Globalization;
using System.Text.Json.Serialization;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Network;

namespace AlHpc.Training;

/// <summary>
/// The one set of Levenberg-Marquardt training settings: the <c>training</c> section of an active-learning
/// configuration (camelCase keys, one per settable property without [JsonIgnore]), the options of
/// <c>alhpc train</c>, and what <see cref="LmTrainer"/> runs with. The defaults are one generation of
/// active learning (docs/training.md, "Defaults and why"); <see cref="Aenet"/> is the paper's aenet setting.
/// The properties marked [JsonIgnore] are not keys of the configuration file: they are set per run
/// (seed, threads, explicit held-out structures, warm-start handling, a device) or only by <c>alhpc train</c>
/// (isolated-atom anchor).
/// </summary>
public sealed record TrainingSettings
{
    /// <summary>The most epochs a training may ask for (one record per epoch is kept).</summary>
    public const int MaxEpochs = 10_000_000;

    /// <summary>The selection cap of <see cref="SelectionErrorCapMeV"/> = null is this many addition tolerances.</summary>
    public const double SelectionCapTolerances = 10;

    /// <summary>The addition tolerance (meV/molecule) the default selection cap is counted in when training alone (learn: selection.toleranceMeV).</summary>
    public const double DefaultToleranceMeV = 1.0;

    // ------------------------------------------------------------------ keys of the configuration file

    /// <summary>Passes over the training structures (paper: 2000 per generation).</summary>
    public int Epochs { get; set; } = 2000;

    /// <summary>
    /// Active learning's speed option (0 = off, the paper's setting): a generation trains for
    /// clamp(epochsPerStructure * poolSize, minEpochs, epochs) epochs, so tiny early pools train briefly.
    /// </summary>
    public double EpochsPerStructure { get; set; }

    /// <summary>Stop after this many epochs without a better selection error (0 = never; default 200; the paper: 0).</summary>
    public int EarlyStopEpochs { get; set; } = 200;

    /// <summary>Lower bound of the epoch count when <see cref="EpochsPerStructure"/> is on.</summary>
    public int MinEpochs { get; set; } = 200;

    /// <summary>
    /// Structures per Levenberg-Marquardt step once the training split holds at least this many;
    /// 0 (default): full batch. The paper's aenet setting is 32 (with 1 while the pool is smaller); measured
    /// worse here (docs/active-learning.md, "Choices that differ from the paper").
    /// </summary>
    public int BatchSize { get; set; }

    /// <summary>Batch size while the training split has fewer structures than <see cref="BatchSize"/> (paper: 1); 0 (default): full batch.</summary>
    public int SmallPoolBatchSize { get; set; }

    /// <summary>Initial Levenberg-Marquardt damping mu (aenet's "learnrate", paper: 0.1).</summary>
    public double Mu { get; set; } = 0.1;

    /// <summary>Fraction of the structures held out to pick the best network (aenet's test fraction; 0.1). At least one once there are two structures, none for one.</summary>
    public double HoldoutFraction { get; set; } = 0.1;

    /// <summary>
    /// Best-epoch selection: each held-out structure's error counts at most this much (meV/molecule), so a
    /// few structures far outside everything else (the first generations' collapsed clusters) cannot decide
    /// which epoch wins; equal capped scores are decided by the plain MAE. null (default):
    /// <see cref="SelectionCapTolerances"/> x the addition tolerance (10 meV/molecule with the paper's 1 meV;
    /// <see cref="EffectiveSelectionCapMeV"/>); 0: the plain held-out MAE (aenet). Reported errors are never capped.
    /// </summary>
    public double? SelectionErrorCapMeV { get; set; }

    /// <summary>
    /// Active learning: keep every pool structure on the same side of the held-out split in all generations
    /// (a structure is held out by a draw from the master seed and its pool index), so a network carried over
    /// to the next generation (<see cref="WarmStart"/>) has never trained on the structures that select its
    /// successor. Off: a fresh seeded split of the whole pool each generation.
    /// </summary>
    public bool StableHoldout { get; set; }

    /// <summary>With <see cref="WarmStart"/>: the previous generation's network itself (epoch 0) is never returned, so
    /// every generation learns the structures just added (without it a warm start tends to keep epoch 0 for ever).</summary>
    public bool WarmStartMoveOn { get; set; } = true;

    /// <summary>Active learning: start each generation from the previous generation's network (off: fresh random weights, as the paper).</summary>
    public bool WarmStart { get; set; }

    /// <summary>Descriptor setup file, aenet .stp (null: the start model's setup, else the default 26-function Water setup).</summary>
    public string? SetupFile { get; set; }

    /// <summary>Nodes of each hidden layer of a fresh network (paper: two layers of 10).</summary>
    public int[] HiddenLayers { get; set; } = [10, 10];

    /// <summary>Activation of the hidden layers of a fresh network, one of aenet's: linear, tanh, sigmoid, twist (paper), mtanh. The output layer is linear.</summary>
    public string Activation { get; set; } = "twist";

    /// <summary>
    /// Weight wF of force residuals (default 0: energies only, as the paper). wF &gt; 0 adds 3N rows per
    /// structure, sqrt(wF/(3N)) S (F_ref - F_NN), so that wF = 1 weighs a structure's mean squared force
    /// error (eV/A)^2 like its squared per-atom energy error (eV)^2 (both times S^2). Needs a training set
    /// with forces (TrainingSet.FromClusters(..., withForces: true)); CPU path only (no <see cref="JacobianBuilder"/>).
    /// See docs/training.md, "Force residuals". Active learning does not label forces yet: its configuration
    /// refuses a value &gt; 0.
    /// </summary>
    public double ForcesWeight { get; set; }

    /// <summary>
    /// Random force projections R (default 0: the exact 3N force rows per structure). With <see cref="ForcesWeight"/> &gt; 0
    /// and R &gt; 0 each structure gets R force rows per epoch instead of 3N: row r is sqrt(wF/(3N R)) v_r · S (F_ref - F_NN)
    /// with Rademacher signs v_r in {-1, +1}^{3N} drawn from (seed, epoch, structure, r), an unbiased estimate of the exact
    /// force term at a fraction of the cost (docs/training.md, "Force residuals"). Ignored when wF = 0.
    /// </summary>
    public int ForceProjections { get; set; }

    // ------------------------------------------------------------------ per run, not keys of the configuration file

    /// <summary>Seed of the split, the weight initialisation and the batch shuffling (active learning: one per generation).</summary>
    [JsonIgnore] public int Seed { get; set; } = 1;

    /// <summary>Worker threads (0 = all cores). Results do not depend on it.</summary>
    [JsonIgnore] public int Threads { get; set; }

    /// <summary>
    /// Explicit held-out structures (indices into the training set, distinct); null (default): a seeded
    /// random <see cref="HoldoutFraction"/> of the set (<see cref="LmTrainer.Split"/>). Active learning fills
    /// it each generation when <see cref="StableHoldout"/> is on.
    /// </summary>
    [JsonIgnore] public int[]? HoldoutIndices { get; set; }

    /// <summary>
    /// The returned network is chosen among epochs &gt;= this (default 0: the starting network, epoch 0, can win).
    /// 1 makes a warm start always move on from its starting network (<see cref="WarmStartMoveOn"/>).
    /// </summary>
    [JsonIgnore] public int FirstSelectableEpoch { get; set; }

    /// <summary>
    /// With a start model: fit the descriptor and energy scaling to the training split as a fresh start does,
    /// re-expressing the start network in it (<see cref="NnModel.WithScaling"/>: same energies), instead of
    /// keeping the start model's scaling (default; <c>alhpc train --init</c>). Active learning's warm start sets it.
    /// </summary>
    [JsonIgnore] public bool RefitStartScaling { get; set; }


    /// <summary>Anchor the isolated-bead energy (see <see cref="NnModel"/>); a start model keeps its own setting.</summary>
    [JsonIgnore] public bool AnchorIsolatedAtom { get; set; } = true;

    /// <summary>Energy of an isolated bead (eV) for the anchor (0 for ML-BOP); a start model keeps its own.</summary>
    [JsonIgnore] public double IsolatedAtomEnergy { get; set; }

    /// <summary>Factor mu is multiplied by after a rejected trial and divided by after an accepted one (aenet: 10).</summary>
    [JsonIgnore] public double MuAdjust { get; set; } = 10;

    /// <summary>Lower bound of mu (1e-10).</summary>
    [JsonIgnore] public double MuMin { get; set; } = 1e-10;

    /// <summary>Upper bound of mu: damping can never run away (1e10).</summary>
    [JsonIgnore] public double MuMax { get; set; } = 1e10;

    /// <summary>Retries (with mu * adjust) after a rejected trial on the same batch before the batch is skipped (aenet: 5).</summary>
    [JsonIgnore] public int MaxRetries { get; set; } = 5;

    /// <summary>Normal-equation form (default: the cheaper one per step).</summary>
    [JsonIgnore] public LmForm Form { get; set; } = LmForm.Auto;

    /// <summary>
    /// Makes the builder of residual predictions and Jacobian rows that replaces the built-in CPU passes (e.g.
    /// the OpenCL AlHpc.OpenCL.Workloads.OpenClJacobian), given the descriptor setup and the architecture the
    /// trainer decided (<see cref="LmTrainer.Architecture"/>); null: the CPU passes. The trainer disposes what it makes.
    /// </summary>
    [JsonIgnore] public Func<DescriptorSetup, NeuralNetwork, IJacobianBuilder>? JacobianBuilder { get; set; }

    // ------------------------------------------------------------------ derived

    /// <summary>The paper's aenet setting: batch 32 (1 while the training split is smaller), no early stop, plain held-out MAE.</summary>
    public static TrainingSettings Aenet => new() { BatchSize = 32, SmallPoolBatchSize = 1, EarlyStopEpochs = 0, SelectionErrorCapMeV = 0 };

    /// <summary>The cap the selection applies (meV/molecule; +infinity = the plain MAE): <see cref="SelectionErrorCapMeV"/>, null being
    /// <see cref="SelectionCapTolerances"/> x <paramref name="toleranceMeV"/>.</summary>
    public double EffectiveSelectionCapMeV(double toleranceMeV = DefaultToleranceMeV) => SelectionErrorCapMeV switch
    {
        null => SelectionCapTolerances * toleranceMeV,
        0 => double.PositiveInfinity,
        { } cap => cap,
    };

    /// <summary>The activation of the hidden layers (<see cref="Activation"/> parsed); throws <see cref="TrainingSettingsException"/> for an unknown name.</summary>
    public Activation HiddenActivation() =>
        ActivationFunctions.TryParse(Activation ?? "", out var a) ? a
            : throw new TrainingSettingsException([new(nameof(Activation), $"must be one of {NetworkSettingsText.Activations} (not \"{Activation}\")")]);

    /// <summary>
    /// The descriptor setup to train with: <see cref="SetupFile"/> (relative to <paramref name="baseDirectory"/>), which must
    /// have the functions of <paramref name="start"/>'s setup when both are given; else the start model's; else the
    /// default 26-function Water setup.
    /// </summary>
    public DescriptorSetup ResolveSetup(NnModel? start = null, string? baseDirectory = null)
    {
        if (SetupFile is not { } file) return start?.Setup ?? DefaultSetups.Water26;
        var setup = AenetSetupFile.Read(Path.IsPathRooted(file) || baseDirectory is null ? file : Path.Combine(baseDirectory, file));
        if (start != null && !(start.Setup.Count == setup.Count && start.Setup.Functions.AsSpan().SequenceEqual(setup.Functions)))
            throw new TrainingSettingsException([new(nameof(SetupFile), $"{file} differs from the descriptor setup of the start model")]);
        return setup;
    }

    // ------------------------------------------------------------------ checks

    /// <summary>
    /// Every bad value, each naming its setting by its camelCase name (the configuration key); epochs below
    /// <paramref name="leastEpochs"/> are one (active learning trains at least one epoch per generation).
    /// </summary>
    public IEnumerable<SettingProblem> Problems(int leastEpochs = 0)
    {
        var ci = CultureInfo.InvariantCulture;
        static bool Pos(double v) => v > 0 && double.IsFinite(v);
        if (Epochs < leastEpochs) yield return new(nameof(Epochs), $"must be >= {leastEpochs}");
        else if (Epochs > MaxEpochs) yield return new(nameof(Epochs), string.Create(ci, $"must be <= {MaxEpochs}"));
        if (EpochsPerStructure < 0 || !double.IsFinite(EpochsPerStructure)) yield return new(nameof(EpochsPerStructure), "must be >= 0");
        if (MinEpochs < 1) yield return new(nameof(MinEpochs), "must be >= 1");
        if (EarlyStopEpochs < 0) yield return new(nameof(EarlyStopEpochs), "must be >= 0 (0: off)");
        if (BatchSize < 0) yield return new(nameof(BatchSize), "must be >= 0 (0: full batch)");
        if (SmallPoolBatchSize < 0) yield return new(nameof(SmallPoolBatchSize), "must be >= 0 (0: full batch)");
        if (!Pos(Mu)) yield return new(nameof(Mu), "must be > 0");
        if (!(HoldoutFraction >= 0 && HoldoutFraction < 1)) yield return new(nameof(HoldoutFraction), "must be in [0, 1)");
        if (SelectionErrorCapMeV is { } cap && !(cap >= 0))
            yield return new(nameof(SelectionErrorCapMeV), $"must be >= 0 (0: plain MAE; null: {SelectionCapTolerances:G} x the addition tolerance)");
        if (HiddenLayers is not { Length: >= 1 } h || h.Any(n => n < 1))
            yield return new(nameof(HiddenLayers), "must list at least one layer, each with >= 1 node (e.g. [10, 10])");
        if (!ActivationFunctions.TryParse(Activation ?? "", out _))
            yield return new(nameof(Activation), $"must be one of {NetworkSettingsText.Activations} (not \"{Activation}\")");
        if (FirstSelectableEpoch < 0 || FirstSelectableEpoch > Math.Max(1, Epochs)) yield return new(nameof(FirstSelectableEpoch), "must be in 0..epochs");
        if (Threads < 0) yield return new(nameof(Threads), "must be >= 0 (0: all cores)");
        if (!(ForcesWeight >= 0) || !double.IsFinite(ForcesWeight)) yield return new(nameof(ForcesWeight), "must be >= 0 and finite");
        if (ForceProjections < 0) yield return new(nameof(ForceProjections), "must be >= 0 (0: the exact 3N force rows per structure)");
        if (!double.IsFinite(IsolatedAtomEnergy)) yield return new(nameof(IsolatedAtomEnergy), "must be finite");
        if (!(MuAdjust > 1) || !double.IsFinite(MuAdjust)) yield return new(nameof(MuAdjust), "must be > 1");
        if (!(MuMin > 0) || !(MuMax >= MuMin) || !double.IsFinite(MuMax)) yield return new(nameof(MuMin), "must be > 0 and <= muMax, and muMax finite");
        if (MaxRetries < 0) yield return new(nameof(MaxRetries), "must be >= 0");
    }

    /// <summary>
    /// Throws <see cref="TrainingSettingsException"/> (an <see cref="ArgumentException"/>) listing every bad value, and
    /// <see cref="NotSupportedException"/> for <see cref="ForcesWeight"/> &gt; 0 together with a <see cref="JacobianBuilder"/>
    /// (force training runs on the CPU path only).
    /// </summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new TrainingSettingsException(problems);
        if (ForcesWeight > 0 && JacobianBuilder != null)
            throw new NotSupportedException("force training runs on the CPU path only: the device Jacobian builder computes energy rows only; train with a forces weight of 0 or without the device");
    }
}

/// <summary>A bad training setting: <paramref name="Setting"/> is its property name, <see cref="Key"/> its configuration key.</summary>
public record struct SettingProblem(string Setting, string Problem)
{
    /// <summary>camelCase, as in the configuration file ("batchSize").</summary>
    public string Key => char.ToLowerInvariant(Setting[0]) + Setting[1..];

    public override string ToString() => $"{Key} {Problem}";
}

/// <summary>Bad training settings, each named by its setting (callers map the names to their own terms, e.g. the CLI to its options).</summary>
public sealed class TrainingSettingsException(IReadOnlyList<SettingProblem> problems)
    : ArgumentException(string.Join("; ", problems))
{
    public IReadOnlyList<SettingProblem> Problems { get; } = problems;
}
