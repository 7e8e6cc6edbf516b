using System.Runtime.CompilerServices;

namespace AlHpc.MonteCarlo;

/// <summary>
/// The Monte Carlo random number generator: xoshiro256** (Blackman and Vigna, 2018) seeded through
/// SplitMix64. Our own implementation so that a trajectory depends only on the seed, never on the .NET
/// version's <see cref="Random"/>. A mutable struct: keep it in a field or local, never copy it by value
/// while sampling (a copy replays the same numbers).
/// </summary>
public struct McRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words with SplitMix64 from <paramref name="seed"/> (any value, 0 included).</summary>
    public McRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>One SplitMix64 step (Steele, Lea and Flood 2014): advances <paramref name="state"/>, returns the output.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="n"/>) (n &gt; 0), unbiased (Lemire's multiply-shift with rejection).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong range = (ulong)n;
        ulong x = NextUInt64() >> 32;
        ulong m = x * range;
        uint low = (uint)m;
        if (low < (uint)n)
        {
            uint threshold = (uint)(-n) % (uint)n;
            while (low < threshold)
            {
                x = NextUInt64() >> 32;
                m = x * range;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>A point uniform in the unit ball (rejection from the cube).</summary>
    public void NextInUnitBall(out double x, out double y, out double z)
    {
        while (true)
        {
            x = 2 * NextDouble() - 1;
            y = 2 * NextDouble() - 1;
            z = 2 * NextDouble() - 1;
            if (x * x + y * y + z * z <= 1) return;
        }
    }

    /// <summary>A uniformly random unit vector.</summary>
    public void NextUnitVector(out double x, out double y, out double z)
    {
        while (true)
        {
            NextInUnitBall(out x, out y, out z);
            double r2 = x * x + y * y + z * z;
            if (r2 > 1e-12)
            {
                double inv = 1 / Math.Sqrt(r2);
                x *= inv; y *= inv; z *= inv;
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
