using System.Globalization;
using AlHpc.Structures;

namespace AlHpc.Tests.OpenCL;

/// <summary>Inputs shared by the OpenCL contract tests: LAMMPS-labelled clusters and random batches.</summary>
public static class ReferenceData
{
    /// <summary>tests/AlHpc.Tests/Data/mlbop_lammps.extxyz (23 clusters with ML-BOP energies and forces from LAMMPS).</summary>
    public static List<Cluster> LammpsClusters()
    {
        var lines = File.ReadAllLines(TestPaths.Data("mlbop_lammps.extxyz"));
        var list = new List<Cluster>();
        int l = 0;
        while (l < lines.Length)
        {
            if (lines[l].Trim().Length == 0) { l++; continue; }
            int n = int.Parse(lines[l].Trim(), CultureInfo.InvariantCulture);
            string comment = lines[l + 1];
            int ei = comment.IndexOf("energy=", StringComparison.Ordinal);
            double e = double.Parse(comment[(ei + 7)..].Split(' ')[0], CultureInfo.InvariantCulture);
            var pos = new double[3 * n];
            var f = new double[3 * n];
            for (int i = 0; i < n; i++)
            {
                var t = lines[l + 2 + i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int c = 0; c < 3; c++)
                {
                    pos[3 * i + c] = double.Parse(t[1 + c], CultureInfo.InvariantCulture);
                    f[3 * i + c] = double.Parse(t[4 + c], CultureInfo.InvariantCulture);
                }
            }
            list.Add(new Cluster(pos) { Energy = e, Forces = f });
            l += 2 + n;
        }
        return list;
    }

    /// <summary>
    /// Deterministic random clusters of sizes 1..maxSize: beads placed one by one 2.3-3.4 A from a random
    /// earlier bead, rejecting overlaps closer than 2.2 A (water-like densities, many neighbours within 3.5 A).
    /// </summary>
    public static ClusterBatch RandomBatch(int clusters, int maxSize, int seed, int minSize = 1)
    {
        var rng = new Random(seed);
        var list = new List<Cluster>();
        for (int c = 0; c < clusters; c++)
        {
            int n = minSize + rng.Next(maxSize - minSize + 1);
            var pos = new double[3 * n];
            for (int i = 1; i < n; i++)
            {
                for (int attempt = 0; ; attempt++)
                {
                    int k = rng.Next(i);
                    double ux = 2 * rng.NextDouble() - 1, uy = 2 * rng.NextDouble() - 1, uz = 2 * rng.NextDouble() - 1;
                    double u = Math.Sqrt(ux * ux + uy * uy + uz * uz);
                    if (u < 1e-3 || u > 1) continue;
                    double r = 2.3 + 1.1 * rng.NextDouble();
                    double x = pos[3 * k] + r * ux / u, y = pos[3 * k + 1] + r * uy / u, z = pos[3 * k + 2] + r * uz / u;
                    bool ok = true;
                    for (int j = 0; j < i && ok; j++)
                    {
                        double dx = pos[3 * j] - x, dy = pos[3 * j + 1] - y, dz = pos[3 * j + 2] - z;
                        ok = dx * dx + dy * dy + dz * dz > 2.2 * 2.2;
                    }
                    if (!ok && attempt < 200) continue;
                    pos[3 * i] = x; pos[3 * i + 1] = y; pos[3 * i + 2] = z;
                    break;
                }
            }
            list.Add(new Cluster(pos));
        }
        return ClusterBatch.FromClusters(list);
    }
}
