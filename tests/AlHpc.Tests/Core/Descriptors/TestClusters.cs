namespace AlHpc.Tests.Descriptors;

/// <summary>Random cluster generators for descriptor and network tests.</summary>
public static class TestClusters
{
    /// <summary>
    /// A connected random cluster: each new bead 2.4-3.4 A from a random earlier bead and no closer than
    /// 2.2 A to any (liquid-like water spacing). Deterministic for a seed.
    /// </summary>
    public static double[] Random(int n, int seed, double rMin = 2.4, double rMax = 3.4, double exclusion = 2.2)
    {
        var rng = new Random(seed);
        var p = new double[3 * n];
        int placed = n > 0 ? 1 : 0;
        while (placed < n)
        {
            int a = rng.Next(placed);
            double r = rMin + (rMax - rMin) * rng.NextDouble();
            double z = 2 * rng.NextDouble() - 1, phi = 2 * Math.PI * rng.NextDouble(), s = Math.Sqrt(1 - z * z);
            double x = p[3 * a] + r * s * Math.Cos(phi), y = p[3 * a + 1] + r * s * Math.Sin(phi), w = p[3 * a + 2] + r * z;
            bool ok = true;
            for (int b = 0; b < placed && ok; b++)
            {
                double dx = p[3 * b] - x, dy = p[3 * b + 1] - y, dz = p[3 * b + 2] - w;
                if (dx * dx + dy * dy + dz * dz < exclusion * exclusion) ok = false;
            }
            if (!ok) continue;
            p[3 * placed] = x; p[3 * placed + 1] = y; p[3 * placed + 2] = w;
            placed++;
        }
        return p;
    }
}
