using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.ActiveLearning;

// The small contracts the active-learning loop is written against. The real pieces (LM trainer,
// network potential, Metropolis and nested samplers, test-set generator, plots) are bound to them in
// one place, DefaultComponents.cs; tests bind fakes. Units: eV, Angstrom, K.

/// <summary>A trained model of one generation: a potential to sample with, and a file it can be saved to.</summary>
public interface ILearnedModel
{
    /// <summary>The model as a potential (energies eV, forces eV/A), used by Monte Carlo and for predictions.</summary>
    IPotential Potential { get; }

    /// <summary>Writes the model to <paramref name="path"/> (never half-written).</summary>
    void Save(string path);
}

/// <summary>What one training run produced. Errors are mean absolute per-molecule energy errors (eV/molecule).</summary>
public sealed record TrainingOutcome(ILearnedModel Model, double TrainMaeEvPerMolecule, double HeldOutMaeEvPerMolecule, int Epochs, int BestEpoch = -1);

/// <summary>Trains a model on the pool (energies only, the paper's setting).</summary>
public interface IModelTrainer
{
    /// <param name="pool">Labelled structures (Energy set, eV).</param>
    /// <param name="warmStart">The previous generation's model to start from, or null for a fresh random start.</param>
    /// <param name="settings">This generation's training settings (epochs, batch size, damping, held-out split, architecture).</param>
    /// <param name="seed">Seed of this generation (initial weights, hold-out split, batch order).</param>
    TrainingOutcome Train(IReadOnlyList<Cluster> pool, ILearnedModel? warmStart, TrainingSettings settings, int seed, CancellationToken cancel);

    /// <summary>Reads a model written by <see cref="ILearnedModel.Save"/> (for --resume).</summary>
    ILearnedModel Load(string path);

    /// <summary>
    /// Trains a committee on the same pool: member j from <paramref name="warmStarts"/>[j] (or fresh) with
    /// <paramref name="seeds"/>[j] (its initial weights) and the held-out structures <paramref name="holdouts"/>[j]. The default trains them one after
    /// the other with <see cref="Train"/>; an implementation may share the pool's descriptors and run members at once,
    /// but each member's result must not depend on that.
    /// </summary>
    IReadOnlyList<TrainingOutcome> TrainCommittee(IReadOnlyList<Cluster> pool, IReadOnlyList<ILearnedModel?> warmStarts, TrainingSettings settings,
        IReadOnlyList<int> seeds, IReadOnlyList<int[]> holdouts, CancellationToken cancel)
    {
        var r = new List<TrainingOutcome>();
        for (int j = 0; j < seeds.Count; j++) r.Add(Train(pool, warmStarts[j], settings with { HoldoutIndices = holdouts[j] }, seeds[j], cancel));
        return r;
    }
}

/// <summary>One Monte Carlo trajectory: its recorded frames (energy = the sampling potential's, eV) and what went wrong.</summary>
public sealed class SamplerTrajectory
{
    /// <summary>Recorded frames in order, each with the cycle it was recorded at in Info["cycle"].</summary>
    public List<Cluster> Frames { get; } = new();

    /// <summary>Cycles actually run (less than asked when the run was stopped early).</summary>
    public int CyclesRun { get; set; }

    /// <summary>Why the run stopped early (null when it ran to the end).</summary>
    public string? StoppedEarly { get; set; }

    /// <summary>Acceptance ratio of trial moves over the whole run (NaN if unknown).</summary>
    public double Acceptance { get; set; } = double.NaN;

    /// <summary>Trial moves the sampler itself rejected for bringing two molecules too close.</summary>
    public long OverlapRejections { get; set; }

    /// <summary>Trial moves the sampler itself rejected for a non-finite energy change.</summary>
    public long NonFiniteRejections { get; set; }
}

/// <summary>A Monte Carlo sampler (Metropolis or nested), configured at construction.</summary>
public interface ITrajectorySampler
{
    string Name { get; }

    /// <summary>Total cycles asked for (a cycle is N trial moves for N molecules).</summary>
    int Cycles { get; }

    /// <summary>
    /// Runs from <paramref name="start"/> with <paramref name="potential"/>, recording a frame every
    /// <paramref name="recordEvery"/> cycles (the frame after cycle k*recordEvery). Must not throw for
    /// a bad potential: the potential passed is already guarded (non-finite or runaway moves are rejected).
    /// </summary>
    SamplerTrajectory Run(IPotential potential, Cluster start, int recordEvery, int seed, CancellationToken cancel);

    /// <summary>
    /// <see cref="Run(IPotential, Cluster, int, int, CancellationToken)"/> for <paramref name="cycles"/> cycles instead of
    /// <see cref="Cycles"/> (sampling.trialMoveBudget). The default supports only <see cref="Cycles"/> itself.
    /// </summary>
    SamplerTrajectory Run(IPotential potential, Cluster start, int cycles, int recordEvery, int seed, CancellationToken cancel) =>
        cycles == Cycles ? Run(potential, start, recordEvery, seed, cancel)
            : throw new NotSupportedException($"sampler {Name} runs {Cycles} cycles only (asked for {cycles})");
}

/// <summary>Makes starting structures that are not taken from the pool (for nested sampling).</summary>
public interface IStartStructureFactory
{
    /// <summary>A random connected cluster of <paramref name="molecules"/> beads (A).</summary>
    Cluster RandomCluster(int molecules, int seed);

    /// <summary>A compact, low-energy cluster of <paramref name="molecules"/> beads (A) for Metropolis starts
    /// (sampling.metropolis.start = "compact"); the default is <see cref="RandomCluster"/>.</summary>
    Cluster CompactCluster(int molecules, int seed) => RandomCluster(molecules, seed);
}

/// <summary>Energy and force errors of a model on the monitoring set.</summary>
public sealed record MonitorScore(double EnergyMaeMeVPerMolecule, double ForceMaeMeVPerA, int Clusters);

/// <summary>The fixed, reference-labelled monitoring set scored after every iteration.</summary>
public interface IMonitorSet
{
    int Count { get; }
    MonitorScore Score(IPotential potential, CancellationToken cancel);
}

/// <summary>Draws the run's figures (PNG).</summary>
public interface IRunPlotter
{
    /// <summary>Figure 2a: monitoring MAE and pool size against iteration.</summary>
    void DrawProgress(string path, IReadOnlyList<IterationRecord> log);

    /// <summary>Figure 2b: parity of the model's energies (per molecule) against the reference on the pool.</summary>
    void DrawParity(string path, IReadOnlyList<double> referenceEvPerMolecule, IReadOnlyList<double> predictedEvPerMolecule);
}

/// <summary>Every replaceable piece of a run.</summary>
public sealed class ActiveLearningComponents
{
    public required IOracle Oracle { get; init; }
    public required IModelTrainer Trainer { get; init; }
    public required ITrajectorySampler Metropolis { get; init; }
    public required ITrajectorySampler Nested { get; init; }
    public required IStartStructureFactory Starts { get; init; }

    /// <summary>Builds (or loads from the run directory) the monitoring set; null: no monitoring.</summary>
    public Func<string, IMonitorSet?>? MonitorFactory { get; init; }

    public IRunPlotter? Plotter { get; init; }
}
