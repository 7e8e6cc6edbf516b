using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Tests.Descriptors;

namespace AlHpc.Tests.Network;

public static class TestModels
{
    /// <summary>
    /// A model with random weights and biases (O(1) outputs), descriptor scaling taken from a random
    /// 40-bead cluster, and a non-trivial energy scale/shift.
    /// </summary>
    public static NnModel Random(int seed, Activation hidden = Activation.Twist, DescriptorSetup? setup = null, int[]? hiddenSizes = null)
    {
        setup ??= DefaultSetups.Water26;
        hiddenSizes ??= [10, 10];
        var sizes = new[] { setup.Count }.Concat(hiddenSizes).Append(1).ToArray();
        var acts = Enumerable.Repeat(hidden, hiddenSizes.Length).Append(Activation.Linear).ToArray();
        var net = new NeuralNetwork(sizes, acts);
        var rng = new Random(seed);
        for (int k = 0; k < net.WeightCount; k++) net.Weights[k] = (2 * rng.NextDouble() - 1) * 0.6;
        var g = ReferenceDescriptors.Compute(setup, TestClusters.Random(40, seed + 1000));
        int nf = setup.Count, n = g.Length / nf;
        var mean = new double[nf]; var std = new double[nf];
        for (int f = 0; f < nf; f++)
        {
            double s = 0, s2 = 0;
            for (int a = 0; a < n; a++) { s += g[a * nf + f]; s2 += g[a * nf + f] * g[a * nf + f]; }
            mean[f] = s / n;
            double v = s2 / n - mean[f] * mean[f];
            std[f] = v > 1e-20 ? Math.Sqrt(v) : 1.0;
        }
        return new NnModel(setup, net, mean, std) { EnergyScale = 8.5, EnergyShift = -0.31, IsolatedAtomEnergy = 0.0 };
    }

    /// <summary>The model with weight k set to v (models are immutable).</summary>
    public static NnModel WithWeight(NnModel model, int k, double v)
    {
        var w = model.Network.WeightValues.ToArray();
        w[k] = v;
        return model.WithWeights(w);
    }
}
