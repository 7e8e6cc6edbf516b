using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Training;

namespace AlHpc.Tests.Training;

/// <summary>Synthetic training sets (a smooth per-atom target of random positive "descriptors") and plain reference evaluation.</summary>
internal static class TrainerTestData
{
    public static DescriptorSetup Setup(int features) =>
        new(Enumerable.Range(0, features).Select(k => SymmetryFunction.G2(1.0 + k, 0.1 * k, 3.5)));

    /// <summary>A smooth per-atom energy (eV) of a descriptor vector.</summary>
    public static double AtomTarget(ReadOnlySpan<double> g) =>
        -0.30 + 0.02 * Math.Sin(2.5 * g[0]) + 0.015 * g[1] * g[2] - 0.01 * g[3] * g[3] + 0.005 * Math.Cos(g[0] + g[4]);

    public static TrainingSet Make(int structures, int seed, int features = 6, int minAtoms = 3, int maxAtoms = 9)
    {
        var rng = new Random(seed);
        var off = new int[structures + 1];
        for (int s = 0; s < structures; s++) off[s + 1] = off[s] + rng.Next(minAtoms, maxAtoms + 1);
        var d = new double[off[^1] * features];
        var e = new double[structures];
        for (int s = 0; s < structures; s++)
        {
            // structure-level "temperature" makes descriptors correlated within a structure, like real clusters
            double t = rng.NextDouble();
            for (int a = off[s]; a < off[s + 1]; a++)
            {
                var g = d.AsSpan(a * features, features);
                for (int k = 0; k < features; k++) g[k] = 0.5 + t + 0.6 * rng.NextDouble() + 0.1 * k;
                e[s] += AtomTarget(g);
            }
        }
        return new TrainingSet(Setup(features), d, off, e);
    }

    /// <summary>Total energy (eV) of structure s with the plain model formula E = sum_i EnergyShift + NN(Ĝ_i)/EnergyScale.</summary>
    public static double PlainEnergy(NnModel model, TrainingSet set, int s)
    {
        int f = set.FeatureCount, n = set.SizeOf(s);
        var g = set.Descriptors.AsSpan(set.Offsets[s] * f, n * f).ToArray();
        model.ScaleDescriptors(g);
        var o = new double[n];
        model.Network.Forward(g, n, o, model.Network.CreateWorkspace(n));
        double e = 0;
        for (int a = 0; a < n; a++) e += model.AtomEnergy(o[a]);
        return e;
    }

    /// <summary>Energy MAE (meV/molecule) of <paramref name="model"/> over the given structures, plain formula.</summary>
    public static double PlainMae(NnModel model, TrainingSet set, IEnumerable<int> structures)
    {
        double sum = 0;
        int count = 0;
        foreach (int s in structures)
        {
            sum += Math.Abs(set.Energies[s] - PlainEnergy(model, set, s)) / set.SizeOf(s);
            count++;
        }
        return 1000 * sum / count;
    }

    /// <summary>The anchored model with network weights w (EnergyShift set from the anchor), for reference evaluation.</summary>
    public static NnModel WithWeights(NnModel model, double[] w)
    {
        var m = model.WithWeights(w);
        if (m.AnchorIsolatedAtom)
        {
            var z0 = new double[m.Setup.Count];
            m.ScaleDescriptors(z0);
            var o = new double[1];
            m.Network.Forward(z0, 1, o, m.Network.CreateWorkspace(1));
            m = m with { EnergyShift = m.IsolatedAtomEnergy - o[0] / m.EnergyScale };
        }
        return m;
    }
}
