using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using AlHpc.TestSets;

namespace AlHpc.Tests.TestSets;

public class TestSetGeneratorTests
{
    private static readonly TestSetRecipe Small = new()
    {
        Count = 46, MinSize = 1, MaxSize = 12, SnapshotsPerChain = 4, EquilibrationCycles = 6, CyclesBetweenSnapshots = 2,
        NestedFraction = 0.3, NestedAdjustCycles = 2,
    };

    [Fact]
    public void Generate_IsIndependentOfThreadCount_AndLabelledWithTheReference()
    {
        var mlbop = TersoffPotential.MlBop;
        var one = TestSetGenerator.Generate(mlbop, Small, 99, maxThreads: 1);
        var two = TestSetGenerator.Generate(mlbop, Small, 99, maxThreads: 2);
        Assert.Equal(one.Batch.Offsets, two.Batch.Offsets);
        Assert.Equal(one.Batch.Positions, two.Batch.Positions);
        Assert.Equal(one.Batch.Energies, two.Batch.Energies);
        Assert.Equal(one.Batch.Forces, two.Batch.Forces);
        Assert.Equal(one.Nested, two.Nested);

        var b = one.Batch;
        Assert.Equal(46, b.ClusterCount);
        // Every size 1..12 present, counts as planned (chains cycle through the sizes).
        var plan = TestSetGenerator.Plan(Small, 99);
        Assert.Equal(12, plan.Length);
        Assert.Equal(Enumerable.Range(1, 12), plan.Select(p => p.Size));
        Assert.Equal(46, plan.Sum(p => p.Snapshots));
        Assert.Equal(2, plan[^1].Snapshots);
        Assert.Contains(one.Nested, v => v == 1);
        Assert.Contains(one.Nested, v => v == 0);

        // Labels are the reference's, recomputed here; structures are connected clusters without overlaps.
        var ev = mlbop.CreateEvaluator();
        var crit = new ClusterCriterion(Small.CriterionDistance, Small.MinPairDistance);
        for (int c = 0; c < b.ClusterCount; c++)
        {
            var f = new double[3 * b.SizeOf(c)];
            Assert.Equal(ev.Compute(b.PositionsOf(c), f, Span<double>.Empty), b.Energies[c]);
            Assert.Equal(f, b.ForcesOf(c).ToArray());
            Assert.Equal(CriterionResult.Ok, crit.Reset(b.PositionsOf(c)));
            if (b.SizeOf(c) == 1) Assert.Equal(0.0, b.Energies[c]);
            Assert.True(b.Energies[c] <= 0, $"cluster {c}: E = {b.Energies[c]} eV");
        }
        Assert.True(one.MaxBackendDrift < 1e-8, $"backend drift {one.MaxBackendDrift}");

        // A different seed gives a different set; the same seed the same one.
        var other = TestSetGenerator.Generate(mlbop, Small, 100, maxThreads: 2);
        Assert.NotEqual(one.Batch.Positions, other.Batch.Positions);
    }

    [Fact]
    public void Plan_WithFewerChainsThanSizes_SpansTheWholeRange()
    {
        // 1,000 clusters in chains of 10 over sizes 1-200 (the active-learning monitoring set): 100 chains
        var plan = TestSetGenerator.Plan(new TestSetRecipe { Count = 1000, MinSize = 1, MaxSize = 200 }, 5);
        Assert.Equal(100, plan.Length);
        var sizes = plan.Select(p => p.Size).ToArray();
        Assert.Equal(sizes.Distinct().Count(), sizes.Length);
        Assert.True(sizes.Min() <= 2 && sizes.Max() >= 199, $"sizes {sizes.Min()}-{sizes.Max()}");
        Assert.All(sizes.Zip(sizes.Skip(1)), p => Assert.Equal(2, p.Second - p.First)); // evenly spread
        // Metropolis chains alternate compact and random starts
        var metropolis = plan.Where(p => !p.Nested).ToArray();
        Assert.Contains(metropolis, p => p.CompactStart);
        Assert.Contains(metropolis, p => !p.CompactStart);
        // a set with at least one chain per size keeps cycling through the sizes
        var big = TestSetGenerator.Plan(new TestSetRecipe { Count = 4000, MinSize = 1, MaxSize = 200 }, 5);
        Assert.Equal(Enumerable.Range(1, 200).Concat(Enumerable.Range(1, 200)), big.Select(p => p.Size));
    }

    [Fact]
    public void CompactStart_IsAConnectedDiamondFragment()
    {
        foreach (int n in new[] { 1, 2, 3, 17, 200 })
        {
            var p = TestSetGenerator.CompactStart(n, (ulong)n);
            Assert.Equal(3 * n, p.Length);
            var crit = new ClusterCriterion(4.0, 2.7);
            Assert.Equal(CriterionResult.Ok, crit.Reset(p)); // connected, nearest neighbours >= 2.7 A
        }
    }

    [Fact]
    public void Recipe_TextRoundTrips_AndBadRecipesAreRejected()
    {
        var r = Small with { Start = "compact", MinTemperatureK = 150, NestedCeilingMarginEv = 0.05 };
        Assert.Equal(r, TestSetRecipe.Parse(r.ToText()));
        Assert.Equal(200, TestSetRecipe.Parse("sizes=1-200").MaxSize);
        Assert.Throws<FormatException>(() => TestSetRecipe.Parse("colour=blue"));
        Assert.Throws<FormatException>(() => TestSetRecipe.Parse("count=many"));
        Assert.Throws<ArgumentException>(() => (Small with { MinSize = 5, MaxSize = 2 }).Validate());
        Assert.Throws<ArgumentException>(() => (Small with { Start = "lattice" }).Validate());
    }

    [Fact]
    public void ChainSeeds_DependOnMasterSeedAndIndexOnly()
    {
        Assert.Equal(TestSetGenerator.ChainSeed(5, 3), TestSetGenerator.ChainSeed(5, 3));
        var seeds = Enumerable.Range(0, 1000).Select(i => TestSetGenerator.ChainSeed(5, i)).ToHashSet();
        Assert.Equal(1000, seeds.Count);
        Assert.NotEqual(TestSetGenerator.ChainSeed(5, 3), TestSetGenerator.ChainSeed(6, 3));
    }
}
