using System.Globalization;
using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Tests.Descriptors;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Cli;

/// <summary>
/// Issue 16, "A trained model cannot leave AlHpc": activation and architecture as settings of train and
/// learn, and n2p2 export checked by an independent n2p2 evaluator written here from n2p2's documented
/// formats (input.nn, scaling.data, weights.ZZZ.data), not from AlHpc's code.
/// </summary>
[Collection("console")]
public class PortableModelTests
{
    [Fact]
    public void TrainTakesActivationAndArchitecture()
    {
        var dir = TestPaths.NewTempDir();
        var data = Path.Combine(dir, "d.xyz");
        var clusters = Enumerable.Range(0, 6).Select(i => new AlHpc.Structures.Cluster(TestClusters.Random(5 + i, 40 + i))).ToList();
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        foreach (var c in clusters) c.Energy = ev.Compute(c.Positions, new double[c.Positions.Length], default);
        ExtXyz.Write(data, clusters);
        var model = Path.Combine(dir, "m.json");
        var (code, _, err) = CliHarness.Run("train", "--data", data, "--activation", "mtanh", "--hidden", "6,5,4", "--epochs", "3", "-o", model);
        Assert.True(code == 0, err);
        var m = ModelFile.Load(model);
        Assert.Equal([26, 6, 5, 4, 1], m.Network.LayerSizes);
        Assert.Equal([Activation.MTanh, Activation.MTanh, Activation.MTanh, Activation.Linear], m.Network.Activations);
        err = CliHarness.Fails("train", "--data", data, "--activation", "relu", "-o", model);
        Assert.Contains("linear, tanh, sigmoid, twist, mtanh", err);
    }

    [Fact]
    public void LearnConfigurationTakesActivationAndArchitecture()
    {
        var dir = TestPaths.NewTempDir();
        var cfg = Path.Combine(dir, "c.json");
        File.WriteAllText(cfg, """
        { "seed": 5, "training": { "epochs": 5, "hiddenLayers": [4, 3], "activation": "sigmoid" },
          "sampling": { "metropolis": { "cycles": 10 }, "nested": { "cycles": 10 } },
          "stop": { "maxIterations": 1 }, "monitor": { "size": 0 }, "plots": false }
        """);
        var run = Path.Combine(dir, "run");
        var (code, _, err) = CliHarness.Run("learn", "--config", cfg, "--out", run);
        Assert.True(code == 0, err);
        var m = ModelFile.Load(Path.Combine(run, "model.json"));
        Assert.Equal([26, 4, 3, 1], m.Network.LayerSizes);
        Assert.Equal([Activation.Sigmoid, Activation.Sigmoid, Activation.Linear], m.Network.Activations);
        File.WriteAllText(cfg, """{ "training": { "activation": "softplus" } }""");
        err = CliHarness.Fails("learn", "--config", cfg, "--print-config");
        Assert.Contains("training.activation must be one of linear, tanh, sigmoid, twist, mtanh", err);
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.MTanh)]
    [InlineData(Activation.Linear)]
    public void N2p2ExportGivesTheSameEnergiesInAnIndependentN2p2Evaluator(Activation hidden)
    {
        var model = TestModels.Random(11, hidden);
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "m.json");
        ModelFile.Save(path, model);
        var (code, _, err) = CliHarness.Run("export-n2p2", path, "-o", Path.Combine(dir, "nnp"));
        Assert.True(code == 0, err);
        var n2p2 = IndependentN2p2.Load(Path.Combine(dir, "nnp"));
        var pot = new NnPotential(model).CreateEvaluator();
        foreach (var (n, seed) in new[] { (1, 1), (2, 2), (9, 3), (30, 4) })
        {
            var x = TestClusters.Random(n, seed);
            double expected = pot.Compute(x, new double[x.Length], default);
            Assert.Equal(expected, n2p2.Energy(x), 1e-9 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void N2p2ExportOfTwistSaysWhatToDoInstead()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "m.json");
        ModelFile.Save(path, TestModels.Random(2, Activation.Twist));
        var err = CliHarness.Fails("export-n2p2", path, "-o", Path.Combine(dir, "nnp"));
        Assert.Contains("--activation tanh, sigmoid or mtanh", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "nnp")));
    }

    /// <summary>
    /// n2p2's short-range HDNNP for one element, from its files: symmetry functions type 2
    /// (exp(-eta (r - rs)^2) fc(r)) and type 9 (2^(1-zeta) sum over pairs j &lt; k of (1 + lambda cos)^zeta
    /// exp(-eta ((rij - rs)^2 + (rik - rs)^2)) fc(rij) fc(rik)), cosine cutoff 0.5 (cos(pi r / rc) + 1),
    /// sigma scaling Smin + (Smax - Smin)(G - mean)/sigma, per-layer activations l/t/s, weights per layer
    /// (a: for each previous node j, for each node k; then b: one bias per node), and
    /// E = sum_i NN_i / conv_energy + N mean_energy.
    /// </summary>
    private sealed class IndependentN2p2
    {
        private readonly List<(int Type, double Eta, double Rs, double Lambda, double Zeta, double Rc)> _sf = [];
        private readonly List<double[]> _scaling = [];
        private int[] _nodes = [];
        private string[] _acts = [];
        private double[][] _w = [];
        private double[][] _b = [];
        private double _meanEnergy, _convEnergy = 1, _smin, _smax = 1;

        private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

        public static IndependentN2p2 Load(string dir)
        {
            var p = new IndependentN2p2();
            var hidden = new List<int>();
            foreach (var raw in File.ReadLines(Path.Combine(dir, "input.nn")))
            {
                var t = raw.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (t.Length == 0) continue;
                switch (t[0])
                {
                    case "mean_energy": p._meanEnergy = D(t[1]); break;
                    case "conv_energy": p._convEnergy = D(t[1]); break;
                    case "scale_min_short": p._smin = D(t[1]); break;
                    case "scale_max_short": p._smax = D(t[1]); break;
                    case "global_nodes_short": hidden.AddRange(t.Skip(1).Select(int.Parse)); break;
                    case "global_activation_short": p._acts = t.Skip(1).ToArray(); break;
                    case "cutoff_type": Assert.Equal("1", t[1]); break;
                    case "symfunction_short" when t[2] == "2": p._sf.Add((2, D(t[4]), D(t[5]), 0, 0, D(t[6]))); break;
                    case "symfunction_short" when t[2] == "9": p._sf.Add((9, D(t[5]), D(t[9]), D(t[6]), D(t[7]), D(t[8]))); break;
                    case "symfunction_short": throw new InvalidDataException($"unexpected symmetry function type {t[2]}");
                }
            }
            foreach (var raw in File.ReadLines(Path.Combine(dir, "scaling.data")))
            {
                var t = raw.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (t.Length == 6) p._scaling.Add(t.Select(D).ToArray());
            }
            p._nodes = [p._sf.Count, .. hidden, 1];
            int layers = p._nodes.Length - 1;
            Assert.Equal(layers, p._acts.Length);
            var values = File.ReadLines(Path.Combine(dir, "weights.008.data")).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0)
                .Select(l => D(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])).ToArray();
            p._w = new double[layers][]; p._b = new double[layers][];
            int at = 0;
            for (int l = 0; l < layers; l++)
            {
                int nin = p._nodes[l], nout = p._nodes[l + 1];
                p._w[l] = new double[nin * nout]; p._b[l] = new double[nout];
                for (int j = 0; j < nin; j++) for (int k = 0; k < nout; k++) p._w[l][k * nin + j] = values[at++];
                for (int k = 0; k < nout; k++) p._b[l][k] = values[at++];
            }
            Assert.Equal(values.Length, at);
            return p;
        }

        private static double Fc(double r, double rc) => r < rc ? 0.5 * (Math.Cos(Math.PI * r / rc) + 1) : 0;

        public double Energy(double[] x)
        {
            int n = x.Length / 3;
            double e = 0;
            for (int i = 0; i < n; i++)
            {
                var g = new double[_sf.Count];
                for (int f = 0; f < _sf.Count; f++)
                {
                    var s = _sf[f];
                    double sum = 0;
                    for (int j = 0; j < n; j++)
                    {
                        if (j == i) continue;
                        double rij = Dist(x, i, j);
                        if (rij >= s.Rc) continue;
                        if (s.Type == 2) { sum += Math.Exp(-s.Eta * (rij - s.Rs) * (rij - s.Rs)) * Fc(rij, s.Rc); continue; }
                        for (int k = j + 1; k < n; k++)
                        {
                            if (k == i) continue;
                            double rik = Dist(x, i, k);
                            if (rik >= s.Rc) continue;
                            double cos = 0;
                            for (int d = 0; d < 3; d++) cos += (x[3 * j + d] - x[3 * i + d]) * (x[3 * k + d] - x[3 * i + d]);
                            cos /= rij * rik;
                            sum += Math.Pow(1 + s.Lambda * cos, s.Zeta) * Math.Exp(-s.Eta * ((rij - s.Rs) * (rij - s.Rs) + (rik - s.Rs) * (rik - s.Rs))) * Fc(rij, s.Rc) * Fc(rik, s.Rc);
                        }
                    }
                    g[f] = s.Type == 9 ? Math.Pow(2, 1 - s.Zeta) * sum : sum;
                    g[f] = _smin + (_smax - _smin) * (g[f] - _scaling[f][4]) / _scaling[f][5];
                }
                double[] a = g;
                for (int l = 0; l < _w.Length; l++)
                {
                    int nin = _nodes[l], nout = _nodes[l + 1];
                    var y = new double[nout];
                    for (int k = 0; k < nout; k++)
                    {
                        double z = _b[l][k];
                        for (int j = 0; j < nin; j++) z += _w[l][k * nin + j] * a[j];
                        y[k] = _acts[l] switch
                        {
                            "l" => z,
                            "t" => Math.Tanh(z),
                            "s" => 1 / (1 + Math.Exp(-z)),
                            _ => throw new InvalidDataException($"activation {_acts[l]}"),
                        };
                    }
                    a = y;
                }
                e += a[0] / _convEnergy + _meanEnergy;
            }
            return e;
        }

        private static double Dist(double[] x, int i, int j)
        {
            double dx = x[3 * i] - x[3 * j], dy = x[3 * i + 1] - x[3 * j + 1], dz = x[3 * i + 2] - x[3 * j + 2];
            return Math.Sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
}
