namespace AlHpc.MonteCarlo;

/// <summary>
/// The Monte Carlo defaults every sampler shares (docs/montecarlo.md, "Defaults"): `alhpc sample`,
/// the active-learning loop and the library samplers (<see cref="McSettings"/>).
/// </summary>
public static class McDefaults
{
    /// <summary>
    /// Hard core (A): a trial move that brings two molecules closer than this is rejected. 2.0 A is well
    /// inside ML-BOP's repulsive wall (dimer minimum 2.71 A; the reference never visits it at the sampled
    /// temperatures) and keeps a young network, which has no wall, from merging molecules.
    /// Test sets keep their recorded recipe value (min_pair_A=1.5) so that published sets regenerate bit for bit.
    /// </summary>
    public const double HardCoreDistance = 2.0;

    /// <summary>Stillinger cluster criterion (A): every molecule within this distance of another one (ClassyMC: 4.0).</summary>
    public const double CriterionDistance = 4.0;
}
