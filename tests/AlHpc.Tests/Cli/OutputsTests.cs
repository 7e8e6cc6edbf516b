using System.Text.Json;
using System.Text.RegularExpressions;
using AlHpc.Potentials;
using AlHpc.Reporting;
using AlHpc.TestSets;

namespace AlHpc.Tests.Cli;

/// <summary>Issue 16, "Figures and outputs a scientist would redo" and "Test sets".</summary>
[Collection("console")]
public class OutputsTests
{
    private static (string Set, string Dir) SmallSet()
    {
        var dir = TestPaths.NewTempDir();
        var set = Path.Combine(dir, "t.h5");
        var (code, _, err) = CliHarness.Run("testset", "--count", "40", "--sizes", "1-4", "--seed", "3", "-o", set);
        Assert.True(code == 0, err);
        return (set, dir);
    }

    [Fact]
    public void MetricsJsonHoldsNumbersAsNumbersAndTheTableSplitsIntoColumns()
    {
        var (set, dir) = SmallSet();
        var outDir = Path.Combine(dir, "eval");
        var (code, stdout, err) = CliHarness.Run("evaluate", "--reference", "--testset", set, "--out", outDir);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var ctx = doc.RootElement.GetProperty("context");
        foreach (var key in new[] { "clusters", "molecules", "threads", "predict_seconds" })
            Assert.Equal(JsonValueKind.Number, ctx.GetProperty(key).ValueKind);
        Assert.Equal(40, ctx.GetProperty("clusters").GetInt32());
        // every row of the table has the same number of whitespace-separated fields, monomers included
        var rows = stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^(all|\d|monomers)")).ToList();
        Assert.Contains(rows, r => r.StartsWith("monomers", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal(8, r.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
    }

    [Fact]
    public void MaeAgainstSizeIsStackedPanelsWithCounts()
    {
        var (set, dir) = SmallSet();
        var outDir = Path.Combine(dir, "eval");
        Assert.Equal(0, CliHarness.Run("evaluate", "--reference", "--testset", set, "--out", outDir).Code);
        var (w, h) = PngSize(Path.Combine(outDir, EvaluationFigures.MaeBySizeFile));
        Assert.Equal(EvaluationFigures.MaeBySizeWidth, w);
        Assert.Equal(3 * EvaluationFigures.MaeBySizePanelHeight, h); // energy, force, clusters per size
    }

    private static (int W, int H) PngSize(string path)
    {
        var b = File.ReadAllBytes(path);
        int Be(int at) => b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3];
        return (Be(16), Be(20));
    }

    [Fact]
    public void TheParityViewHoldsTheBulkAndMarksTheOutliers()
    {
        // 98 % of a pool near -0.33 eV/molecule, 2 % collapsed clusters at +1 eV/molecule (Figure 2b's case)
        var rng = new Random(5);
        var v = Enumerable.Range(0, 980).Select(_ => -0.33 + 0.02 * rng.NextDouble()).Concat(Enumerable.Repeat(1.0, 20)).ToArray();
        var (lo, hi) = Plots.BulkRange(v);
        Assert.True(hi < 0, $"view {lo}..{hi} still stretched to the outliers");
        Assert.True(lo <= v.Min() && hi >= v.Where(x => x < 0).Max(), $"view {lo}..{hi} cuts into the bulk"); // the whole bulk stays in view
        Assert.Equal(20, v.Count(x => x < lo || x > hi));
        var png = Path.Combine(TestPaths.NewTempDir(), "p.png");
        Plots.Parity(png, new ParityPanel("t", "x", "y", [new PointSeries("pool", v, v)], ClipToBulk: true));
        Assert.True(new FileInfo(png).Length > 1000);
    }

    [Fact]
    public void TestSetProgressCountsMoleculesForAnHonestTimeLeft()
    {
        var recipe = new TestSetRecipe { Count = 20, MinSize = 1, MaxSize = 20, SnapshotsPerChain = 2 };
        var reports = new List<(long Done, long Total)>();
        var g = TestSetGenerator.Generate(TersoffPotential.MlBop, recipe, 4, (d, t) => { lock (reports) reports.Add((d, t)); }, maxThreads: 1);
        Assert.All(reports, r => Assert.Equal(g.Batch.AtomCount, r.Total));
        Assert.Equal(g.Batch.AtomCount, reports.Max(r => r.Done));
        // largest chains run first: after the first chain far more than 1/10 of the work is done
        Assert.True(reports[0].Done > g.Batch.AtomCount / 10.0);
    }

    [Fact]
    public void UnequalCountsPerSizeAreStatedAndEqualOnesAreNot()
    {
        var r = new TestSetRecipe { Count = 5000, MinSize = 1, MaxSize = 200 };
        var note = TestSetGenerator.UnequalCountsNote(r, TestSetGenerator.Plan(r, 1));
        Assert.NotNull(note);
        Assert.Contains("sizes 1-100: 30, sizes 101-200: 20", note);
        Assert.Contains("a count that is a multiple of 2000", note); // the library's term; the CLI names its option
        var equal = r with { Count = 4000 };
        Assert.Null(TestSetGenerator.UnequalCountsNote(equal, TestSetGenerator.Plan(equal, 1)));
        var dir = TestPaths.NewTempDir();
        var (code, _, err) = CliHarness.Run("testset", "--count", "15", "--sizes", "1-2", "--seed", "1", "-o", Path.Combine(dir, "t.xyz"));
        Assert.True(code == 0, err);
        Assert.Contains("note: unequal clusters per size", err);
        Assert.Contains("a --count that is a multiple of", err);
    }

    [Fact]
    public void TheDocsStateTheChainsAndTheirCorrelationAndCiteOnlyFilesOfTheRepository()
    {
        var testsets = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "testsets.md"));
        Assert.Contains("Independent samples are chains, not clusters", testsets);
        Assert.Contains("Pearson correlation of 0.99", testsets);
        Assert.Contains("10,000\nindependent chains", testsets);
        var files = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "docs"), "*.md")
            .Append(Path.Combine(TestPaths.RepoRoot, "README.md")).Append(Path.Combine(TestPaths.RepoRoot, "bench", "README.md"));
        foreach (var f in files)
        {
            var text = File.ReadAllText(f);
            foreach (Match m in Regex.Matches(text, @"\]\(([^)#]+)\)"))
            {
                var target = m.Groups[1].Value;
                if (target.StartsWith("http", StringComparison.Ordinal)) continue;
                Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(f)!, target)), $"{f}: link to {target}, not in the repository");
            }
            foreach (Match m in Regex.Matches(text, @"[\w./-]+\.md\b"))
            {
                var name = m.Value.TrimStart('.', '/');
                bool exists = File.Exists(Path.Combine(Path.GetDirectoryName(f)!, m.Value)) || File.Exists(Path.Combine(TestPaths.RepoRoot, name))
                              || File.Exists(Path.Combine(TestPaths.RepoRoot, "docs", name));
                Assert.True(exists, $"{f}: cites {m.Value}, which is not in the repository");
            }
        }
    }
}
