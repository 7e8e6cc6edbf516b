namespace AlHpc;

/// <summary>Units: energies eV, lengths Angstrom, temperatures K, masses u.</summary>
public static class Units
{
    /// <summary>Boltzmann constant in eV/K (CODATA 2018).</summary>
    public const double BoltzmannEvPerK = 8.617333262e-5;

    /// <summary>Mass of one coarse-grained water bead (u).</summary>
    public const double WaterBeadMassU = 18.015;
}
