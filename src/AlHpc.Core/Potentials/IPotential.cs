using AlHpc.Structures;

namespace AlHpc.Potentials;

/// <summary>
/// A potential energy model of clusters (eV, A). Thread-safe to share; every thread evaluates through its own
/// <see cref="IPotentialEvaluator"/> (which owns the scratch memory). The species it accepts are
/// <see cref="Species"/>; the per-atom types its evaluators and Monte Carlo backends take index that list
/// (see <see cref="SpeciesTable"/>). AlHpc's potentials (Tersoff, network) accept one species.
/// </summary>
public interface IPotential
{
    /// <summary>Short human-readable name ("ML-BOP (Tersoff)", "NN 26-10-10-1 twist", ...).</summary>
    string Name { get; }

    /// <summary>Interaction cutoff (A): beads farther apart than this do not interact.</summary>
    double Cutoff { get; }

    /// <summary>The species the potential accepts: element symbols, index = type (["O"] for ML-BOP).</summary>
    IReadOnlyList<string> Species { get; }

    /// <summary>A new evaluator with its own workspace (not thread safe; one per thread).</summary>
    IPotentialEvaluator CreateEvaluator();

    /// <summary>A new Monte Carlo energy backend (local updates) with its own workspace.</summary>
    IMcEnergyBackend CreateMcBackend();
}

/// <summary>Evaluates one cluster at a time, allocation-free after warm-up.</summary>
public interface IPotentialEvaluator
{
    /// <summary>The species the evaluator accepts (its potential's <see cref="IPotential.Species"/>), index = type.</summary>
    IReadOnlyList<string> Species { get; }

    /// <summary>
    /// Total energy (eV) of the cluster at flat positions (A), every atom of type 0 (the first of
    /// <see cref="Species"/>). When <paramref name="forces"/> is not empty it receives -dE/dr (eV/A), same layout as
    /// positions (overwritten, not accumulated). When <paramref name="atomEnergies"/> is not empty it receives
    /// per-atom energies (eV) summing to the total.
    /// </summary>
    double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies);

    /// <summary>
    /// <see cref="Compute(ReadOnlySpan{double}, Span{double}, Span{double})"/> with the type of every atom (indices into
    /// <see cref="Species"/>, one per atom). The default, for single-species evaluators, checks the types
    /// (<see cref="SpeciesTable.CheckTypes(ReadOnlySpan{int}, int, IReadOnlyList{string})"/>: a
    /// <see cref="SpeciesException"/> naming the atom and the species otherwise) and computes as the untyped call;
    /// multi-species evaluators override it.
    /// </summary>
    double Compute(ReadOnlySpan<int> types, ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies)
    {
        SpeciesTable.CheckTypes(types, positions.Length / 3, Species);
        return Compute(positions, forces, atomEnergies);
    }
}
