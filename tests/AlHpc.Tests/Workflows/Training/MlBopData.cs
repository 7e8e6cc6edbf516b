using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Tests.Training;

/// <summary>ML-BOP-labelled 25-bead clusters: Metropolis snapshots (ML-BOP itself) started from the embedded minimized cluster.</summary>
internal static class MlBopData
{
    public static List<Cluster> ThermalClusters(int count, ulong seed, double temperatureK = 300, int every = 10)
    {
        var start = Xsf.Read(new StringReader(EmbeddedData.ReadText(EmbeddedData.SeedCluster25)), "struct_min_25.xsf").Positions;
        var frames = new List<Cluster>(count);
        var mc = new MetropolisSampler(new MetropolisSettings
        {
            TemperatureK = temperatureK, Cycles = (count + 5) * every, EquilibrationCycles = 20, TrajectoryEvery = every, Seed = seed,
        });
        var r = mc.Run(TersoffPotential.MlBop.CreateMcBackend(), start, f => { if (frames.Count < count) frames.Add(f); });
        if (frames.Count < count) throw new InvalidOperationException($"MC gave {frames.Count} frames: {r.Status} {r.Message}");
        // label with the reference evaluator (independent of the MC's incremental energies)
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        foreach (var f in frames)
        {
            var forces = new double[f.Positions.Length];
            f.Energy = ev.Compute(f.Positions, forces, Span<double>.Empty);
            f.Forces = forces;
        }
        return frames;
    }

    public static AlHpc.Training.TrainingSet TrainingSet(int count, ulong seed) =>
        AlHpc.Training.TrainingSet.FromClusters(ClusterBatch.FromClusters(ThermalClusters(count, seed)), DefaultSetups.Water26);
}
