using AlHpc.Structures;

namespace AlHpc.Potentials;

/// <summary>
/// The energy backend contract of Monte Carlo (the embedding API for external MC codes).
/// Units: eV and Angstrom.
/// <para>
/// Protocol: <see cref="Reset(ReadOnlySpan{double})"/> loads a configuration (full recompute). Then any number of rounds of
/// one proposal (<see cref="ProposeMove"/>, <see cref="ProposeInsert(double, double, double)"/> or <see cref="ProposeRemove"/>),
/// which returns the energy change dE of that proposal without changing the state, followed by exactly
/// one of <see cref="Accept"/> (commit the proposal; TotalEnergy += dE) or <see cref="Reject"/>.
/// Implementations recompute only what the proposal can affect (beads within the cutoff of the old and
/// new positions), so one proposal costs the same for 25 and for 2000 beads.
/// </para>
/// <para>
/// Removal of bead k moves the last bead into slot k (swap-remove); insertion appends at index Count.
/// </para>
/// <para>
/// Species: every bead has a type (<see cref="TypeOf"/>), an index into the species of the potential that made the
/// backend (<see cref="IPotential.Species"/>; <see cref="SpeciesCount"/> of them). The untyped members work on type 0;
/// the typed ones (<see cref="Reset(ReadOnlySpan{int}, ReadOnlySpan{double})"/>,
/// <see cref="ProposeInsert(int, double, double, double)"/>) default to single-species backends: they check the
/// type is 0 (<see cref="SpeciesTable"/>, a <see cref="SpeciesException"/> otherwise) and delegate.
/// Multi-species backends override them.
/// </para>
/// </summary>
public interface IMcEnergyBackend
{
    /// <summary>Current number of beads.</summary>
    int Count { get; }

    /// <summary>Current flat positions (A). Valid until the next Accept/Reset.</summary>
    ReadOnlySpan<double> Positions { get; }

    /// <summary>Total energy (eV) of the current configuration.</summary>
    double TotalEnergy { get; }

    /// <summary>Full resync: loads positions (A) and recomputes everything. Returns the total energy (eV).</summary>
    double Reset(ReadOnlySpan<double> positions);

    /// <summary>Energy change (eV) if bead <paramref name="index"/> moved to (x, y, z).</summary>
    double ProposeMove(int index, double x, double y, double z);

    /// <summary>Energy change (eV) if a bead (of type 0) were inserted at (x, y, z).</summary>
    double ProposeInsert(double x, double y, double z);

    /// <summary>Energy change (eV) if bead <paramref name="index"/> were removed.</summary>
    double ProposeRemove(int index);

    /// <summary>Number of species the backend accepts (types 0..SpeciesCount-1); 1 by default.</summary>
    int SpeciesCount => 1;

    /// <summary>The type of bead <paramref name="index"/> (0 for single-species backends).</summary>
    int TypeOf(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"bead {index} does not exist ({Count} beads)");
        return 0;
    }

    /// <summary>Full resync with the type of every bead (one per bead). Returns the total energy (eV).</summary>
    double Reset(ReadOnlySpan<int> types, ReadOnlySpan<double> positions)
    {
        SpeciesTable.CheckTypes(types, positions.Length / 3, SpeciesCount);
        return Reset(positions);
    }

    /// <summary>Energy change (eV) if a bead of type <paramref name="type"/> were inserted at (x, y, z).</summary>
    double ProposeInsert(int type, double x, double y, double z)
    {
        SpeciesTable.CheckType(type, SpeciesCount);
        return ProposeInsert(x, y, z);
    }

    /// <summary>Commits the pending proposal.</summary>
    void Accept();

    /// <summary>Drops the pending proposal.</summary>
    void Reject();
}
