using AngleSharp.Html.Parser;
using SkiaSharp;

namespace AlHpc.Tests.Thermodynamics;

/// <summary>`alhpc report` on a tiny real run: the HTML parsed with a real HTML parser, every figure a PNG.</summary>
[Collection("console")]
public class ReportCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => ThermoCliTests.Run(args);

    [Fact]
    public void ReportOfATinyRunEmbedsEveryFigureAndListsWhatDidNotRun()
    {
        var dir = TestPaths.NewTempDir();
        string run = Path.Combine(dir, "run");
        string cfg = Path.Combine(dir, "tiny.json");
        File.WriteAllText(cfg, """
        {
          "seed": 5,
          "training": { "epochs": 30 },
          "sampling": { "metropolis": { "cycles": 40 }, "nested": { "cycles": 40 } },
          "stop": { "maxIterations": 2 },
          "monitor": { "size": 20, "maxMolecules": 40 }
        }
        """);
        var (code, _, err) = Run("learn", "--config", cfg, "--out", run);
        Assert.True(code == 0, err);
        string set = Path.Combine(dir, "set.h5");
        (code, _, err) = Run("testset", "--count", "30", "--sizes", "1-30", "--seed", "5", "-o", set,
            "--recipe", "snapshots_per_chain=3 equilibration_cycles=4 cycles_between_snapshots=2 nested_adjust_cycles=2");
        Assert.True(code == 0, err);
        string val = Path.Combine(run, "validation");
        string[] fe = ["freeenergy", "--max-size", "3", "--window", "3", "--runs", "2", "--steps-per-period", "1000", "--equilibration-periods", "3", "--production-periods", "3"];
        (code, _, err) = Run([.. fe, "-o", Path.Combine(val, "freeenergy-reference.csv")]);
        Assert.True(code == 0, err);
        (code, _, err) = Run([.. fe, "--model", Path.Combine(run, "model.json"), "-o", Path.Combine(val, "freeenergy-model.csv")]);
        Assert.True(code == 0, err);

        // First without the RDFs and the baseline: they must be listed as not run, never silently left out.
        (code, var stdout, err) = Run("report", run);
        Assert.True(code == 0, err);
        Assert.Contains("not run:", stdout);
        Assert.Contains("Figure S1", stdout);
        Assert.Contains("Figure 6", stdout);
        string html = Path.Combine(run, "report", "report.html"), md = Path.Combine(run, "report", "report.md");
        var first = new HtmlParser().ParseDocument(File.ReadAllText(html));
        var missing = first.QuerySelectorAll("p.missing").Select(p => p.TextContent).ToList();
        Assert.Contains(missing, m => m.Contains("Figure S1"));
        Assert.Contains(missing, m => m.Contains("Figures 3 and 4"));
        Assert.Contains(missing, m => m.Contains("Figure 6"));

        // The baseline (tiny settings), then the report with the test set and the RDFs computed on demand.
        (code, stdout, err) = Run("baseline", run, "--testset", set, "--epochs", "5", "--every", "2", "--rdf-size", "8", "--rdf-cycles", "30");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(run, "baseline", "model.json")));
        Assert.Equal(TrainedPool(run), CountFrames(Path.Combine(run, "baseline", "pool.extxyz")));
        File.Move(Path.Combine(run, "baseline", "rdf-n8.csv"), Path.Combine(run, "baseline", "rdf-n50.csv"));
        File.Move(Path.Combine(run, "baseline", "rdf-n8.json"), Path.Combine(run, "baseline", "rdf-n50.json"));
        (code, stdout, err) = Run("report", run, "--testset", set, "--compute", "--rdf-cycles", "40");
        Assert.True(code == 0, err);
        Assert.Contains("every piece present", stdout);
        Assert.True(File.Exists(md));

        var document = new HtmlParser().ParseDocument(File.ReadAllText(html));
        var images = document.QuerySelectorAll("img").ToList();
        // 2a, 2b, 3 a-c, 3 d, 4, 5, 6, S1
        Assert.Equal(8, images.Count);
        foreach (var img in images)
        {
            string src = img.GetAttribute("src")!;
            Assert.StartsWith("data:image/png;base64,", src);
            var bytes = Convert.FromBase64String(src["data:image/png;base64,".Length..]);
            using var bmp = SKBitmap.Decode(bytes);
            Assert.NotNull(bmp);
            Assert.True(bmp.Width > 100 && bmp.Height > 100);
        }
        // Nothing fetched from outside: no external scripts, styles or images.
        Assert.Empty(document.QuerySelectorAll("script[src], link[href]"));
        Assert.Empty(document.QuerySelectorAll("p.missing"));
        // The comparison table holds the paper's numbers next to ours.
        var tables = document.QuerySelectorAll("table").ToList();
        var compare = tables.Last();
        Assert.Contains("2.01", compare.TextContent);
        Assert.Contains("41.45", compare.TextContent);
        Assert.Contains("426", compare.TextContent);
        Assert.DoesNotContain("NaN", document.Body!.TextContent);
        Assert.Contains("Test set: " + Path.GetFullPath(set) + " (30 clusters", document.Body!.TextContent);
        // The Markdown twin links figures that exist.
        foreach (var line in File.ReadAllLines(md).Where(l => l.StartsWith("![")))
        {
            string rel = line[(line.IndexOf("](", StringComparison.Ordinal) + 2)..^1];
            Assert.True(File.Exists(Path.Combine(run, "report", rel)), rel);
        }
    }

    private static int TrainedPool(string run) => AlHpc.ActiveLearning.RunState.Load(Path.Combine(run, "state.json")).PoolSize;

    private static int CountFrames(string xyz) => AlHpc.IO.StructureFile.Read(xyz).Count();

    [Fact]
    public void ReportOfAFolderThatIsNotARunExitsTwo()
    {
        var dir = TestPaths.NewTempDir();
        var (code, _, err) = Run("report", dir);
        Assert.Equal(2, code);
        Assert.Contains("not an active-learning run", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
        (code, _, err) = Run("report", Path.Combine(dir, "nope"));
        Assert.Equal(2, code);
        Assert.Contains("not a directory", err);
        File.WriteAllText(Path.Combine(dir, "state.json"), "{ this is not json");
        (code, _, err) = Run("report", dir);
        Assert.Equal(2, code);
        Assert.Contains("state.json", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "report")));
        (code, _, err) = Run("baseline", dir);
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(Path.Combine(dir, "baseline")));
    }
}
