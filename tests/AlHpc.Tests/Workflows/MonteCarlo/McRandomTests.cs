using AlHpc.MonteCarlo;

namespace AlHpc.Tests.MonteCarlo;

public class McRandomTests
{
    [Fact]
    public void SplitMix64MatchesPublishedFirstOutput()
    {
        ulong s = 0;
        // First output of SplitMix64 from state 0 (Vigna's reference splitmix64.c).
        Assert.Equal(0xE220A8397B1DCDAFUL, McRandom.SplitMix64(ref s));
    }

    [Fact]
    public void SameSeedSameStreamDifferentSeedDifferentStream()
    {
        var a = new McRandom(42); var b = new McRandom(42); var c = new McRandom(43);
        bool differs = false;
        for (int i = 0; i < 1000; i++)
        {
            ulong x = a.NextUInt64();
            Assert.Equal(x, b.NextUInt64());
            differs |= x != c.NextUInt64();
        }
        Assert.True(differs);
    }

    [Fact]
    public void UniformDoublesAndIntegers()
    {
        var r = new McRandom(9);
        const int n = 200_000, k = 7;
        var counts = new int[k];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double u = r.NextDouble();
            Assert.InRange(u, 0.0, 1.0 - 1e-17);
            sum += u;
            counts[r.NextInt(k)]++;
        }
        Assert.InRange(sum / n, 0.5 - 0.005, 0.5 + 0.005); // 7 sigma (sigma = 0.29/sqrt(n) = 6.5e-4)
        double chi2 = counts.Sum(c => (c - (double)n / k) * (c - (double)n / k) / ((double)n / k));
        Assert.True(chi2 < 30, $"chi2 {chi2} with 6 degrees of freedom"); // p ~ 4e-5
    }
}
