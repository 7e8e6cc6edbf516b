namespace AlHpc.MonteCarlo;

/// <summary>Builds start structures for Monte Carlo (A).</summary>
public static class ClusterBuilder
{
    /// <summary>
    /// A random connected cluster of <paramref name="count"/> beads, reproducible from <paramref name="seed"/>:
    /// bead 0 at the origin; each further bead is placed at distance <paramref name="bond"/> (A, default 2.7,
    /// about the ML-BOP dimer minimum) from a uniformly chosen existing bead in a uniformly random direction,
    /// and the placement is retried when it comes closer than <paramref name="minDistance"/> (A, default 2.2)
    /// to any bead. The result satisfies the Stillinger criterion for any distance &gt;= bond. The cluster
    /// is centred on its centroid. O(N^2); throws when no placement is found in 10,000 tries per bead.
    /// </summary>
    public static double[] RandomConnected(int count, ulong seed, double bond = 2.7, double minDistance = 2.2)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "a cluster needs at least one bead");
        if (!(bond > 0) || !(minDistance >= 0) || minDistance > bond) throw new ArgumentOutOfRangeException(nameof(minDistance), "need 0 <= minDistance <= bond");
        var rng = new McRandom(seed);
        var p = new double[3 * count];
        double min2 = minDistance * minDistance * (1 - 1e-12);
        for (int i = 1; i < count; i++)
        {
            int tries = 0;
            while (true)
            {
                if (++tries > 10_000) throw new InvalidOperationException($"could not place bead {i} of {count} after 10000 tries");
                int j = rng.NextInt(i);
                rng.NextUnitVector(out double ux, out double uy, out double uz);
                double x = p[3 * j] + bond * ux, y = p[3 * j + 1] + bond * uy, z = p[3 * j + 2] + bond * uz;
                bool clash = false;
                for (int k = 0; k < i && !clash; k++)
                {
                    double dx = p[3 * k] - x, dy = p[3 * k + 1] - y, dz = p[3 * k + 2] - z;
                    clash = dx * dx + dy * dy + dz * dz < min2;
                }
                if (clash) continue;
                p[3 * i] = x; p[3 * i + 1] = y; p[3 * i + 2] = z;
                break;
            }
        }
        double cx = 0, cy = 0, cz = 0;
        for (int i = 0; i < count; i++) { cx += p[3 * i]; cy += p[3 * i + 1]; cz += p[3 * i + 2]; }
        cx /= count; cy /= count; cz /= count;
        for (int i = 0; i < count; i++) { p[3 * i] -= cx; p[3 * i + 1] -= cy; p[3 * i + 2] -= cz; }
        return p;
    }
}
