using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>Reference labels of one structure: total energy (eV) and, when asked for and available, forces (eV/A).</summary>
public readonly record struct OracleLabel(double Energy, double[]? Forces);

/// <summary>
/// The reference ("oracle"): in real use an expensive quantum-chemistry code, called as rarely as
/// possible. One structure labelled is one call; <see cref="Calls"/> counts them over the oracle's life.
/// Implementations fail with <see cref="OracleException"/> (clear message) rather than return a
/// non-finite or wrong-sized label.
/// </summary>
public interface IOracle
{
    /// <summary>Human-readable description ("ML-BOP (built in)", "command: ...").</summary>
    string Name { get; }

    /// <summary>Structures labelled so far (each structure of each <see cref="Label"/> call counts once).</summary>
    long Calls { get; }

    /// <summary>Labels <paramref name="structures"/> (one label per structure, same order). Energies eV, forces eV/A.</summary>
    IReadOnlyList<OracleLabel> Label(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel);
}

/// <summary>The oracle could not label the structures (bad output, failed command, timeout).</summary>
public sealed class OracleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An oracle whose work lives in files (a batch directory inside the run): a resumed run labels the same
/// batch again, and the oracle collects what finished, waits for what still runs and submits only the rest.
/// </summary>
public interface IBatchOracle : IOracle
{
    /// <summary>Labels, one per structure; null where the structure was dropped after its retries (oracle.onFailure = drop).</summary>
    IReadOnlyList<OracleLabel?> Label(IReadOnlyList<Cluster> structures, bool forces, string batchDirectory, CancellationToken cancel);

    /// <summary>Clear errors before anything is labelled (the scheduler missing, a rejected job script).</summary>
    void Preflight();

    /// <summary>Informational lines (retries, re-attached batches).</summary>
    Action<string>? Message { get; set; }

    /// <summary>Jobs of the last batch still queued or running (what an interrupted run may cancel or leave).</summary>
    IReadOnlyList<OracleSubmission> OutstandingJobs { get; }

    void CancelOutstandingJobs();
}
