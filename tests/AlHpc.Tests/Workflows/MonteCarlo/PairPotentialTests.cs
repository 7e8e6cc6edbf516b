using AlHpc.MonteCarlo;
using AlHpc.Potentials;

namespace AlHpc.Tests.MonteCarlo;

public class PairPotentialTests
{
    [Fact]
    public void ForcesMatchCentralDifferences()
    {
        foreach (var pot in new[] { McTestModels.WaterMorse(), PairPotential.LennardJones(0.01, 2.5, 6.0), McTestModels.MlBopDimerPair() })
        {
            var p = ClusterBuilder.RandomConnected(8, 2, 3.0, 2.4);
            var eval = pot.CreateEvaluator();
            var f = new double[p.Length];
            var ea = new double[8];
            double e = eval.Compute(p, f, ea);
            Assert.Equal(e, ea.Sum(), 1e-12);
            const double h = 1e-5;
            for (int i = 0; i < p.Length; i++)
            {
                var q = (double[])p.Clone();
                q[i] += h; double ep = eval.Compute(q, default, default);
                q[i] -= 2 * h; double em = eval.Compute(q, default, default);
                Assert.Equal(-(ep - em) / (2 * h), f[i], 1e-6);
            }
        }
    }

    [Fact]
    public void BackendIncrementsEqualFullRecomputes()
    {
        var pot = McTestModels.WaterMorse();
        var eval = pot.CreateEvaluator();
        var be = pot.CreateMcBackend();
        var p = ClusterBuilder.RandomConnected(20, 5);
        be.Reset(p);
        var rng = new McRandom(1);
        for (int t = 0; t < 2000; t++)
        {
            double before = eval.Compute(be.Positions, default, default);
            double kind = rng.NextDouble();
            int n = be.Count;
            double dE; double[] after;
            var cur = be.Positions.ToArray();
            if (kind < 0.7 || n < 5)
            {
                int k = rng.NextInt(n);
                double x = cur[3 * k] + rng.NextDouble() - 0.5, y = cur[3 * k + 1] + rng.NextDouble() - 0.5, z = cur[3 * k + 2] + rng.NextDouble() - 0.5;
                dE = be.ProposeMove(k, x, y, z);
                after = (double[])cur.Clone(); after[3 * k] = x; after[3 * k + 1] = y; after[3 * k + 2] = z;
            }
            else if (kind < 0.85)
            {
                double x = 6 * rng.NextDouble() - 3, y = 6 * rng.NextDouble() - 3, z = 6 * rng.NextDouble() - 3;
                dE = be.ProposeInsert(x, y, z);
                after = cur.Concat(new[] { x, y, z }).ToArray();
            }
            else
            {
                int k = rng.NextInt(n), last = n - 1;
                dE = be.ProposeRemove(k);
                after = (double[])cur.Clone();
                after[3 * k] = cur[3 * last]; after[3 * k + 1] = cur[3 * last + 1]; after[3 * k + 2] = cur[3 * last + 2];
                after = after[..(3 * last)];
            }
            Assert.Equal(eval.Compute(after, default, default) - before, dE, 1e-10);
            if (rng.NextDouble() < 0.5) { be.Accept(); Assert.Equal(after, be.Positions.ToArray()); }
            else { be.Reject(); Assert.Equal(cur, be.Positions.ToArray()); }
            Assert.Equal(eval.Compute(be.Positions, default, default), be.TotalEnergy, 1e-9);
        }
    }
}
