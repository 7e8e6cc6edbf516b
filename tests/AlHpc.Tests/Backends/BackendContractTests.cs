using AlHpc.Compute;
using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Tests.OpenCL;

namespace AlHpc.Tests.Backends;

/// <summary>
/// The contract every production compute backend (<see cref="IComputeBackend"/>) meets, written once: Tersoff
/// against LAMMPS and the plain formula, descriptors against the plain formula and finite differences, network
/// energies and forces, Jacobian rows against finite differences. Bound to the reference formulas
/// (<see cref="ReferenceContractTests"/>), the CPU SIMD paths production runs (<see cref="CpuContractTests"/>:
/// NnEvaluator/NetworkEvaluator, DescriptorEngine's fast path, the trainer's SimdJacobianBuilder rows), the CPU
/// scalar fallbacks (<see cref="CpuScalarContractTests"/>) and OpenCL (<see cref="OpenClContractTests"/>, which
/// also checks OpenCL == CPU on the same inputs). The ground truth is the test's own <see cref="PlainReference"/>.
/// </summary>
public abstract class BackendContractTests
{
    protected abstract IComputeBackend Backend { get; }

    /// <summary>Hook for skipping where the backend is absent (OpenCL without a platform).</summary>
    protected virtual void Require() { }

    /// <summary>Largest LAMMPS reference cluster checked (the reference backend's O(N^3) finite differences are slow).</summary>
    protected virtual int MaxLammpsClusterSize => int.MaxValue;

    /// <summary>Tolerance (eV/A) of forces against LAMMPS (finite-difference forces are good to ~1e-8).</summary>
    protected virtual double LammpsForceTolerance => 1e-9;

    protected static ClusterBatch SmallBatch() => ReferenceData.RandomBatch(16, 24, 11);

    [SkippableFact]
    public void Tersoff_MatchesLammps()
    {
        Require();
        var clusters = ReferenceData.LammpsClusters().Where(c => c.Count <= MaxLammpsClusterSize).ToList();
        Assert.True(clusters.Count >= 5, "too few reference clusters");
        var batch = ClusterBatch.FromClusters(clusters);
        var e = new double[batch.ClusterCount];
        var f = new double[batch.Positions.Length];
        Backend.Tersoff(TersoffParameters.MlBop, batch, e, f);
        for (int c = 0; c < clusters.Count; c++)
        {
            Assert.True(Math.Abs(e[c] - clusters[c].Energy!.Value) < 1e-9, $"{Backend.Name} cluster {c}: E {e[c]} vs LAMMPS {clusters[c].Energy}");
            var fr = clusters[c].Forces!;
            for (int k = 0; k < fr.Length; k++)
                Assert.True(Math.Abs(f[3 * batch.Offsets[c] + k] - fr[k]) < LammpsForceTolerance, $"{Backend.Name} cluster {c} force {k}: {f[3 * batch.Offsets[c] + k]} vs {fr[k]}");
        }
    }

    [SkippableFact]
    public void Tersoff_RandomBatch_MatchesPlainFormulaAndFiniteDifferences()
    {
        Require();
        var p = TersoffParameters.MlBop;
        var batch = SmallBatch();
        var e = new double[batch.ClusterCount];
        var f = new double[batch.Positions.Length];
        Backend.Tersoff(p, batch, e, f);
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            double er = TersoffReference.Energy(p, batch.PositionsOf(c));
            Assert.True(Math.Abs(e[c] - er) < 1e-10 * (1 + Math.Abs(er)), $"{Backend.Name} cluster {c}: {e[c]} vs {er}");
            if (c % 4 != 0) continue;
            var fd = PlainReference.FdForces(x => TersoffReference.Energy(p, x), batch.PositionsOf(c).ToArray());
            for (int k = 0; k < fd.Length; k++)
                Assert.True(Math.Abs(fd[k] - f[3 * batch.Offsets[c] + k]) < 1e-6, $"{Backend.Name} cluster {c} force {k}: {f[3 * batch.Offsets[c] + k]} vs FD {fd[k]}");
        }
    }

    [SkippableFact]
    public void Descriptors_MatchPlainFormula()
    {
        Require();
        var setup = PlainReference.Water26();
        var batch = SmallBatch();
        var g = Backend.Descriptors(setup, batch);
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            var r = PlainReference.Descriptors(setup, batch.PositionsOf(c));
            for (int k = 0; k < r.Length; k++)
            {
                double got = g[batch.Offsets[c] * setup.Count + k];
                Assert.True(Math.Abs(r[k] - got) < 1e-12 * (1 + Math.Abs(r[k])), $"{Backend.Name} cluster {c} value {k}: {got} vs {r[k]}");
            }
        }
    }

    [SkippableFact]
    public void DescriptorDerivatives_MatchFiniteDifferences()
    {
        Require();
        var setup = PlainReference.Water26();
        var batch = ReferenceData.RandomBatch(3, 9, 21, minSize: 6);
        var d = Backend.DescriptorDerivatives(setup, batch);
        const double h = 1e-5;
        int nf = setup.Count;
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            var pos = batch.PositionsOf(c).ToArray();
            int n = pos.Length / 3, o = batch.Offsets[c];
            for (int j = 0; j < n; j++)
                for (int x = 0; x < 3; x++)
                {
                    double keep = pos[3 * j + x];
                    pos[3 * j + x] = keep + h; var gp = PlainReference.Descriptors(setup, pos);
                    pos[3 * j + x] = keep - h; var gm = PlainReference.Descriptors(setup, pos);
                    pos[3 * j + x] = keep;
                    for (int i = 0; i < n; i++)
                        for (int f = 0; f < nf; f++)
                        {
                            double fd = (gp[i * nf + f] - gm[i * nf + f]) / (2 * h);
                            double an = d(o + i, f, o + j, x);
                            Assert.True(Math.Abs(fd - an) < 1e-6 * (1 + Math.Abs(fd)), $"{Backend.Name} dG[{i},{f}]/dr[{j},{x}] = {an} vs FD {fd}");
                        }
                }
        }
    }

    [SkippableFact]
    public void BatchEvaluators_RejectAnElementThePotentialLacks()
    {
        Require();
        var small = SmallBatch();
        var types = (int[])small.Types.Clone();
        types[small.Offsets[2] + 1] = 1; // cluster 2, atom 1 is H
        var batch = new ClusterBatch(small.Positions, small.Offsets, elements: ["O", "H"], types: types);
        var e = new double[batch.ClusterCount];
        var f = new double[batch.Positions.Length];
        const string why = "cluster 2 atom 1: element 'H' is not a species of the potential, which accepts 'O' (index 0)";
        Assert.Equal(why, Assert.Throws<SpeciesException>(() => Backend.Tersoff(TersoffParameters.MlBop, batch, e, f)).Message);
        var model = PlainReference.RandomModel(PlainReference.Water26(), small, 3);
        Assert.Equal(why, Assert.Throws<SpeciesException>(() => Backend.Nn(model, batch, e, f)).Message);
    }

    [SkippableFact]
    public void Nn_EnergiesMatchPlainFormula_ForcesMatchFiniteDifferences()
    {
        Require();
        var setup = PlainReference.Water26();
        var batch = SmallBatch();
        var model = PlainReference.RandomModel(setup, batch, 3);
        var e = new double[batch.ClusterCount];
        var f = new double[batch.Positions.Length];
        Backend.Nn(model, batch, e, f);
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            double er = PlainReference.NnEnergy(model, batch.PositionsOf(c));
            Assert.True(Math.Abs(er - e[c]) < 1e-10 * (1 + Math.Abs(er)), $"{Backend.Name} cluster {c}: {e[c]} vs {er}");
            if (c % 4 != 1) continue;
            var fd = PlainReference.FdForces(x => PlainReference.NnEnergy(model, x), batch.PositionsOf(c).ToArray());
            for (int k = 0; k < fd.Length; k++)
                Assert.True(Math.Abs(fd[k] - f[3 * batch.Offsets[c] + k]) < 1e-6, $"{Backend.Name} cluster {c} force {k}: {f[3 * batch.Offsets[c] + k]} vs FD {fd[k]}");
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Jacobian_MatchesFiniteDifferencesOfPredictions(bool anchor)
    {
        Require();
        var setup = PlainReference.Water26();
        var batch = ReferenceData.RandomBatch(10, 20, 31, minSize: 2);
        var model = PlainReference.RandomModel(setup, batch, 5);
        var raw = new AlHpc.Descriptors.BatchDescriptors(setup).ComputeValues(batch);
        var net = model.Network.Clone();
        int p = net.WeightCount;
        int[] rows = [7, 0, 3, 9, 3];
        using var jb = Backend.CreateJacobianBuilder(setup, net);
        jb.SetData(raw, batch.Offsets, setup.Count, model.DescriptorMean.ToArray(), model.DescriptorStd.ToArray());
        var pred = new double[rows.Length];
        var jac = new double[rows.Length * p];
        jb.Compute(net, rows, anchor, pred, jac);
        // predictions against the plain formula (scaled units)
        for (int k = 0; k < rows.Length; k++)
        {
            double want = PlainPrediction(model, batch, rows[k], anchor);
            Assert.True(Math.Abs(pred[k] - want) < 1e-11 * (1 + Math.Abs(want)), $"{Backend.Name} prediction {k}: {pred[k]} vs {want}");
        }
        // every weight: de/dw = -dp/dw by central differences
        const double h = 1e-6;
        var pp = new double[rows.Length];
        var pm = new double[rows.Length];
        for (int w = 0; w < p; w++)
        {
            double keep = net.Weights[w];
            net.Weights[w] = keep + h; jb.Compute(net, rows, anchor, pp, Span<double>.Empty);
            net.Weights[w] = keep - h; jb.Compute(net, rows, anchor, pm, Span<double>.Empty);
            net.Weights[w] = keep;
            for (int k = 0; k < rows.Length; k++)
            {
                double fd = -(pp[k] - pm[k]) / (2 * h);
                Assert.True(Math.Abs(fd - jac[k * p + w]) < 1e-7 * (1 + Math.Abs(fd)), $"{Backend.Name} J[{k},{w}] = {jac[k * p + w]} vs FD {fd}");
            }
        }
    }

    /// <summary>p_s = (1/N) sum_i NN(Ĝ_i) - (anchor ? NN(Ĝ_0) : 0) from the plain descriptors.</summary>
    protected static double PlainPrediction(NnModel model, ClusterBatch batch, int s, bool anchor)
    {
        int n = batch.SizeOf(s), nf = model.Setup.Count;
        var g = PlainReference.Descriptors(model.Setup, batch.PositionsOf(s));
        model.ScaleDescriptors(g);
        var o = new double[n];
        var ws = model.Network.CreateWorkspace(n);
        model.Network.Forward(g, n, o, ws);
        double mean = o.Sum() / n;
        if (!anchor) return mean;
        var g0 = new double[nf];
        model.ScaleDescriptors(g0);
        var o0 = new double[1];
        model.Network.Forward(g0, 1, o0, ws);
        return mean - o0[0];
    }
}

/// <summary>The contract on the reference formulas (plain loops, finite-difference forces).</summary>
public sealed class ReferenceContractTests : BackendContractTests
{
    protected override IComputeBackend Backend { get; } = new ReferenceComputeBackend();
    protected override int MaxLammpsClusterSize => 30;
    protected override double LammpsForceTolerance => 1e-7;
}

/// <summary>The contract on the CPU SIMD paths production runs.</summary>
public sealed class CpuContractTests : BackendContractTests
{
    protected override IComputeBackend Backend { get; } = new CpuComputeBackend();
}

/// <summary>The contract on the CPU scalar fallbacks (the descriptor engine's path on machines without AVX2).</summary>
public sealed class CpuScalarContractTests : BackendContractTests
{
    protected override IComputeBackend Backend { get; } = new CpuComputeBackend(scalar: true);

    [Fact]
    public void ScalarAndSimdPathsAgree()
    {
        var setup = PlainReference.Water26();
        var batch = ReferenceData.RandomBatch(30, 40, 17);
        var simd = new double[batch.AtomCount * setup.Count];
        var scalar = new double[simd.Length];
        new CpuComputeBackend().Descriptors(setup, batch, simd);
        Backend.Descriptors(setup, batch, scalar);
        for (int k = 0; k < simd.Length; k++) Assert.True(Math.Abs(simd[k] - scalar[k]) < 1e-12 * (1 + Math.Abs(simd[k])), $"value {k}: {simd[k]} vs {scalar[k]}");
    }
}

/// <summary>The calls the contract makes, over <see cref="IComputeBackend"/>'s factories.</summary>
public static class ContractCalls
{
    public static void Tersoff(this IComputeBackend b, TersoffParameters p, ClusterBatch batch, double[] energies, double[] forces)
    {
        using var ev = b.CreateTersoff(new TersoffPotential(p));
        ev.Evaluate(batch, energies, forces);
    }

    public static void Nn(this IComputeBackend b, NnModel model, ClusterBatch batch, double[] energies, double[] forces)
    {
        using var ev = b.CreateNetwork(new NnPotential(model));
        ev.Evaluate(batch, energies, forces);
    }

    public static double[] Descriptors(this IComputeBackend b, DescriptorSetup setup, ClusterBatch batch)
    {
        var v = new double[batch.AtomCount * setup.Count];
        b.Descriptors(setup, batch, v);
        return v;
    }
}
