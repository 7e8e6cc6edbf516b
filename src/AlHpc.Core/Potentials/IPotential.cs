namespace AlHpc.Potentials;

/// <summary>
/// A potential energy model of single-element clusters (eV, A). Thread-safe to share; every thread
/// evaluates through its own <see cref="IPotentialEvaluator"/> (which owns the scratch memory).
/// </summary>
public interface IPotential
{
    /// <summary>Short human-readable name ("ML-BOP (Tersoff)", "NN 26-10-10-1 twist", ...).</summary>
    string Name { get; }

    /// <summary>Interaction cutoff (A): beads farther apart than this do not interact.</summary>
    double Cutoff { get; }

    /// <summary>A new evaluator with its own workspace (not thread safe; one per thread).</summary>
    IPotentialEvaluator CreateEvaluator();

    /// <summary>A new Monte Carlo energy backend (local updates) with its own workspace.</summary>
    IMcEnergyBackend CreateMcBackend();
}

/// <summary>Evaluates one cluster at a time, allocation-free after warm-up.</summary>
public interface IPotentialEvaluator
{
    /// <summary>
    /// Total energy (eV) of the cluster at flat positions (A). When <paramref name="forces"/> is not
    /// empty it receives -dE/dr (eV/A), same layout as positions (overwritten, not accumulated).
    /// When <paramref name="atomEnergies"/> is not empty it receives per-atom energies (eV) summing to the total.
    /// </summary>
    double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies);
}
