using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>
/// ADAPTER, TEMPORARY: a small monitoring-set generator used until the test-set generator of AlHpc.TestSets
/// is available; then <see cref="DefaultComponents.MonitorSet"/> calls that one instead.
/// Recipe: cluster size uniform in [min, max]; a random connected start (ClusterBuilder); a short
/// Metropolis run with the reference at a temperature uniform in 150-350 K (cycles: 40); the last
/// configuration, labelled with reference energy (eV) and forces (eV/A). Deterministic for the seed
/// (one derived seed per cluster), parallel over clusters.
/// </summary>
public static class MonitorSetGenerator
{
    public static List<Cluster> Generate(int count, int minMolecules, int maxMolecules, IPotential reference, int seed, int cycles = 40)
    {
        var result = new Cluster[count];
        Parallel.For(0, count, () => reference.CreateEvaluator(), (i, _, ev) =>
        {
            var rng = new Random(RunSeeds.For(seed, i, SeedPurpose.Monitor));
            int n = rng.Next(minMolecules, maxMolecules + 1);
            double t = 150 + 200 * rng.NextDouble();
            var start = ClusterBuilder.RandomConnected(n, (ulong)rng.NextInt64());
            double[] pos = start;
            if (n > 1 && cycles > 0)
            {
                var r = new MetropolisSampler(new MonteCarlo.MetropolisSettings { Cycles = cycles, TemperatureK = t, TrajectoryEvery = 0, Seed = (ulong)rng.NextInt64() })
                    .Run(reference.CreateMcBackend(), start);
                if (r.Status == McStatus.Completed) pos = r.FinalPositions;
            }
            var f = new double[pos.Length];
            double e = ev.Compute(pos, f, Span<double>.Empty);
            var c = new Cluster((double[])pos.Clone()) { Energy = e, Forces = f };
            c.SetInfo("temperature_K", t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
            result[i] = c;
            return ev;
        }, _ => { });
        return result.ToList();
    }
}
