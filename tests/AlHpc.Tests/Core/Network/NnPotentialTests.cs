using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Tests.Descriptors;
using Xunit;

namespace AlHpc.Tests.Network;

public class NnPotentialTests
{
    /// <summary>Energy from the plain paths: reference descriptors, simple network.</summary>
    private static double ReferenceEnergy(NnModel m, double[] p, double[]? atomE = null)
    {
        int n = p.Length / 3;
        if (n == 0) return 0;
        var g = ReferenceDescriptors.Compute(m.Setup, p);
        m.ScaleDescriptors(g);
        var o = new double[n];
        m.Network.Forward(g, n, o, m.Network.CreateWorkspace(n));
        double e = 0;
        for (int a = 0; a < n; a++) { double ea = m.AtomEnergy(o[a]); e += ea; if (atomE != null) atomE[a] = ea; }
        return e;
    }

    [Theory]
    [InlineData(Activation.Twist, 1)]
    [InlineData(Activation.Tanh, 2)]
    [InlineData(Activation.Sigmoid, 3)]
    [InlineData(Activation.MTanh, 4)]
    public void EnergyMatchesReferenceAndForcesMatchFiniteDifferences(Activation act, int seed)
    {
        var model = TestModels.Random(seed, act);
        var pot = new NnPotential(model);
        var ev = pot.CreateEvaluator();
        foreach (int n in new[] { 1, 2, 3, 12 })
        {
            var p = TestClusters.Random(n, seed * 10 + n);
            var f = new double[3 * n]; var ea = new double[n];
            double e = ev.Compute(p, f, ea);
            var eaRef = new double[n];
            double eRef = ReferenceEnergy(model, p, eaRef);
            Assert.True(Math.Abs(e - eRef) < 1e-11 * (1 + Math.Abs(eRef)), $"E {e} vs reference {eRef}");
            for (int a = 0; a < n; a++) Assert.True(Math.Abs(ea[a] - eaRef[a]) < 1e-11);
            Assert.True(Math.Abs(ea.Sum() - e) < 1e-12);
            for (int q = 0; q < 3 * n; q++)
            {
                double x0 = p[q], h = 1e-5;
                p[q] = x0 + h; double ep = ev.Compute(p, default, default);
                p[q] = x0 - h; double em = ev.Compute(p, default, default);
                p[q] = x0;
                double fd = -(ep - em) / (2 * h);
                Assert.True(Math.Abs(fd - f[q]) < 1e-6 * (1 + Math.Abs(fd)), $"{act} n={n} F[{q}] analytic {f[q]} vs FD {fd}");
            }
        }
    }

    [Fact]
    public void ForcesNearCutoffMatchFiniteDifferences()
    {
        var model = TestModels.Random(9, Activation.Twist, DescriptorEngineTests.Mixed, [7]);
        var ev = new NnPotential(model).CreateEvaluator();
        var p = new double[] { 0, 0, 0, 3.4995, 0, 0, 0, 3.4999, 0.001, 0.2, 0.1, 3.5002, -2.9995, 0.01, 0, 1.0, 2.8, 1.0 };
        int n = p.Length / 3;
        var f = new double[3 * n];
        ev.Compute(p, f, default);
        for (int q = 0; q < 3 * n; q++)
        {
            double x0 = p[q], h = 1e-6;
            p[q] = x0 + h; double ep = ev.Compute(p, default, default);
            p[q] = x0 - h; double em = ev.Compute(p, default, default);
            p[q] = x0;
            double fd = -(ep - em) / (2 * h);
            Assert.True(Math.Abs(fd - f[q]) < 1e-6 * (1 + Math.Abs(fd)), $"F[{q}] analytic {f[q]} vs FD {fd}");
        }
    }

    [Fact]
    public void MonomerGetsIsolatedAtomEnergyWithAnchorShift()
    {
        var model = TestModels.Random(17) with { IsolatedAtomEnergy = -0.0123 };
        // anchor rule (NnModel remarks): EnergyShift = IsolatedAtomEnergy - NN(G0_scaled)/EnergyScale
        var g0 = new double[model.Setup.Count];
        model.ScaleDescriptors(g0);
        var o = new double[1];
        model.Network.Forward(g0, 1, o, model.Network.CreateWorkspace(1));
        model = model with { EnergyShift = model.IsolatedAtomEnergy - o[0] / model.EnergyScale };
        var ev = new NnPotential(model).CreateEvaluator();
        double e = ev.Compute([1.5, -2.0, 7.0], default, default);
        Assert.True(Math.Abs(e - model.IsolatedAtomEnergy) < 1e-15, $"monomer {e} vs {model.IsolatedAtomEnergy}");
        // two beads beyond the cutoff: twice the isolated energy, zero forces
        var f = new double[6];
        double e2 = ev.Compute([0, 0, 0, 0, 0, 3.6], f, default);
        Assert.True(Math.Abs(e2 - 2 * model.IsolatedAtomEnergy) < 1e-15);
        Assert.All(f, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void BatchEqualsSerialAndPerCluster()
    {
        var model = TestModels.Random(23);
        var pot = new NnPotential(model);
        var clusters = new List<Cluster>();
        var rng = new Random(1);
        for (int c = 0; c < 60; c++) clusters.Add(new Cluster(TestClusters.Random(1 + rng.Next(40), 500 + c)));
        var batch = ClusterBatch.FromClusters(clusters);
        var e1 = new double[60]; var f1 = new double[3 * batch.AtomCount]; var a1 = new double[batch.AtomCount];
        pot.EvaluateBatch(batch, e1, f1, a1);
        var e2 = new double[60]; var f2 = new double[3 * batch.AtomCount]; var a2 = new double[batch.AtomCount];
        pot.EvaluateBatch(batch, e2, f2, a2, maxDegreeOfParallelism: 1);
        Assert.Equal(e1, e2); Assert.Equal(f1, f2); Assert.Equal(a1, a2);
        var ev = pot.CreateEvaluator();
        for (int c = 0; c < 60; c++)
        {
            var f = new double[3 * clusters[c].Count];
            Assert.Equal(ev.Compute(clusters[c].Positions, f, default), e1[c]);
            Assert.Equal(f, f1.AsSpan(3 * batch.Offsets[c], f.Length).ToArray());
        }
    }

    [Fact]
    public void IncrementalMonteCarloEqualsFullRecompute()
    {
        var model = TestModels.Random(31);
        var pot = new NnPotential(model);
        var mc = pot.CreateMcBackend();
        var ev = pot.CreateEvaluator();
        var p = TestClusters.Random(25, 77);
        double e0 = mc.Reset(p);
        Assert.True(Math.Abs(e0 - ev.Compute(p, default, default)) < 1e-12);
        var rng = new Random(5);
        int accepted = 0;
        for (int step = 0; step < 1500; step++)
        {
            double before = mc.TotalEnergy;
            int kind = rng.Next(10);
            double dE;
            if (kind == 0 && mc.Count < 40)
            {
                int a = rng.Next(mc.Count);
                var pos = mc.Positions;
                dE = mc.ProposeInsert(pos[3 * a] + 5 * rng.NextDouble() - 2.5, pos[3 * a + 1] + 5 * rng.NextDouble() - 2.5, pos[3 * a + 2] + 5 * rng.NextDouble() - 2.5);
            }
            else if (kind == 1 && mc.Count > 2)
            {
                dE = mc.ProposeRemove(rng.Next(mc.Count));
            }
            else
            {
                int k = rng.Next(mc.Count);
                var pos = mc.Positions;
                dE = mc.ProposeMove(k, pos[3 * k] + 1.2 * (rng.NextDouble() - 0.5), pos[3 * k + 1] + 1.2 * (rng.NextDouble() - 0.5), pos[3 * k + 2] + 1.2 * (rng.NextDouble() - 0.5));
            }
            // the proposed configuration's full energy
            Assert.True(double.IsFinite(dE));
            if (rng.NextDouble() < 0.6) { mc.Accept(); accepted++; }
            else mc.Reject();
            double full = ev.Compute(mc.Positions.ToArray(), default, default);
            Assert.True(Math.Abs(mc.TotalEnergy - full) < 1e-9, $"step {step}: incremental {mc.TotalEnergy} vs full {full}");
            if (step % 100 == 0)
            {
                // dE itself against the full difference of a fresh proposal
                int k = rng.Next(mc.Count);
                var pos = mc.Positions.ToArray();
                pos[3 * k] += 0.3;
                double d = mc.ProposeMove(k, pos[3 * k], pos[3 * k + 1], pos[3 * k + 2]);
                mc.Reject();
                Assert.True(Math.Abs(d - (ev.Compute(pos, default, default) - full)) < 1e-10);
            }
            _ = before;
        }
        Assert.True(accepted > 500);
    }

    [Fact]
    public void NonFiniteProposalGivesNaNAndCannotBeAccepted()
    {
        var pot = new NnPotential(TestModels.Random(3));
        var mc = pot.CreateMcBackend();
        double e = mc.Reset(TestClusters.Random(10, 3));
        Assert.True(double.IsNaN(mc.ProposeMove(2, double.NaN, 0, 0)));
        Assert.Throws<InvalidOperationException>(() => mc.Accept());
        mc.Reject();
        Assert.True(double.IsNaN(mc.ProposeInsert(double.PositiveInfinity, 0, 0)));
        mc.Reject();
        Assert.Equal(e, mc.TotalEnergy);
        Assert.Equal(10, mc.Count);
        // non-finite weights: NaN dE, no exception
        var mc2 = new NnPotential(TestModels.WithWeight(pot.Model, 0, double.NaN)).CreateMcBackend();
        mc2.Reset(TestClusters.Random(10, 3));
        var pos = mc2.Positions;
        Assert.True(double.IsNaN(mc2.ProposeMove(0, pos[0] + 0.1, pos[1], pos[2])));
        mc2.Reject();
    }

    [Fact]
    public void EnergyInvariantForcesCovariantUnderRotationAndPermutation()
    {
        var ev = new NnPotential(TestModels.Random(12)).CreateEvaluator();
        int n = 30;
        var p = TestClusters.Random(n, 40);
        var f = new double[3 * n];
        double e = ev.Compute(p, f, default);
        // net force vanishes (translation invariance)
        for (int c = 0; c < 3; c++) Assert.True(Math.Abs(Enumerable.Range(0, n).Sum(i => f[3 * i + c])) < 1e-11);
        // rotation about z by 0.9 rad then x by -0.4 rad, plus a translation
        double a = 0.9, b = -0.4;
        var q = new double[3 * n];
        var rot = new double[3, 3];
        double[,] rz = { { Math.Cos(a), -Math.Sin(a), 0 }, { Math.Sin(a), Math.Cos(a), 0 }, { 0, 0, 1 } };
        double[,] rx = { { 1, 0, 0 }, { 0, Math.Cos(b), -Math.Sin(b) }, { 0, Math.Sin(b), Math.Cos(b) } };
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) rot[i, j] += rx[i, k] * rz[k, j];
        for (int i = 0; i < n; i++)
            for (int r = 0; r < 3; r++)
                q[3 * i + r] = rot[r, 0] * p[3 * i] + rot[r, 1] * p[3 * i + 1] + rot[r, 2] * p[3 * i + 2] + (r + 1) * 3.7;
        var g = new double[3 * n];
        double e2 = ev.Compute(q, g, default);
        Assert.True(Math.Abs(e - e2) < 1e-11 * (1 + Math.Abs(e)));
        for (int i = 0; i < n; i++)
            for (int r = 0; r < 3; r++)
            {
                double expect = rot[r, 0] * f[3 * i] + rot[r, 1] * f[3 * i + 1] + rot[r, 2] * f[3 * i + 2];
                Assert.True(Math.Abs(expect - g[3 * i + r]) < 1e-10, $"F[{i},{r}] {g[3 * i + r]} vs rotated {expect}");
            }
        // permutation: same energy, permuted forces
        var perm = Enumerable.Range(0, n).Reverse().ToArray();
        var pp = new double[3 * n];
        for (int i = 0; i < n; i++) for (int c = 0; c < 3; c++) pp[3 * i + c] = p[3 * perm[i] + c];
        var h = new double[3 * n];
        double e3 = ev.Compute(pp, h, default);
        Assert.True(Math.Abs(e - e3) < 1e-11 * (1 + Math.Abs(e)));
        for (int i = 0; i < n; i++) for (int c = 0; c < 3; c++) Assert.True(Math.Abs(h[3 * i + c] - f[3 * perm[i] + c]) < 1e-12);
    }
}
