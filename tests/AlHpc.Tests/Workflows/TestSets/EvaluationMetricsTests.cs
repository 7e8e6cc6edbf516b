using AlHpc.Evaluation;
using AlHpc.Structures;

namespace AlHpc.Tests.TestSets;

public class EvaluationMetricsTests
{
    /// <summary>
    /// Four clusters of 1, 2, 30 and 60 molecules with hand-picked errors:
    /// energy errors per molecule (meV): +10 (0.010 eV / 1), +5 (0.010 eV / 2), -10 (-0.3 eV / 30), -1 (-0.06 eV / 60);
    /// forces: only the monomer is off, by (+0.003, -0.004, 0) eV/A.
    /// </summary>
    private static (ClusterBatch Ref, double[] E, double[] F) HandMade()
    {
        int[] sizes = [1, 2, 30, 60];
        var b = TestSetTestData.RandomBatch(sizes, 11);
        b.Energies[0] = 0.0; b.Energies[1] = -0.5; b.Energies[2] = -9.0; b.Energies[3] = -20.0;
        double[] e = [0.010, -0.49, -9.3, -20.06];
        var f = (double[])b.Forces!.Clone();
        f[0] += 0.003; f[1] -= 0.004;
        return (b, e, f);
    }

    [Fact]
    public void HandMadeSet_GivesTheHandComputedNumbers()
    {
        var (b, e, f) = HandMade();
        var m = EvaluationMetrics.Compute(b, e, f);
        const double tol = 1e-9;

        // Energies (meV/molecule): errors 10, 5, -10, -1.
        Assert.Equal(4, m.Overall.Clusters);
        Assert.Equal(93, m.Overall.Molecules);
        Assert.Equal((10 + 5 + 10 + 1) / 4.0, m.Overall.EnergyMae, tol);
        Assert.Equal(Math.Sqrt((100 + 25 + 100 + 1) / 4.0), m.Overall.EnergyRmse, tol);
        Assert.Equal(10, m.Overall.Energy.Max, tol);
        Assert.Equal((10 + 5 - 10 - 1) / 4.0, m.Overall.Energy.MeanSigned, tol);

        Assert.Equal(["1-20", "21-50", "51+"], m.Ranges.Select(r => r.Label));
        Assert.Equal(7.5, m.Ranges[0].EnergyMae, tol);
        Assert.Equal(Math.Sqrt(62.5), m.Ranges[0].EnergyRmse, tol);
        Assert.Equal(10, m.Ranges[1].EnergyMae, tol);
        Assert.Equal(10, m.Ranges[1].EnergyRmse, tol);
        Assert.Equal(1, m.Ranges[2].EnergyMae, tol);

        // Forces (meV/A): 3 + 4 + 0 over 3 * 93 = 279 components overall, 9 in 1-20.
        Assert.True(m.HasForces);
        Assert.Equal(279, m.Overall.Force.Count);
        Assert.Equal(7.0 / 279, m.Overall.ForceMae, tol);
        Assert.Equal(Math.Sqrt(25.0 / 279), m.Overall.ForceRmse, tol);
        Assert.Equal(7.0 / 9, m.Ranges[0].ForceMae, tol);
        Assert.Equal(5.0 / 3, m.Ranges[0].ForceRmse, tol);
        Assert.Equal(0, m.Ranges[1].ForceMae, tol);
        Assert.Equal(4, m.Overall.Force.Max, tol);

        // By size and the monomer line.
        Assert.Equal([1, 2, 30, 60], m.BySize.Select(g => g.MinSize));
        Assert.NotNull(m.Monomers);
        Assert.Equal(10, m.Monomers!.EnergyMae, tol);
        Assert.Equal(7.0 / 3, m.Monomers.ForceMae, tol);
        Assert.Equal(5, m.BySize[1].EnergyMae, tol);
    }

    [Fact]
    public void WithoutForces_ForceMetricsAreNaN()
    {
        var (b, e, _) = HandMade();
        var m = EvaluationMetrics.Compute(b, e);
        Assert.False(m.HasForces);
        Assert.True(double.IsNaN(m.Overall.ForceMae));
        Assert.Equal(6.5, m.Overall.EnergyMae, 1e-9);
    }

    [Fact]
    public void RangeAndSizeBins_AgreeWithADirectComputation()
    {
        var rng = new Random(5);
        int[] sizes = Enumerable.Range(0, 400).Select(_ => 1 + rng.Next(120)).ToArray();
        var b = TestSetTestData.RandomBatch(sizes, 6);
        var e = b.Energies.Select(x => x + 0.05 * (rng.NextDouble() - 0.5)).ToArray();
        var f = b.Forces!.Select(x => x + 0.2 * (rng.NextDouble() - 0.5)).ToArray();
        var ranges = new[] { SizeRange.Parse("1-20"), SizeRange.Parse("21-50"), SizeRange.Parse("51+"), SizeRange.Parse("7-7") };
        var m = EvaluationMetrics.Compute(b, e, f, ranges);

        for (int ri = 0; ri < ranges.Length; ri++)
        {
            var r = ranges[ri];
            var cl = Enumerable.Range(0, sizes.Length).Where(c => sizes[c] >= r.Min && sizes[c] <= r.Max).ToList();
            var eErr = cl.Select(c => 1000 * (e[c] - b.Energies[c]) / sizes[c]).ToList();
            var fErr = cl.SelectMany(c => Enumerable.Range(3 * b.Offsets[c], 3 * sizes[c]).Select(k => 1000 * (f[k] - b.Forces![k]))).ToList();
            Assert.Equal(cl.Count, m.Ranges[ri].Clusters);
            Assert.Equal(eErr.Average(Math.Abs), m.Ranges[ri].EnergyMae, 1e-9);
            Assert.Equal(Math.Sqrt(eErr.Average(x => x * x)), m.Ranges[ri].EnergyRmse, 1e-9);
            Assert.Equal(fErr.Average(Math.Abs), m.Ranges[ri].ForceMae, 1e-9);
            Assert.Equal(Math.Sqrt(fErr.Average(x => x * x)), m.Ranges[ri].ForceRmse, 1e-9);
        }
        foreach (var g in m.BySize)
        {
            var cl = Enumerable.Range(0, sizes.Length).Where(c => sizes[c] == g.MinSize).ToList();
            Assert.Equal(cl.Count, g.Clusters);
            Assert.Equal(cl.Average(c => Math.Abs(1000 * (e[c] - b.Energies[c]) / sizes[c])), g.EnergyMae, 1e-9);
        }
        Assert.Equal(sizes.Distinct().Count(), m.BySize.Count);
        Assert.Equal(sizes.Length, m.BySize.Sum(g => g.Clusters));
    }

    [Fact]
    public void SizeRangeParsing()
    {
        Assert.Equal(new SizeRange(51, int.MaxValue), SizeRange.Parse("51+"));
        Assert.Equal(new SizeRange(1, 20), SizeRange.Parse(" 1-20 "));
        Assert.Equal(new SizeRange(25, 25), SizeRange.Parse("25"));
        Assert.Equal("51+", SizeRange.Parse("51+").Label);
        Assert.Throws<FormatException>(() => SizeRange.Parse("20-1"));
    }

    [Fact]
    public void MissingReferenceEnergy_IsAnError()
    {
        var (b, e, f) = HandMade();
        b.Energies[2] = double.NaN;
        Assert.Throws<ArgumentException>(() => EvaluationMetrics.Compute(b, e, f));
    }
}
