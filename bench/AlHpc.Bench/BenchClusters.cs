using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.Bench;

/// <summary>Clusters for the descriptor and network benchmarks.</summary>
public static class BenchClusters
{
    /// <summary>Thermal ML-BOP cluster of the given size from tests/AlHpc.Tests/Data/mlbop_lammps.extxyz (sizes 1-200).</summary>
    public static Cluster Thermal(int size)
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "AlHpc.sln"))) d = d.Parent;
        if (d == null) throw new InvalidOperationException("AlHpc.sln not found above the benchmark binaries");
        var path = Path.Combine(d.FullName, "tests", "AlHpc.Tests", "Data", "mlbop_lammps.extxyz");
        return ExtXyz.Read(path).First(c => c.Count == size);
    }

    /// <summary>
    /// Liquid-like random cluster: each bead 2.5-3.3 A from an earlier one, none closer than 2.4 A
    /// (about 3.5-4.5 neighbours within 3.5 A, like the thermal clusters). Deterministic for a seed.
    /// </summary>
    public static double[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var p = new double[3 * n];
        int placed = n > 0 ? 1 : 0;
        while (placed < n)
        {
            int a = rng.Next(placed);
            double r = 2.5 + 0.8 * rng.NextDouble();
            double z = 2 * rng.NextDouble() - 1, phi = 2 * Math.PI * rng.NextDouble(), s = Math.Sqrt(1 - z * z);
            double x = p[3 * a] + r * s * Math.Cos(phi), y = p[3 * a + 1] + r * s * Math.Sin(phi), w = p[3 * a + 2] + r * z;
            bool ok = true;
            for (int b = 0; b < placed && ok; b++)
            {
                double dx = p[3 * b] - x, dy = p[3 * b + 1] - y, dz = p[3 * b + 2] - w;
                if (dx * dx + dy * dy + dz * dz < 2.4 * 2.4) ok = false;
            }
            if (!ok) continue;
            p[3 * placed] = x; p[3 * placed + 1] = y; p[3 * placed + 2] = w;
            placed++;
        }
        return p;
    }

    /// <summary>10,000 random 25-bead clusters (the training-set shape), 250,000 beads.</summary>
    public static ClusterBatch Batch(int clusters = 10_000, int size = 25)
    {
        var list = new List<Cluster>(clusters);
        for (int c = 0; c < clusters; c++) list.Add(new Cluster(Random(size, 1000 + c)));
        return ClusterBatch.FromClusters(list);
    }

    public static AlHpc.Network.NnModel DefaultModel()
    {
        var net = AlHpc.Network.NeuralNetwork.CreateDefault();
        net.InitializeRandom(7);
        return new AlHpc.Network.NnModel(AlHpc.Descriptors.DefaultSetups.Water26, net) { EnergyScale = 20, EnergyShift = -0.3 };
    }
}
