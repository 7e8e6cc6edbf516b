namespace AlHpc.Potentials;

/// <summary>
/// The energy backend contract of Monte Carlo (the embedding API for external MC codes).
/// Units: eV and Angstrom.
/// <para>
/// Protocol: <see cref="Reset"/> loads a configuration (full recompute). Then any number of rounds of
/// one proposal (<see cref="ProposeMove"/>, <see cref="ProposeInsert"/> or <see cref="ProposeRemove"/>),
/// which returns the energy change dE of that proposal without changing the state, followed by exactly
/// one of <see cref="Accept"/> (commit the proposal; TotalEnergy += dE) or <see cref="Reject"/>.
/// Implementations recompute only what the proposal can affect (beads within the cutoff of the old and
/// new positions), so one proposal costs the same for 25 and for 2000 beads.
/// </para>
/// <para>
/// Removal of bead k moves the last bead into slot k (swap-remove); insertion appends at index Count.
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

    /// <summary>Energy change (eV) if a bead were inserted at (x, y, z).</summary>
    double ProposeInsert(double x, double y, double z);

    /// <summary>Energy change (eV) if bead <paramref name="index"/> were removed.</summary>
    double ProposeRemove(int index);

    /// <summary>Commits the pending proposal.</summary>
    void Accept();

    /// <summary>Drops the pending proposal.</summary>
    void Reject();
}
