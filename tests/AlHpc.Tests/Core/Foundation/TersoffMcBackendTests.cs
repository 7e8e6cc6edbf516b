using AlHpc.Potentials;

namespace AlHpc.Tests.Foundation;

public class TersoffMcBackendTests
{
    [Theory]
    [InlineData("mlbop", 30, 4000)]
    [InlineData("lambda3-m3", 20, 1500)]
    [InlineData("mlbop", 300, 400)]
    public void IncrementalEnergyEqualsFullRecomputeAtEveryStep(string set, int n, int steps)
    {
        var pot = TersoffTests.Potential(set);
        var ev = pot.CreateEvaluator();
        var mc = pot.CreateMcBackend();
        var rng = new Random(1234 + n);
        var x = TersoffTests.RandomCluster(rng, n);
        double e0 = mc.Reset(x);
        Assert.Equal(ev.Compute(x, default, default), e0, 1e-9);
        var cur = new List<double>(x);
        int accepted = 0, moves = 0, inserts = 0, removes = 0;
        for (int step = 0; step < steps; step++)
        {
            double before = mc.TotalEnergy;
            int count = mc.Count;
            double u = rng.NextDouble();
            double dE;
            List<double> proposed;
            if (u < 0.7 || count < 3)
            {
                int i = rng.Next(count);
                double scale = rng.NextDouble() < 0.9 ? 0.6 : 6.0; // mostly local, sometimes far
                double nx = cur[3 * i] + scale * (rng.NextDouble() - 0.5), ny = cur[3 * i + 1] + scale * (rng.NextDouble() - 0.5), nz = cur[3 * i + 2] + scale * (rng.NextDouble() - 0.5);
                dE = mc.ProposeMove(i, nx, ny, nz);
                proposed = new List<double>(cur);
                proposed[3 * i] = nx; proposed[3 * i + 1] = ny; proposed[3 * i + 2] = nz;
                moves++;
            }
            else if (u < 0.85)
            {
                int j = rng.Next(count);
                double r = 2.4 + rng.NextDouble();
                double cz = 2 * rng.NextDouble() - 1, phi = 2 * Math.PI * rng.NextDouble(), s = Math.Sqrt(1 - cz * cz);
                double nx = cur[3 * j] + r * s * Math.Cos(phi), ny = cur[3 * j + 1] + r * s * Math.Sin(phi), nz = cur[3 * j + 2] + r * cz;
                dE = mc.ProposeInsert(nx, ny, nz);
                proposed = new List<double>(cur) { nx, ny, nz };
                inserts++;
            }
            else
            {
                int i = rng.Next(count);
                dE = mc.ProposeRemove(i);
                proposed = new List<double>(cur);
                int last = count - 1;
                for (int d = 0; d < 3; d++) proposed[3 * i + d] = cur[3 * last + d]; // swap-remove
                proposed.RemoveRange(3 * last, 3);
                removes++;
            }
            double eProposed = ev.Compute(proposed.ToArray(), default, default);
            Assert.True(Math.Abs(before + dE - eProposed) < 1e-9, $"step {step}: E + dE = {before + dE:R}, full recompute {eProposed:R}");
            if (rng.NextDouble() < 0.5)
            {
                mc.Accept();
                cur = proposed;
                accepted++;
            }
            else mc.Reject();
            Assert.Equal(cur.Count / 3, mc.Count);
            Assert.Equal(cur.ToArray(), mc.Positions.ToArray());
            double full = ev.Compute(cur.ToArray(), default, default);
            Assert.True(Math.Abs(mc.TotalEnergy - full) < 1e-9, $"step {step}: incremental {mc.TotalEnergy:R}, full {full:R}");
        }
        Assert.True(accepted > steps / 3 && moves > 0 && inserts > 0 && removes > 0);
    }

    [Fact]
    public void NonFiniteProposalGivesNaNAndCanOnlyBeRejected()
    {
        var mc = TersoffPotential.MlBop.CreateMcBackend();
        double e = mc.Reset(TersoffTests.RandomCluster(new Random(1), 10));
        Assert.True(double.IsNaN(mc.ProposeMove(3, double.NaN, 0, 0)));
        Assert.Throws<InvalidOperationException>(() => mc.Accept());
        Assert.True(double.IsNaN(mc.ProposeInsert(0, double.PositiveInfinity, 0)));
        mc.Reject();
        Assert.Equal(e, mc.TotalEnergy);
        Assert.Equal(10, mc.Count);
        // protocol errors are loud
        Assert.Throws<InvalidOperationException>(() => mc.Reject());
        mc.ProposeMove(0, 1, 1, 1);
        Assert.Throws<InvalidOperationException>(() => mc.ProposeMove(0, 1, 1, 1));
        mc.Reject();
        Assert.Throws<ArgumentOutOfRangeException>(() => mc.ProposeRemove(10));
        Assert.Throws<ArgumentException>(() => mc.Reset([0, 0, double.NaN]));
    }

    [Fact]
    public void GrowsFromEmptyAndShrinksToEmpty()
    {
        var mc = TersoffPotential.MlBop.CreateMcBackend();
        Assert.Equal(0.0, mc.Reset([]));
        Assert.Equal(0.0, mc.ProposeInsert(0, 0, 0));
        mc.Accept();
        double dE = mc.ProposeInsert(2.70874, 0, 0);
        Assert.Equal(-0.245155, dE, 5e-7); // the dimer minimum of method.md
        mc.Accept();
        mc.ProposeRemove(0); mc.Accept();
        Assert.Equal(1, mc.Count);
        Assert.Equal(0.0, mc.TotalEnergy, 1e-12);
        Assert.Equal(new double[] { 2.70874, 0, 0 }, mc.Positions.ToArray());
        mc.ProposeRemove(0); mc.Accept();
        Assert.Equal(0, mc.Count);
    }

    [Fact]
    public void ProposalsAllocateNothingAfterWarmUp()
    {
        var mc = TersoffPotential.MlBop.CreateMcBackend();
        var x = TersoffTests.RandomCluster(new Random(3), 200);
        mc.Reset(x);
        var rng = new Random(1);
        void Round()
        {
            for (int s = 0; s < 200; s++)
            {
                int i = rng.Next(mc.Count);
                mc.ProposeMove(i, x[3 * i] + 0.3 * (rng.NextDouble() - 0.5), x[3 * i + 1], x[3 * i + 2]);
                if (s % 2 == 0) mc.Accept(); else mc.Reject();
            }
        }
        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
