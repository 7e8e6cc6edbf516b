using AlHpc.Geometry;

namespace AlHpc.Tests.Foundation;

public class NeighbourListTests
{
    [Theory]
    [InlineData(1, 3.5)]
    [InlineData(25, 3.5)]
    [InlineData(300, 3.5)]
    [InlineData(300, 1.0)]
    public void CellListMatchesBruteForce(int n, double cutoff)
    {
        var rng = new Random(n);
        double box = Math.Cbrt(n * 30.0);
        var pos = new double[3 * n];
        for (int i = 0; i < pos.Length; i++) pos[i] = box * rng.NextDouble();
        var nl = new NeighbourList();
        nl.Build(pos, cutoff);
        int pairs = 0;
        for (int i = 0; i < n; i++)
        {
            var expected = new List<int>();
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dx = pos[3 * j] - pos[3 * i], dy = pos[3 * j + 1] - pos[3 * i + 1], dz = pos[3 * j + 2] - pos[3 * i + 2];
                if (dx * dx + dy * dy + dz * dz < cutoff * cutoff) expected.Add(j);
            }
            var got = nl.Index.Slice(nl.Start[i], nl.CountOf(i)).ToArray();
            Assert.Equal(expected, got);
            for (int p = nl.Start[i]; p < nl.Start[i + 1]; p++)
            {
                int j = nl.Index[p];
                Assert.Equal(pos[3 * j] - pos[3 * i], nl.Dx[p], 12);
                Assert.Equal(Math.Sqrt(nl.Dx[p] * nl.Dx[p] + nl.Dy[p] * nl.Dy[p] + nl.Dz[p] * nl.Dz[p]), nl.R[p], 12);
            }
            pairs += expected.Count;
        }
        Assert.Equal(pairs, nl.PairCount);
    }

    [Fact]
    public void SparseClusterKeepsGridSmall()
    {
        // two beads 1e6 A apart must not allocate a huge grid
        var nl = new NeighbourList();
        nl.Build([0, 0, 0, 1e6, 1e6, 1e6, 1, 0, 0], 3.5);
        Assert.Equal(2, nl.PairCount);
        Assert.Throws<ArgumentException>(() => nl.Build([0, 0, double.NaN], 3.5));
    }
}
