using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Structures;

namespace AlHpc.Tests.OpenCL;

/// <summary>
/// Plain, obviously-correct formulas (method.md sections 1 and 2), written directly in the test: brute-force
/// loops, no neighbour lists, no shared terms. The ground truth the backends are checked against.
/// </summary>
public static class PlainReference
{
    /// <summary>The 26-function water setup (8 shifted G2, 18 G5), Rc = 3.5 A.</summary>
    public static DescriptorSetup Water26()
    {
        var f = new List<SymmetryFunction>();
        foreach (var rs in new[] { 2.30, 2.46, 2.61, 2.77, 2.93, 3.09, 3.24, 3.40 }) f.Add(SymmetryFunction.G2(12.5, rs, 3.5));
        foreach (var eta in new[] { 0.00123, 0.0987, 0.308 })
            foreach (var lam in new[] { -1.0, 1.0 })
                foreach (var zeta in new[] { 1.0, 2.0, 4.0 }) f.Add(SymmetryFunction.G5(eta, lam, zeta, 3.5));
        return new DescriptorSetup(f);
    }

    private static double Fc(double r, double rc) => r < rc ? 0.5 * (Math.Cos(Math.PI * r / rc) + 1) : 0;

    /// <summary>Raw descriptors of one cluster (atoms x setup.Count).</summary>
    public static double[] Descriptors(DescriptorSetup setup, ReadOnlySpan<double> pos)
    {
        int n = pos.Length / 3, nf = setup.Count;
        var g = new double[n * nf];
        double D(ReadOnlySpan<double> p, int a, int b) =>
            Math.Sqrt(Sq(p[3 * b] - p[3 * a]) + Sq(p[3 * b + 1] - p[3 * a + 1]) + Sq(p[3 * b + 2] - p[3 * a + 2]));
        for (int i = 0; i < n; i++)
            for (int f = 0; f < nf; f++)
            {
                var s = setup.Functions[f];
                double sum = 0;
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    double rij = D(pos, i, j);
                    if (s.Kind == SymmetryFunctionKind.G2) { sum += Math.Exp(-s.Eta * Sq(rij - s.Rs)) * Fc(rij, s.Rc); continue; }
                    for (int k = j + 1; k < n; k++)
                    {
                        if (k == i) continue;
                        double rik = D(pos, i, k);
                        double cos = ((pos[3 * j] - pos[3 * i]) * (pos[3 * k] - pos[3 * i]) + (pos[3 * j + 1] - pos[3 * i + 1]) * (pos[3 * k + 1] - pos[3 * i + 1])
                                      + (pos[3 * j + 2] - pos[3 * i + 2]) * (pos[3 * k + 2] - pos[3 * i + 2])) / (rij * rik);
                        cos = Math.Clamp(cos, -1, 1);
                        sum += Math.Pow(2, 1 - s.Zeta) * Math.Pow(1 + s.Lambda * cos, s.Zeta) * Math.Exp(-s.Eta * (rij * rij + rik * rik)) * Fc(rij, s.Rc) * Fc(rik, s.Rc);
                    }
                }
                g[i * nf + f] = sum;
            }
        return g;
    }

    /// <summary>Total NN energy (eV) of one cluster: sum_i EnergyShift + NN((G_i - mean)/std)/EnergyScale.</summary>
    public static double NnEnergy(NnModel model, ReadOnlySpan<double> pos)
    {
        int n = pos.Length / 3;
        var g = Descriptors(model.Setup, pos);
        model.ScaleDescriptors(g);
        var o = new double[Math.Max(1, n)];
        var ws = model.Network.CreateWorkspace(Math.Max(1, n));
        if (n == 0) return 0;
        model.Network.Forward(g, n, o, ws);
        double e = 0;
        for (int i = 0; i < n; i++) e += model.AtomEnergy(o[i]);
        return e;
    }

    /// <summary>Central finite-difference forces (eV/A) of any energy function.</summary>
    public static double[] FdForces(Func<double[], double> energy, double[] pos, double h = 1e-5)
    {
        var f = new double[pos.Length];
        var p = (double[])pos.Clone();
        for (int k = 0; k < p.Length; k++)
        {
            double x = p[k];
            p[k] = x + h; double ep = energy(p);
            p[k] = x - h; double em = energy(p);
            p[k] = x;
            f[k] = -(ep - em) / (2 * h);
        }
        return f;
    }

    /// <summary>A random model: the given setup, 26-10-10-1 twist with seeded weights, scaling from the batch's own descriptors.</summary>
    public static NnModel RandomModel(DescriptorSetup setup, ClusterBatch batch, int seed)
    {
        var net = NeuralNetwork.CreateDefault(setup.Count);
        net.InitializeRandom(seed);
        var rng = new Random(seed + 1);
        for (int i = 0; i < net.Weights.Length; i++) net.Weights[i] += 0.1 * (2 * rng.NextDouble() - 1); // non-zero biases too
        int nf = setup.Count;
        var mean = new double[nf];
        var sq = new double[nf];
        int atoms = 0;
        var g = new BatchDescriptors(setup).ComputeValues(batch); // statistics only: the engine is fine here
        for (int a = 0; a < batch.AtomCount; a++, atoms++)
            for (int f = 0; f < nf; f++) { mean[f] += g[a * nf + f]; sq[f] += g[a * nf + f] * g[a * nf + f]; }
        var std = new double[nf];
        for (int f = 0; f < nf; f++)
        {
            mean[f] /= atoms;
            double v = sq[f] / atoms - mean[f] * mean[f];
            std[f] = v > 1e-24 ? Math.Sqrt(v) : 1.0;
        }
        return new NnModel(setup, net, mean, std) { EnergyScale = 2.0 / 0.8, EnergyShift = -0.25 };
    }

    private static double Sq(double x) => x * x;
}
