using AlHpc.Descriptors;
using AlHpc.Structures;
using Xunit;

namespace AlHpc.Tests.Descriptors;

public class DescriptorEngineTests
{
    private static DescriptorSetup Setup => DefaultSetups.Water26;

    /// <summary>A setup with several cutoffs, non-integer zeta and shared parameters, to exercise grouping.</summary>
    public static DescriptorSetup Mixed { get; } = new([
        SymmetryFunction.G2(0.5, 0.0, 3.5), SymmetryFunction.G5(0.1, 1, 1.5, 3.0),
        SymmetryFunction.G2(4.0, 2.7, 3.0), SymmetryFunction.G5(0.1, -1, 3, 3.5),
        SymmetryFunction.G5(0.0, 1, 1, 3.5), SymmetryFunction.G2(0.0, 0.0, 2.9),
    ]);

    [Theory]
    [InlineData(2, 1)]
    [InlineData(5, 2)]
    [InlineData(25, 3)]
    [InlineData(60, 4)]
    public void FastEqualsReference(int n, int seed)
    {
        foreach (var setup in new[] { Setup, Mixed })
        {
            var p = TestClusters.Random(n, seed);
            var reference = ReferenceDescriptors.Compute(setup, p);
            var eng = new DescriptorEngine(setup);
            var v = new double[n * setup.Count];
            eng.ComputeValues(p, v);
            AssertClose(reference, v, 1e-13);
            var v2 = new double[n * setup.Count];
            eng.ComputeWithDerivatives(p, v2);
            AssertClose(reference, v2, 1e-13);
            // single-atom environment path
            var row = new double[setup.Count];
            for (int i = 0; i < n; i++)
            {
                var dx = new List<double>(); var dy = new List<double>(); var dz = new List<double>(); var r = new List<double>();
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    double a = p[3 * j] - p[3 * i], b = p[3 * j + 1] - p[3 * i + 1], c = p[3 * j + 2] - p[3 * i + 2];
                    dx.Add(a); dy.Add(b); dz.Add(c); r.Add(Math.Sqrt(a * a + b * b + c * c));
                }
                eng.ComputeAtom(dx.ToArray(), dy.ToArray(), dz.ToArray(), r.ToArray(), row);
                AssertClose(reference.AsSpan(i * setup.Count, setup.Count).ToArray(), row, 1e-13);
            }
        }
    }

    [Theory]
    [InlineData(3, 11)]
    [InlineData(8, 12)]
    [InlineData(20, 13)]
    public void DerivativesMatchFiniteDifferences(int n, int seed)
    {
        foreach (var setup in new[] { Setup, Mixed })
        {
            var p = TestClusters.Random(n, seed);
            var eng = new DescriptorEngine(setup);
            var v = new double[n * setup.Count];
            var d = eng.ComputeWithDerivatives(p, v);
            var fd = ReferenceDescriptors.FiniteDifferenceDerivatives(setup, p, 1e-5);
            int nf = setup.Count, m = 3 * n;
            double maxErr = 0;
            for (int i = 0; i < n; i++)
                for (int f = 0; f < nf; f++)
                    for (int j = 0; j < n; j++)
                        for (int c = 0; c < 3; c++)
                        {
                            double a = d.Get(i, f, j, c), b = fd[(i * nf + f) * m + 3 * j + c];
                            double err = Math.Abs(a - b) / (1e-3 + Math.Abs(b));
                            maxErr = Math.Max(maxErr, err);
                            Assert.True(Math.Abs(a - b) < 1e-6 * (1 + Math.Abs(b)), $"dG[{i},{f}]/dr[{j},{c}]: analytic {a} vs FD {b}");
                        }
        }
    }

    [Fact]
    public void DerivativesNearCutoff()
    {
        // pairs straddling Rc = 3.5 within 1e-3 A, and a triplet with both legs near Rc
        var p = new double[] { 0, 0, 0, 3.4995, 0, 0, 0, 3.499, 0, 0, 0, 3.5005, -3.498, 0.01, 0 };
        var eng = new DescriptorEngine(Setup);
        var v = new double[5 * Setup.Count];
        var d = eng.ComputeWithDerivatives(p, v);
        AssertClose(ReferenceDescriptors.Compute(Setup, p), v, 1e-14);
        var fd = ReferenceDescriptors.FiniteDifferenceDerivatives(Setup, p, 1e-6);
        int nf = Setup.Count, m = 15;
        for (int i = 0; i < 5; i++)
            for (int f = 0; f < nf; f++)
                for (int q = 0; q < m; q++)
                    Assert.True(Math.Abs(d.Get(i, f, q / 3, q % 3) - fd[(i * nf + f) * m + q]) < 1e-7);
    }

    [Fact]
    public void CsrLayoutMatchesNeighbourList()
    {
        var p = TestClusters.Random(30, 5);
        var eng = new DescriptorEngine(Setup);
        var d = eng.ComputeWithDerivatives(p, new double[30 * Setup.Count]);
        var nl = eng.Neighbours;
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal(nl.Start[i] + i, d.Start[i]);
            Assert.Equal(i, d.Index[d.Start[i]]);
            for (int k = nl.Start[i]; k < nl.Start[i + 1]; k++) Assert.Equal(nl.Index[k], d.Index[k + i + 1]);
        }
        // translation invariance: derivatives of each G_i over all j sum to zero
        for (int i = 0; i < 30; i++)
            for (int f = 0; f < Setup.Count; f++)
                for (int c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (int e = d.Start[i]; e < d.Start[i + 1]; e++) s += d.Entry(e)[f * 3 + c];
                    Assert.True(Math.Abs(s) < 1e-12);
                }
    }

    [Fact]
    public void ForcesFromGradientMatchDerivatives()
    {
        int n = 40;
        var p = TestClusters.Random(n, 21);
        var eng = new DescriptorEngine(Mixed);
        int nf = Mixed.Count;
        var rng = new Random(3);
        var grad = Enumerable.Range(0, n * nf).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var v = new double[n * nf];
        eng.ComputeValues(p, v);
        var f = new double[3 * n];
        eng.AccumulateForces(grad, f);
        var d = eng.ComputeWithDerivatives(p, v);
        var expect = new double[3 * n];
        for (int i = 0; i < n; i++)
            for (int e = d.Start[i]; e < d.Start[i + 1]; e++)
                for (int k = 0; k < nf; k++)
                    for (int c = 0; c < 3; c++)
                        expect[3 * d.Index[e] + c] -= grad[i * nf + k] * d.Entry(e)[k * 3 + c];
        AssertClose(expect, f, 1e-12);
    }

    [Fact]
    public void InvariantUnderRotationTranslationPermutation()
    {
        int n = 30;
        var p = TestClusters.Random(n, 8);
        var eng = new DescriptorEngine(Setup);
        int nf = Setup.Count;
        var v = new double[n * nf];
        eng.ComputeValues(p, v);
        // rotation about an arbitrary axis + translation
        double a = 0.7, b = -1.3, c = 2.1;
        double[,] rx = { { 1, 0, 0 }, { 0, Math.Cos(a), -Math.Sin(a) }, { 0, Math.Sin(a), Math.Cos(a) } };
        double[,] ry = { { Math.Cos(b), 0, Math.Sin(b) }, { 0, 1, 0 }, { -Math.Sin(b), 0, Math.Cos(b) } };
        double[,] rz = { { Math.Cos(c), -Math.Sin(c), 0 }, { Math.Sin(c), Math.Cos(c), 0 }, { 0, 0, 1 } };
        var q = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            var x = new[] { p[3 * i], p[3 * i + 1], p[3 * i + 2] };
            x = Mul(rz, Mul(ry, Mul(rx, x)));
            q[3 * i] = x[0] + 17.3; q[3 * i + 1] = x[1] - 4.1; q[3 * i + 2] = x[2] + 100.0;
        }
        var w = new double[n * nf];
        eng.ComputeValues(q, w);
        AssertClose(v, w, 1e-11);
        // permutation
        var perm = Enumerable.Range(0, n).OrderBy(i => (i * 7919) % n).ToArray();
        var pp = new double[3 * n];
        for (int i = 0; i < n; i++) for (int k = 0; k < 3; k++) pp[3 * i + k] = p[3 * perm[i] + k];
        var u = new double[n * nf];
        eng.ComputeValues(pp, u);
        for (int i = 0; i < n; i++)
            for (int f = 0; f < nf; f++)
                Assert.True(Math.Abs(u[i * nf + f] - v[perm[i] * nf + f]) < 1e-12);
    }

    [Fact]
    public void BatchEqualsPerCluster()
    {
        var clusters = new List<Cluster>();
        var rng = new Random(4);
        for (int c = 0; c < 40; c++) clusters.Add(new Cluster(TestClusters.Random(1 + rng.Next(30), 100 + c)));
        var batch = ClusterBatch.FromClusters(clusters);
        var bd = new BatchDescriptors(Setup);
        var all = bd.ComputeValues(batch);
        var serial = new double[all.Length];
        bd.ComputeValues(batch, serial, maxDegreeOfParallelism: 1);
        Assert.Equal(all, serial);
        for (int c = 0; c < clusters.Count; c++)
        {
            var reference = ReferenceDescriptors.Compute(Setup, clusters[c].Positions);
            AssertClose(reference, all.AsSpan(batch.Offsets[c] * Setup.Count, reference.Length).ToArray(), 1e-13);
        }
    }

    [Fact]
    public void CompressedBlobWithManyNeighbours()
    {
        // 140 beads in a 2.2 A cube: every bead has > 128 neighbours (the heap-buffer paths)
        int n = 140;
        var rng = new Random(77);
        var p = Enumerable.Range(0, 3 * n).Select(_ => 2.2 * rng.NextDouble()).ToArray();
        var eng = new DescriptorEngine(Setup);
        int nf = Setup.Count;
        var v = new double[n * nf];
        eng.ComputeValues(p, v);
        Assert.True(eng.Neighbours.CountOf(0) > 128);
        AssertClose(ReferenceDescriptors.Compute(Setup, p), v, 1e-12);
        var grad = Enumerable.Range(0, n * nf).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var f = new double[3 * n];
        eng.AccumulateForces(grad, f);
        var d = eng.ComputeWithDerivatives(p, v);
        var expect = new double[3 * n];
        for (int i = 0; i < n; i++)
            for (int e = d.Start[i]; e < d.Start[i + 1]; e++)
                for (int k = 0; k < nf; k++)
                    for (int c = 0; c < 3; c++)
                        expect[3 * d.Index[e] + c] -= grad[i * nf + k] * d.Entry(e)[k * 3 + c];
        AssertClose(expect, f, 1e-10);
    }

    private static double[] Mul(double[,] m, double[] x) =>
        [m[0, 0] * x[0] + m[0, 1] * x[1] + m[0, 2] * x[2], m[1, 0] * x[0] + m[1, 1] * x[1] + m[1, 2] * x[2], m[2, 0] * x[0] + m[2, 1] * x[1] + m[2, 2] * x[2]];

    internal static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tol * (1 + Math.Abs(expected[k])), $"[{k}] expected {expected[k]:R}, got {actual[k]:R}");
    }
}
