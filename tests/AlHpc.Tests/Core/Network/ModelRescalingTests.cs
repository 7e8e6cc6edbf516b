using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Tests.Descriptors;
using Xunit;

namespace AlHpc.Tests.Network;

/// <summary><see cref="NnModel.WithScaling"/>: new descriptor and energy scaling, same atomic energies.</summary>
public class ModelRescalingTests
{
    [Theory]
    [InlineData(Activation.Twist, 1)]
    [InlineData(Activation.Tanh, 2)]
    [InlineData(Activation.Sigmoid, 3)]
    public void RescaledModelGivesTheSameEnergiesAndForces(Activation act, int seed)
    {
        var model = TestModels.Random(seed, act);
        var rng = new Random(seed);
        int f = model.Setup.Count;
        var mean = Enumerable.Range(0, f).Select(k => model.DescriptorMean[k] + 0.3 * (rng.NextDouble() - 0.5)).ToArray();
        var std = Enumerable.Range(0, f).Select(k => model.DescriptorStd[k] * (0.2 + 3 * rng.NextDouble())).ToArray();
        var rescaled = model.WithScaling(mean, std, energyScale: 2.7, energyShift: -0.05);

        Assert.Equal(mean, rescaled.DescriptorMean);
        Assert.Equal(std, rescaled.DescriptorStd);
        Assert.Equal(2.7, rescaled.EnergyScale);
        Assert.Equal(-0.05, rescaled.EnergyShift);
        Assert.NotEqual(model.Network.WeightValues.ToArray(), rescaled.Network.WeightValues.ToArray());
        Assert.Equal(8.5, model.EnergyScale); // the original is untouched

        var a = new NnPotential(model).CreateEvaluator();
        var b = new NnPotential(rescaled).CreateEvaluator();
        foreach (int n in new[] { 1, 2, 7, 30 })
        {
            var p = TestClusters.Random(n, seed * 100 + n);
            var fa = new double[3 * n]; var fb = new double[3 * n];
            var ea = new double[n]; var eb = new double[n];
            double ta = a.Compute(p, fa, ea), tb = b.Compute(p, fb, eb);
            Assert.Equal(ta, tb, 1e-11 * Math.Max(1, Math.Abs(ta)));
            for (int i = 0; i < n; i++) Assert.Equal(ea[i], eb[i], 1e-11);
            for (int i = 0; i < 3 * n; i++) Assert.Equal(fa[i], fb[i], 1e-10);
        }
    }

    [Fact]
    public void DescriptorStatisticsArePopulationMeanAndStdWithConstantFunctionsAtOne()
    {
        // two functions over three rows: (1, 5), (2, 5), (6, 5)
        double[] g = [1, 5, 2, 5, 6, 5];
        var (mean, std) = NnModel.DescriptorStatistics(g, 2);
        Assert.Equal(3.0, mean[0], 1e-15);
        Assert.Equal(Math.Sqrt((4 + 1 + 9) / 3.0), std[0], 1e-15);
        Assert.Equal(5.0, mean[1], 1e-15);
        Assert.Equal(1.0, std[1]); // constant: carries no information
    }

    [Fact]
    public void RescalingRefusesBadScalingAndNonLinearOutput()
    {
        var model = TestModels.Random(5);
        int f = model.Setup.Count;
        var ones = Enumerable.Repeat(1.0, f).ToArray();
        Assert.Throws<ArgumentException>(() => model.WithScaling(new double[f], new double[f], 1, 0)); // std 0
        Assert.Throws<ArgumentException>(() => model.WithScaling(new double[f], ones, 0, 0));
        Assert.Throws<ArgumentException>(() => model.WithScaling(new double[f - 1], ones, 1, 0));
        var net = new NeuralNetwork([f, 3, 1], [Activation.Tanh, Activation.Tanh]);
        var nonLinear = new NnModel(DefaultSetups.Water26, net);
        Assert.Throws<NotSupportedException>(() => nonLinear.WithScaling(new double[f], ones, 1, 0));
    }
}
