using AlHpc.Network;
using Xunit;

namespace AlHpc.Tests.Network;

public class NetworkEvaluatorTests
{
    [Theory]
    [InlineData(Activation.Twist, 1)]
    [InlineData(Activation.Tanh, 7)]
    [InlineData(Activation.Sigmoid, 13)]
    [InlineData(Activation.MTanh, 64)]
    [InlineData(Activation.Linear, 3)]
    public void FastEqualsSimple(Activation act, int nAtoms)
    {
        var net = new NeuralNetwork([26, 10, 10, 1], [act, act, Activation.Linear]);
        var rng = new Random(nAtoms);
        for (int k = 0; k < net.WeightCount; k++) net.Weights[k] = 2 * rng.NextDouble() - 1;
        var x = Enumerable.Range(0, nAtoms * 26).Select(_ => 4 * rng.NextDouble() - 2).ToArray();
        var ws = net.CreateWorkspace(nAtoms);
        var o1 = new double[nAtoms]; var g1 = new double[nAtoms * 26];
        net.Forward(x, nAtoms, o1, ws);
        net.Backward(ws, g1);
        var ev = new NetworkEvaluator(net);
        var o2 = new double[nAtoms]; var g2 = new double[nAtoms * 26];
        ev.Evaluate(x, nAtoms, o2, g2);
        for (int a = 0; a < nAtoms; a++) Assert.True(Math.Abs(o1[a] - o2[a]) < 1e-12 * (1 + Math.Abs(o1[a])), $"out {a}: {o1[a]} vs {o2[a]}");
        for (int k = 0; k < g1.Length; k++) Assert.True(Math.Abs(g1[k] - g2[k]) < 1e-12 * (1 + Math.Abs(g1[k])), $"grad {k}: {g1[k]} vs {g2[k]}");
    }

    [Fact]
    public void VectorActivationsMatchScalar()
    {
        var xs = new double[] { -30, -5, -1.2, -1e-9, 0, 1e-12, 0.3, 2.5, 19, 400 };
        foreach (var a in Enum.GetValues<Activation>())
            foreach (var x in xs)
            {
                double y = ActivationFunctions.Evaluate(a, x, out double d);
                var yv = ActivationFunctions.Evaluate(a, new System.Numerics.Vector<double>(x), out var dv);
                Assert.True(Math.Abs(y - yv[0]) < 1e-15 * (1 + Math.Abs(y)), $"{a}({x}) = {y} vs {yv[0]}");
                Assert.True(Math.Abs(d - dv[0]) < 1e-15 * (1 + Math.Abs(d)), $"{a}'({x}) = {d} vs {dv[0]}");
            }
        Assert.True(double.IsNaN(ActivationFunctions.Tanh(new System.Numerics.Vector<double>(double.NaN))[0]));
    }

    [Fact]
    public void InputGradientMatchesFiniteDifferences()
    {
        var net = NeuralNetwork.CreateDefault();
        net.InitializeRandom(5);
        var ev = new NetworkEvaluator(net);
        var rng = new Random(2);
        var x = Enumerable.Range(0, 3 * 26).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var o = new double[3]; var g = new double[3 * 26];
        ev.Evaluate(x, 3, o, g);
        var op = new double[3]; var om = new double[3];
        for (int k = 0; k < x.Length; k++)
        {
            double x0 = x[k], h = 1e-6;
            x[k] = x0 + h; ev.Evaluate(x, 3, op);
            x[k] = x0 - h; ev.Evaluate(x, 3, om);
            x[k] = x0;
            double fd = (op[k / 26] - om[k / 26]) / (2 * h);
            Assert.True(Math.Abs(fd - g[k]) < 1e-7, $"{k}: {g[k]} vs {fd}");
        }
    }
}
