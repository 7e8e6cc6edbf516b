using AlHpc.MonteCarlo;

namespace AlHpc.Tests.MonteCarlo;

public class ClusterCriterionTests
{
    // A straight chain 0-1-2 with 3 A bonds along x.
    private static readonly double[] Chain = [0, 0, 0, 3, 0, 0, 6, 0, 0];

    [Fact]
    public void HandCases()
    {
        var c = new ClusterCriterion(4.0, 1.0);
        Assert.Equal(CriterionResult.Ok, c.Reset(Chain));
        // End bead moved a little: fine.
        Assert.Equal(CriterionResult.Ok, c.CheckMove(2, 6.5, 0.3, 0));
        // End bead moved out of reach of bead 1 (4.5 A): breaks.
        Assert.Equal(CriterionResult.Disconnected, c.CheckMove(2, 7.5, 0, 0));
        // Exactly at the criterion distance counts as bonded (<= 4.0).
        Assert.Equal(CriterionResult.Ok, c.CheckMove(2, 7.0, 0, 0));
        // Middle bead moved off the axis by 3 A: 0-2 are 6 A apart, 1 is 4.24 A from both: breaks.
        Assert.Equal(CriterionResult.Disconnected, c.CheckMove(1, 3, 3, 0));
        // Middle bead moved to a spot bonded to both ends: fine.
        Assert.Equal(CriterionResult.Ok, c.CheckMove(1, 3, 2.5, 0));
        // End bead hopping to the other end, bonded to 0 only while 1 keeps 2... here 2 -> (-3,0,0): 1 still bonded to 0.
        Assert.Equal(CriterionResult.Ok, c.CheckMove(2, -3, 0, 0));
        // Overlap with bead 0.
        Assert.Equal(CriterionResult.Overlap, c.CheckMove(2, 0.5, 0, 0));
        // The middle bead can leave the chain only if 0 and 2 stay bonded; move 2 closer first.
        c.CommitMove(2, 4, 0, 0); // 0-2 now 4.0 A
        Assert.Equal(CriterionResult.Ok, c.CheckMove(1, 2, 3, 0));
        Assert.Equal(CriterionResult.Disconnected, c.CheckMove(1, 2, 3.5, 0)); // 4.03 A from both
        Assert.Equal(CriterionResult.Ok, c.CheckWhole());
        // Removal of the middle of a chain splits it; removal of an end does not.
        c.Reset(Chain);
        Assert.Equal(CriterionResult.Disconnected, c.CheckRemove(1));
        Assert.Equal(CriterionResult.Ok, c.CheckRemove(0));
        // Insertion needs a bond.
        Assert.Equal(CriterionResult.Disconnected, c.CheckInsert(20, 0, 0));
        Assert.Equal(CriterionResult.Ok, c.CheckInsert(9, 0, 0));
        // Whole-structure checks.
        Assert.Equal(CriterionResult.Disconnected, c.Reset([0, 0, 0, 5, 0, 0]));
        Assert.Equal(CriterionResult.Overlap, c.Reset([0, 0, 0, 0.5, 0, 0]));
        Assert.Equal(CriterionResult.Ok, c.Reset([1, 2, 3]));
        Assert.Equal(CriterionResult.Ok, c.CheckMove(0, 100, 100, 100));
    }

    [Fact]
    public void DimerMovesLegalIffWithinDistance()
    {
        var c = new ClusterCriterion(4.0);
        c.Reset([0, 0, 0, 2.7, 0, 0]);
        Assert.Equal(CriterionResult.Ok, c.CheckMove(1, 3.99, 0, 0));
        Assert.Equal(CriterionResult.Disconnected, c.CheckMove(1, 4.01, 0, 0));
        Assert.Equal(CriterionResult.Disconnected, c.CheckMove(0, -1.31, 0, 0));
        Assert.Equal(CriterionResult.Ok, c.CheckMove(0, -1.29, 0, 0));
    }

    /// <summary>Randomized: every move/insert/remove check equals the brute-force reference on the changed structure.</summary>
    [Theory]
    [InlineData(5, 3.5, 1u, 3000)]
    [InlineData(25, 3.0, 2u, 3000)]
    [InlineData(60, 3.8, 3u, 1500)]
    [InlineData(200, 3.9, 4u, 500)]
    public void MatchesBruteForceOnRandomProposals(int n, double bond, ulong seed, int trials)
    {
        const double d = 4.0, dmin = 1.5;
        var pos = ClusterBuilder.RandomConnected(n, seed, bond, 2.2);
        var c = new ClusterCriterion(d, dmin);
        Assert.Equal(CriterionResult.Ok, c.Reset(pos));
        Assert.Equal(CriterionResult.Ok, ClusterCriterion.CheckReference(pos, d, dmin));
        var rng = new McRandom(seed + 100);
        int ok = 0, broken = 0, overlap = 0;
        for (int t = 0; t < trials; t++)
        {
            var cur = c.Positions.ToArray();
            int count = cur.Length / 3;
            double kind = rng.NextDouble();
            if (kind < 0.8 || count < 4 || count > n + 10)
            {
                int k = rng.NextInt(count);
                double step = rng.NextDouble() < 0.5 ? 1.0 : 4.0;
                double x = cur[3 * k] + step * (2 * rng.NextDouble() - 1), y = cur[3 * k + 1] + step * (2 * rng.NextDouble() - 1), z = cur[3 * k + 2] + step * (2 * rng.NextDouble() - 1);
                var moved = (double[])cur.Clone();
                moved[3 * k] = x; moved[3 * k + 1] = y; moved[3 * k + 2] = z;
                var expected = ClusterCriterion.CheckReference(moved, d, dmin);
                var got = c.CheckMove(k, x, y, z);
                Assert.Equal(expected, got);
                if (got == CriterionResult.Ok) { c.CommitMove(k, x, y, z); ok++; }
                else if (got == CriterionResult.Overlap) overlap++; else broken++;
            }
            else if (kind < 0.9)
            {
                int j = rng.NextInt(count);
                rng.NextUnitVector(out double ux, out double uy, out double uz);
                double r = 1 + 4 * rng.NextDouble();
                double x = cur[3 * j] + r * ux, y = cur[3 * j + 1] + r * uy, z = cur[3 * j + 2] + r * uz;
                var grown = cur.Concat(new[] { x, y, z }).ToArray();
                var expected = ClusterCriterion.CheckReference(grown, d, dmin);
                var got = c.CheckInsert(x, y, z);
                Assert.Equal(expected, got);
                if (got == CriterionResult.Ok) c.CommitInsert(x, y, z);
            }
            else
            {
                int k = rng.NextInt(count);
                var removed = (double[])cur.Clone();
                int last = count - 1;
                removed[3 * k] = cur[3 * last]; removed[3 * k + 1] = cur[3 * last + 1]; removed[3 * k + 2] = cur[3 * last + 2];
                removed = removed[..(3 * last)];
                var expected = ClusterCriterion.CheckReference(removed, d, dmin);
                var got = c.CheckRemove(k);
                Assert.Equal(expected, got);
                if (got == CriterionResult.Ok) c.CommitRemove(k);
            }
        }
        // The walk exercised both outcomes, and the maintained state is still a cluster equal to the reference's view.
        Assert.True(ok > trials / 20 && broken > trials / 100, $"ok {ok}, broken {broken}, overlap {overlap}");
        Assert.True(c.SearchCount > 10, $"only {c.SearchCount} checks reached the breadth-first search");
        Assert.Equal(CriterionResult.Ok, ClusterCriterion.CheckReference(c.Positions, d, dmin));
        Assert.Equal(CriterionResult.Ok, c.CheckWhole());
    }

    [Fact]
    public void RandomConnectedBuilderGivesClusters()
    {
        foreach (int n in new[] { 1, 2, 25, 200 })
        {
            var p = ClusterBuilder.RandomConnected(n, 7);
            Assert.Equal(3 * n, p.Length);
            Assert.Equal(CriterionResult.Ok, ClusterCriterion.CheckReference(p, 2.7 + 1e-9, 2.2 - 1e-9));
            Assert.Equal(p, ClusterBuilder.RandomConnected(n, 7));
        }
        Assert.NotEqual(ClusterBuilder.RandomConnected(25, 7), ClusterBuilder.RandomConnected(25, 8));
    }
}
