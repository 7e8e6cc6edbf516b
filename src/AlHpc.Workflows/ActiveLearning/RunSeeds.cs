namespace AlHpc.ActiveLearning;

/// <summary>What a derived seed is used for (part of the derivation, so purposes never share a stream).</summary>
public enum SeedPurpose
{
    Training = 1,
    PoolPick = 2,
    Metropolis = 3,
    Nested = 4,
    NestedStart = 5,
    Monitor = 6,
    FinalTraining = 7,
    Holdout = 8,
    StartSize = 9,
    Audit = 10,
    /// <summary>Committee member j of generation k: iteration = k * 64 + j.</summary>
    CommitteeMember = 11,
    MetropolisStart = 12,
}

/// <summary>
/// Seeds derived from (master seed, iteration, purpose) by a SplitMix64 hash. Nothing carries random
/// state from one iteration to the next, so a run resumed after iteration k makes exactly the choices
/// the uninterrupted run makes.
/// </summary>
internal static class RunSeeds
{
    public static int For(int masterSeed, int iteration, SeedPurpose purpose)
    {
        ulong x = (ulong)(uint)masterSeed;
        x = Mix(x ^ 0x9E3779B97F4A7C15UL);
        x = Mix(x ^ ((ulong)(uint)iteration * 0xBF58476D1CE4E5B9UL));
        x = Mix(x ^ ((ulong)purpose * 0x94D049BB133111EBUL));
        return (int)(x & 0x7FFFFFFF);
    }

    /// <summary>One SplitMix64 step from state z (the Monte Carlo generator's, <see cref="MonteCarlo.McRandom.SplitMix64"/>).</summary>
    private static ulong Mix(ulong z) => MonteCarlo.McRandom.SplitMix64(ref z);
}
