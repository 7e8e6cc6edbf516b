using System.Text.Json;
using AlHpc.Evaluation;
using AlHpc.Reporting;

namespace AlHpc.Tests.TestSets;

public class TestSetEvaluatorTests
{
    private static readonly int[] Sizes = [1, 2, 3, 5, 8, 13, 21, 25, 34, 55, 89, 1, 40, 60];

    [Fact]
    public void EvaluatingTheLabellingModel_ScoresZero_AndWritesEverything()
    {
        var model = new ToyPairPotential();
        var set = TestSetTestData.Label(TestSetTestData.RandomBatch(Sizes, 21), model);
        var dir = TestPaths.NewTempDir();
        var r = TestSetEvaluator.Evaluate(model, set, new EvaluationOptions { OutDir = dir, Figures = new AlHpc.Reporting.EvaluationFigures() });

        Assert.Equal(0, r.Metrics.Overall.EnergyMae);
        Assert.Equal(0, r.Metrics.Overall.ForceMae);
        Assert.All(r.Metrics.Ranges, g => { Assert.Equal(0, g.EnergyRmse); Assert.Equal(0, g.ForceRmse); });
        Assert.Equal(set.Energies, r.Prediction.Energies);

        foreach (var name in new[] { "metrics.csv", "by-size.csv", "metrics.json", "energy-parity.png", "mae-vs-size.png", "force-parity.png" })
            Assert.True(File.Exists(Path.Combine(dir, name)), name);
        foreach (var png in Directory.GetFiles(dir, "*.png")) AssertPng(png);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(MetricsReport.CsvHeader, csv[0]);
        Assert.Equal(5, csv.Length); // header, all, 3 ranges
        var bySize = File.ReadAllLines(Path.Combine(dir, "by-size.csv"));
        Assert.Equal(1 + Sizes.Distinct().Count(), bySize.Length);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        Assert.Equal(Sizes.Length, json.RootElement.GetProperty("overall").GetProperty("clusters").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("ranges").GetArrayLength());
    }

    [Fact]
    public void AnotherModel_ScoresItsRealError_IndependentOfThreadCount()
    {
        var reference = new ToyPairPotential();
        var model = new ToyPairPotential(depth: 0.26, r0: 2.72, name: "toy model");
        var set = TestSetTestData.Label(TestSetTestData.RandomBatch(Sizes, 22), reference);
        var one = TestSetEvaluator.Evaluate(model, set, new EvaluationOptions { MaxThreads = 1 });
        var two = TestSetEvaluator.Evaluate(model, set, new EvaluationOptions { MaxThreads = 2 });
        Assert.True(one.Metrics.Overall.EnergyMae > 0);
        Assert.True(one.Metrics.Overall.ForceMae > 0);
        Assert.Equal(one.Prediction.Energies, two.Prediction.Energies);
        Assert.Equal(one.Prediction.Forces, two.Prediction.Forces);
        Assert.Equal(one.Metrics.Overall, two.Metrics.Overall);

        // The predictor agrees with a plain loop over clusters.
        var ev = model.CreateEvaluator();
        for (int c = 0; c < set.ClusterCount; c++)
        {
            var fc = new double[3 * set.SizeOf(c)];
            Assert.Equal(ev.Compute(set.PositionsOf(c), fc, Span<double>.Empty), one.Prediction.Energies[c]);
            Assert.Equal(fc, one.Prediction.Forces!.AsSpan(3 * set.Offsets[c], fc.Length).ToArray());
        }
    }

    [Fact]
    public void Plots_LinesAndLargeParity_AreValidPngs()
    {
        var dir = TestPaths.NewTempDir();
        var x = Enumerable.Range(1, 150).Select(i => (double)i).ToArray();
        Plots.Lines(Path.Combine(dir, "lines.png"), "MAE and pool size", "iteration", "test MAE (meV/molecule)",
            [new LineSeries("MAE", x, x.Select(v => 115 * Math.Exp(-v / 40)).ToArray())],
            "pool size (structures)", [new LineSeries("pool", x, x.Select(v => 3 * v).ToArray(), Markers: false)], logY: true);
        AssertPng(Path.Combine(dir, "lines.png"));

        var rng = new Random(1);
        int n = 120_000;
        var xs = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var ys = xs.Select(v => v + 0.01 * rng.NextDouble()).ToArray();
        Plots.Parity(Path.Combine(dir, "parity.png"), new ParityPanel("parity", "reference (eV)", "model (eV)", [new PointSeries("points", xs, ys)]));
        AssertPng(Path.Combine(dir, "parity.png"));

        var (sx, sy) = Plots.Subsample(xs, ys, 1000, 3);
        Assert.Equal(1000, sx.Length);
        for (int i = 0; i < sx.Length; i++) Assert.Equal(sx[i] + 0, xs[Array.IndexOf(xs, sx[i])]);
        Assert.Equal(sy[0], ys[Array.IndexOf(xs, sx[0])]);
    }

    [Fact]
    public void FontIsFound()
    {
        Assert.False(string.IsNullOrEmpty(Plots.EnsureFont()));
    }

    internal static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5000, $"{path}: only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
    }
}
