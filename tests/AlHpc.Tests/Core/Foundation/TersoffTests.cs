using AlHpc.IO;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Tests.Foundation;

public class TersoffTests
{
    private static readonly TersoffPotential MlBop = TersoffPotential.MlBop;

    /// <summary>A random connected cluster: each new bead at distance [rmin, rmax] from a random earlier bead.</summary>
    internal static double[] RandomCluster(Random rng, int n, double rmin = 2.4, double rmax = 3.5)
    {
        var x = new double[3 * n];
        for (int i = 1; i < n; i++)
        {
            while (true)
            {
                int j = rng.Next(i);
                double u = 2 * rng.NextDouble() - 1, phi = 2 * Math.PI * rng.NextDouble(), s = Math.Sqrt(1 - u * u);
                double r = rmin + (rmax - rmin) * rng.NextDouble();
                double px = x[3 * j] + r * s * Math.Cos(phi), py = x[3 * j + 1] + r * s * Math.Sin(phi), pz = x[3 * j + 2] + r * u;
                bool ok = true;
                for (int k = 0; k < i && ok; k++)
                {
                    double dx = px - x[3 * k], dy = py - x[3 * k + 1], dz = pz - x[3 * k + 2];
                    ok = dx * dx + dy * dy + dz * dz > rmin * rmin * 0.98;
                }
                if (!ok) continue;
                x[3 * i] = px; x[3 * i + 1] = py; x[3 * i + 2] = pz;
                break;
            }
        }
        return x;
    }

    [Fact]
    public void ReproducesLammpsEnergiesAndForces()
    {
        var ev = MlBop.CreateEvaluator();
        int frames = 0;
        foreach (var c in ExtXyz.Read(TestPaths.Data("mlbop_lammps.extxyz")))
        {
            var f = new double[c.Positions.Length];
            double e = ev.Compute(c.Positions, f, default);
            Assert.True(Math.Abs(e - c.Energy!.Value) < 1e-9, $"frame {frames} ({c.Count} beads): E = {e:R}, LAMMPS {c.Energy:R}");
            for (int i = 0; i < f.Length; i++)
                Assert.True(Math.Abs(f[i] - c.Forces![i]) < 1e-9, $"frame {frames} component {i}: F = {f[i]:R}, LAMMPS {c.Forces[i]:R}");
            frames++;
        }
        Assert.Equal(23, frames);
    }

    [Fact]
    public void ReproducesTheSeedClusterEnergy()
    {
        var c = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf"));
        double e = MlBop.CreateEvaluator().Compute(c.Positions, default, default);
        Assert.Equal(-8.2503244532, e, 1e-9);
        // the embedded copy is the same file
        var embedded = Xsf.Read(new StringReader(EmbeddedData.ReadText(EmbeddedData.SeedCluster25)), "embedded");
        Assert.Equal(c.Positions, embedded.Positions);
    }

    public static IEnumerable<object[]> ParameterSets()
    {
        yield return ["mlbop"];
        yield return ["lambda3-m1"];
        yield return ["lambda3-m3"];
    }

    internal static TersoffPotential Potential(string name) => name switch
    {
        "mlbop" => MlBop,
        // general lambda3 / m, with beta raised so the bond order is far from 1
        "lambda3-m1" => new TersoffPotential(TersoffParameters.MlBop with { Lambda3 = 1.3, M = 1, Beta = 1e-4 }),
        "lambda3-m3" => new TersoffPotential(TersoffParameters.MlBop with { Lambda3 = 1.1, M = 3, Beta = 1e-4 }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void FastEvaluatorMatchesReference(string set)
    {
        var pot = Potential(set);
        var ev = pot.CreateEvaluator();
        var rng = new Random(11);
        foreach (int n in new[] { 2, 3, 5, 25, 60 })
        {
            var x = RandomCluster(rng, n, 2.2, 3.55);
            double fast = ev.Compute(x, default, default);
            double reference = TersoffReference.Energy(pot.Parameters, x);
            Assert.True(Math.Abs(fast - reference) <= 1e-11 * Math.Max(1, Math.Abs(reference)), $"n={n}: {fast:R} vs {reference:R}");
        }
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void ForcesMatchCentralDifferences(string set)
    {
        var pot = Potential(set);
        var ev = pot.CreateEvaluator();
        var p = pot.Parameters;
        var rng = new Random(5);
        int cutoffRegionPairs = 0;
        // compressed, typical and cutoff-region geometries; the last cluster keeps every bond in R-D < r < R+D
        var geometries = new List<double[]>
        {
            RandomCluster(rng, 8, 2.2, 2.8),
            RandomCluster(rng, 12, 2.4, 3.55),
            RandomCluster(rng, 6, p.R - p.BigD + 0.01, p.R + p.BigD - 0.01),
            new double[] { 0, 0, 0, 3.1, 0, 0, 0.4, 3.3, 0.2 }, // trimer with two bonds in the cutoff region
        };
        foreach (var x in geometries)
        {
            int n = x.Length / 3;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double r = Math.Sqrt(Sq(x[3 * i] - x[3 * j]) + Sq(x[3 * i + 1] - x[3 * j + 1]) + Sq(x[3 * i + 2] - x[3 * j + 2]));
                    if (r > p.R - p.BigD && r < p.R + p.BigD) cutoffRegionPairs++;
                }
            var f = new double[x.Length];
            ev.Compute(x, f, default);
            const double h = 1e-5;
            for (int c = 0; c < x.Length; c++)
            {
                var xp = (double[])x.Clone(); xp[c] += h;
                var xm = (double[])x.Clone(); xm[c] -= h;
                double fd = -(ev.Compute(xp, default, default) - ev.Compute(xm, default, default)) / (2 * h);
                Assert.True(Math.Abs(fd - f[c]) < 1e-6 * Math.Max(1, Math.Abs(fd)), $"{set} n={n} component {c}: analytic {f[c]:R}, FD {fd:R}");
            }
        }
        Assert.True(cutoffRegionPairs >= 10, $"only {cutoffRegionPairs} pairs in the cutoff region");
    }

    private static double Sq(double v) => v * v;

    [Fact]
    public void InvariantUnderRotationTranslationPermutation()
    {
        var rng = new Random(9);
        var x = RandomCluster(rng, 40);
        int n = 40;
        var ev = MlBop.CreateEvaluator();
        var f = new double[x.Length];
        var ea = new double[n];
        double e = ev.Compute(x, f, ea);

        // random rotation (from a random unit quaternion) and translation
        double q0 = rng.NextDouble() - 0.5, q1 = rng.NextDouble() - 0.5, q2 = rng.NextDouble() - 0.5, q3 = rng.NextDouble() - 0.5;
        double qn = Math.Sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3); q0 /= qn; q1 /= qn; q2 /= qn; q3 /= qn;
        var rot = new double[,]
        {
            { 1 - 2 * (q2 * q2 + q3 * q3), 2 * (q1 * q2 - q0 * q3), 2 * (q1 * q3 + q0 * q2) },
            { 2 * (q1 * q2 + q0 * q3), 1 - 2 * (q1 * q1 + q3 * q3), 2 * (q2 * q3 - q0 * q1) },
            { 2 * (q1 * q3 - q0 * q2), 2 * (q2 * q3 + q0 * q1), 1 - 2 * (q1 * q1 + q2 * q2) },
        };
        var perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        var y = new double[x.Length];
        for (int a = 0; a < n; a++)
        {
            int src = perm[a];
            for (int d = 0; d < 3; d++)
                y[3 * a + d] = rot[d, 0] * x[3 * src] + rot[d, 1] * x[3 * src + 1] + rot[d, 2] * x[3 * src + 2] + 17.3 * (d + 1);
        }
        var g = new double[x.Length];
        var eb = new double[n];
        double e2 = ev.Compute(y, g, eb);
        Assert.Equal(e, e2, 1e-10);
        for (int a = 0; a < n; a++)
        {
            int src = perm[a];
            Assert.Equal(ea[src], eb[a], 1e-10);
            for (int d = 0; d < 3; d++)
            {
                double expected = rot[d, 0] * f[3 * src] + rot[d, 1] * f[3 * src + 1] + rot[d, 2] * f[3 * src + 2];
                Assert.Equal(expected, g[3 * a + d], 1e-10);
            }
        }
    }

    [Fact]
    public void AtomEnergiesSumToTotalAndForcesSumToZero()
    {
        var rng = new Random(2);
        var ev = MlBop.CreateEvaluator();
        foreach (int n in new[] { 1, 2, 3, 30, 200 })
        {
            var x = RandomCluster(rng, n);
            var ea = new double[n];
            var f = new double[3 * n];
            double e = ev.Compute(x, f, ea);
            Assert.Equal(e, ea.Sum(), 1e-10);
            for (int d = 0; d < 3; d++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += f[3 * i + d];
                Assert.True(Math.Abs(s) < 1e-10, $"net force {s}");
            }
            if (n == 1) Assert.Equal(0.0, e);
            else Assert.True(e < 0);
        }
    }

    [Fact]
    public void ComputeAllocatesNothingAfterWarmUp()
    {
        var ev = MlBop.CreateEvaluator();
        var x = RandomCluster(new Random(4), 100);
        var f = new double[x.Length];
        var ea = new double[100];
        ev.Compute(x, f, ea);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 10; r++) ev.Compute(x, f, ea);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BatchEvaluatorIsDeterministicAndMatchesSingleEvaluations()
    {
        var rng = new Random(8);
        var clusters = new List<Cluster>();
        for (int c = 0; c < 300; c++) clusters.Add(new Cluster(RandomCluster(rng, 1 + rng.Next(60))));
        var batch = ClusterBatch.FromClusters(clusters);
        var ev = MlBop.CreateEvaluator();

        var eSerial = new double[batch.ClusterCount];
        var fSerial = new double[batch.Positions.Length];
        new BatchEvaluator(MlBop, 1) { BeadsPerChunk = 100 }.Evaluate(batch, eSerial, fSerial);
        var eParallel = new double[batch.ClusterCount];
        var fParallel = new double[batch.Positions.Length];
        long lastDone = 0;
        new BatchEvaluator(MlBop) { BeadsPerChunk = 100 }.Evaluate(batch, eParallel, fParallel, (d, t) => { Assert.Equal(300, t); Interlocked.Exchange(ref lastDone, Math.Max(lastDone, d)); });
        Assert.Equal(eSerial, eParallel);
        Assert.Equal(fSerial, fParallel);
        Assert.Equal(300, lastDone);
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            var f = new double[3 * batch.SizeOf(c)];
            Assert.Equal(ev.Compute(batch.PositionsOf(c), f, default), eSerial[c]);
            Assert.Equal(f, batch.ForcesOf(c).ToArray().Length == 0 ? f : fSerial.AsSpan(3 * batch.Offsets[c], f.Length).ToArray());
        }
        new BatchEvaluator(MlBop).Label(batch, withForces: true);
        Assert.Equal(eSerial, batch.Energies);
        Assert.Equal(fSerial, batch.Forces);
    }
}
