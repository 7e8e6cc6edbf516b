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
