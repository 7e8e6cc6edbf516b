using System.Globalization;
using AlHpc.MonteCarlo;
using AlHpc.Structures;

namespace AlHpc.Tests.MonteCarlo;

public class NestedSamplerTests
{
    private static double Info(Cluster f, string key) => double.Parse(f.GetInfo(key)!, CultureInfo.InvariantCulture);

    private static (List<Cluster>, NestedResult) Run(ulong seed, NestedSettings? s = null, int n = 13)
    {
        var start = ClusterBuilder.RandomConnected(n, 4);
        var frames = new List<Cluster>();
        s ??= new NestedSettings { Cycles = 600, AdjustFrequency = 20, TrajectoryEvery = 1 };
        var result = new NestedSampler(s with { Seed = seed }).Run(McTestModels.WaterMorse().CreateMcBackend(), start, frames.Add);
        return (frames, result);
    }

    /// <summary>
    /// The ceiling never rises, it falls overall, and the walker obeys it: between two frames (one per cycle)
    /// the moves used the ceiling of the earlier frame, so a walker that was below it stays below, and a walker
    /// above it never goes up.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public void CeilingFallsMonotonicallyAndIsRespected(int bins)
    {
        var (frames, r) = Run(21, new NestedSettings { Cycles = 600, AdjustFrequency = 20, TrajectoryEvery = 1, HistogramBins = bins });
        Assert.Equal(McStatus.Completed, r.Status);
        Assert.Equal(600, frames.Count);
        Assert.Equal(30, r.CeilingHistory.Count);
        Assert.True(double.IsPositiveInfinity(r.InitialCeilingPerBead));
        for (int i = 1; i < r.CeilingHistory.Count; i++) Assert.True(r.CeilingHistory[i] <= r.CeilingHistory[i - 1]);
        Assert.True(r.CeilingHistory[^1] < r.CeilingHistory[0] - 0.01, $"ceiling {r.CeilingHistory[0]} -> {r.CeilingHistory[^1]} eV/bead");
        Assert.Equal(r.FinalCeilingPerBead, r.CeilingHistory[^1]);
        int checkedBelow = 0, checkedAbove = 0;
        for (int i = 1; i < frames.Count; i++)
        {
            double c = Info(frames[i - 1], "ceiling_eV_per_bead");
            double e0 = Info(frames[i - 1], "energy_per_bead"), e1 = Info(frames[i], "energy_per_bead");
            Assert.True(Info(frames[i], "ceiling_eV_per_bead") <= c);
            if (e0 < c) { Assert.True(e1 < c, $"cycle {i + 1}: walker left the ceiling {c} ({e0} -> {e1})"); checkedBelow++; }
            else { Assert.True(e1 <= e0, $"cycle {i + 1}: walker above the ceiling went up ({e0} -> {e1})"); checkedAbove++; }
            Assert.Equal(CriterionResult.Ok, ClusterCriterion.CheckReference(frames[i].Positions, 4.0, 1.0));
        }
        Assert.True(checkedBelow > 100);
    }

    [Fact]
    public void WalksDownFromAFiniteCeilingAndIsReproducible()
    {
        var s = new NestedSettings { Cycles = 300, AdjustFrequency = 30, TrajectoryEvery = 10, InitialCeilingPerBead = 0.5 };
        var (a, ra) = Run(3, s);
        var (b, rb) = Run(3, s);
        var (_, rc) = Run(4, s);
        Assert.Equal(0.5, ra.InitialCeilingPerBead);
        Assert.True(ra.FinalCeilingPerBead < 0.5);
        Assert.True(ra.LowestEnergy / 13 <= ra.FinalCeilingPerBead);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Positions, b[i].Positions);
            Assert.Equal(BitConverter.DoubleToInt64Bits(a[i].Energy!.Value), BitConverter.DoubleToInt64Bits(b[i].Energy!.Value));
        }
        Assert.Equal(ra.CeilingHistory, rb.CeilingHistory);
        Assert.NotEqual(ra.FinalPositions, rc.FinalPositions);
    }

    /// <summary>A ceiling below anything reachable: the walker can only go down; updates stall; no hang, no crash.</summary>
    [Fact]
    public void UnreachableCeilingStallsGracefully()
    {
        var s = new NestedSettings { Cycles = 100, AdjustFrequency = 10, TrajectoryEvery = 0, InitialCeilingPerBead = -100 };
        var (_, r) = Run(1, s);
        Assert.Equal(McStatus.Completed, r.Status);
        Assert.Equal(10, r.StalledUpdates);
        Assert.Equal(-100, r.FinalCeilingPerBead);
        Assert.Equal(r.Attempts, r.MovesAboveCeiling);
    }

    [Fact]
    public void NonFiniteEnergiesAreRejected()
    {
        var start = ClusterBuilder.RandomConnected(13, 4);
        var flaky = new FlakyBackend(McTestModels.WaterMorse().CreateMcBackend(), 0.3);
        var r = new NestedSampler(new NestedSettings { Cycles = 200, AdjustFrequency = 20 }).Run(flaky, start);
        Assert.Equal(McStatus.Completed, r.Status);
        Assert.Equal(flaky.BadProposals, r.NonFiniteRejections);
        Assert.All(r.CeilingHistory, c => Assert.True(double.IsFinite(c)));
        Assert.Equal(0, r.SkippedUpdates);
    }

    [Fact]
    public void MedianExactAndBinned()
    {
        Assert.Equal(2.0, NestedSampler.Median(new double[] { 3, 1, 2 }, default));
        Assert.Equal(2.5, NestedSampler.Median(new double[] { 4, 1, 3, 2 }, default));
        Assert.True(double.IsNaN(NestedSampler.Median(Span<double>.Empty, default)));
        var values = Enumerable.Range(0, 1001).Select(i => (double)i).Reverse().ToArray();
        double binned = NestedSampler.Median(values, new int[100]);
        Assert.InRange(binned, 495, 505); // bin width 10
        Assert.Equal(7.0, NestedSampler.Median(new double[] { 7, 7, 7 }, new int[10]));
    }
}
