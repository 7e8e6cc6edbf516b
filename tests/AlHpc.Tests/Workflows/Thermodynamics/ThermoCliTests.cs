using System.Text.Json;
using AlHpc.Cli;
using AlHpc.Thermodynamics;

namespace AlHpc.Tests.Thermodynamics;

/// <summary>`alhpc freeenergy` and `alhpc rdf` end to end (tiny settings) and their bad-input handling.</summary>
[Collection("console")]
public class ThermoCliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    => AlHpc.Tests.Cli.CliHarness.Run(args);

    private static bool IsPng(string path)
    {
        var b = File.ReadAllBytes(path);
        return b.Length > 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G';
    }

    [Fact]
    public void FreeEnergyWritesCsvFigureAndCompares()
    {
        var dir = TestPaths.NewTempDir();
        string csv = Path.Combine(dir, "a.csv"), csv2 = Path.Combine(dir, "b.csv"), png = Path.Combine(dir, "fig5.png");
        string[] common = ["freeenergy", "--max-size", "3", "--window", "3", "--runs", "2", "--steps-per-period", "2000", "--equilibration-periods", "3", "--production-periods", "4"];
        var (code, _, err) = Run([.. common, "--seed", "1", "-o", csv]);
        Assert.True(code == 0, err);
        (code, var stdout, err) = Run([.. common, "--seed", "2", "-o", csv2, "--compare", csv, "--figure", png]);
        Assert.True(code == 0, err);
        Assert.Contains("largest |difference|", stdout);
        Assert.Contains("estimators: transition matrix (TMMC) (reported) against umbrella histograms + WHAM", stdout);
        Assert.True(IsPng(png));
        var lines = File.ReadAllLines(csv);
        Assert.Contains(lines, l => l.StartsWith("# definition:"));
        Assert.Contains("n,beta_dG,stderr,dG_eV,other_beta_dG,other_stderr", lines);
        Assert.Contains(lines, l => l.StartsWith("# estimator: transition matrix (TMMC)"));
        var curve = FreeEnergyCurve.Read(csv2);
        Assert.Equal([1, 2, 3], curve.Sizes);
        Assert.Equal(300, curve.TemperatureK);
        Assert.Equal(0, curve.BetaDeltaG[0]);
        Assert.All(curve.BetaDeltaG.Skip(1), g => Assert.True(g > 0 && double.IsFinite(g))); // ln rho = -18.4: growth is uphill
        // dG_eV = beta_dG kT
        var row = lines.Last().Split(',');
        Assert.Equal(double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture) * Units.BoltzmannEvPerK * 300,
            double.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), 1e-6);
    }

    [Theory]
    [InlineData("--max-size", "0", "--max-size")]
    [InlineData("--temperature", "0", "--temperature")]
    [InlineData("--temperature", "-20", "--temperature")]
    [InlineData("--log-density", "NaN", "--log-density")]
    [InlineData("--log-density", "Infinity", "--log-density")]
    [InlineData("--potential", "/nonexistent/x.tersoff", "x.tersoff")]
    [InlineData("--model", "/nonexistent/m.json", "m.json")]
    [InlineData("--inner-radius", "4.5", "inner")]
    [InlineData("--estimator", "histogram", "histogram")]
    public void FreeEnergyBadInputExitsTwoAndWritesNothing(string option, string value, string mentioned)
    {
        var dir = TestPaths.NewTempDir();
        string csv = Path.Combine(dir, "out.csv");
        var (code, _, err) = Run("freeenergy", option, value, "-o", csv, "--figure", Path.Combine(dir, "f.png"));
        Assert.Equal(2, code);
        Assert.Contains(mentioned, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void FreeEnergyBadCompareFileNamesTheLine()
    {
        var dir = TestPaths.NewTempDir();
        string bad = Path.Combine(dir, "bad.csv");
        File.WriteAllText(bad, "# potential: x\nn,beta_dG,stderr,dG_eV\n1,0,0,0\n2,abc,0.1,0\n");
        var (code, _, err) = Run("freeenergy", "--compare", bad, "-o", Path.Combine(dir, "out.csv"));
        Assert.Equal(2, code);
        Assert.Contains("bad.csv", err);
        Assert.Contains("4", err);
        Assert.False(File.Exists(Path.Combine(dir, "out.csv")));
    }

    [Fact]
    public void RdfWritesCsvJsonFigureAndIntegratesToNMinusOne()
    {
        var dir = TestPaths.NewTempDir();
        string csv = Path.Combine(dir, "rdf.csv"), png = Path.Combine(dir, "fig6.png");
        var (code, stdout, err) = Run("rdf", "--size", "6,8", "--cycles", "300", "--runs", "2", "--compare", "-o", csv, "--figure", png);
        Assert.True(code == 0, err);
        Assert.True(IsPng(png));
        foreach (int n in new[] { 6, 8 })
        {
            string c = Path.Combine(dir, $"rdf-n{n}.csv"), j = Path.Combine(dir, $"rdf-n{n}.json");
            var lines = File.ReadAllLines(c);
            Assert.Contains("r,g,stderr,g_reference,stderr_reference", lines);
            // Sum g * shell volume = N - 1 (ordered pairs per molecule), recomputed from the CSV.
            double w = 0.02, sum = 0;
            foreach (var l in lines.Where(l => !l.StartsWith('#') && char.IsDigit(l[0])))
            {
                var f = l.Split(',');
                double r = double.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture);
                double g = double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
                double a = r - w / 2, b = r + w / 2;
                sum += g * 4.0 / 3.0 * Math.PI * (b * b * b - a * a * a);
            }
            Assert.Equal(n - 1, sum, 1e-3);
            using var doc = JsonDocument.Parse(File.ReadAllText(j));
            var fm = doc.RootElement.GetProperty("model").GetProperty("first_max");
            double r1 = fm.GetProperty("r_A").GetDouble();
            Assert.InRange(r1, 2.5, 3.1); // ML-BOP's nearest-neighbour peak
            Assert.True(doc.RootElement.TryGetProperty("differences_percent", out _));
        }
        Assert.Contains("first max", stdout);
    }

    [Theory]
    [InlineData("--size", "1", "--size")]
    [InlineData("--size", "0", "--size")]
    [InlineData("--temperature", "0", "--temperature")]
    [InlineData("--potential", "/nonexistent/x.tersoff", "x.tersoff")]
    public void RdfBadInputExitsTwoAndWritesNothing(string option, string value, string mentioned)
    {
        var dir = TestPaths.NewTempDir();
        string csv = Path.Combine(dir, "out.csv");
        var args = new List<string> { "rdf", option, value, "-o", csv };
        if (option != "--size") args.AddRange(["--size", "5"]);
        var (code, _, err) = Run([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(mentioned, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void FeaturesOfAnAnalyticCurveAreFound()
    {
        // g = 3 exp(-(r-2.8)^2/0.02) + 1.2 exp(-(r-4.5)^2/0.4): maxima near 2.8 and 4.5, minimum between;
        // the exact extrema by a dense search.
        double G(double r) => 3 * Math.Exp(-(r - 2.8) * (r - 2.8) / 0.02) + 1.2 * Math.Exp(-(r - 4.5) * (r - 4.5) / 0.4);
        double w = 0.02;
        var r = Enumerable.Range(0, 500).Select(i => (i + 0.5) * w).ToArray();
        var g = r.Select(G).ToArray();
        var f = RadialDistribution.Locate(r, g, w);
        (double R, double V) Extremum(double a, double b, bool max)
        {
            double best = a, bv = G(a);
            for (double x = a; x <= b; x += 1e-5) { double v = G(x); if (max ? v > bv : v < bv) { bv = v; best = x; } }
            return (best, bv);
        }
        var m1 = Extremum(2.5, 3.1, true);
        var mn = Extremum(3.0, 4.2, false);
        var m2 = Extremum(4.0, 5.0, true);
        Assert.Equal(m1.R, f[0].R, 0.01);
        Assert.Equal(m1.V, f[0].G, 0.01 * m1.V); // 1 %
        Assert.Equal(mn.R, f[1].R, 0.03);
        Assert.Equal(m2.R, f[2].R, 0.03);
        Assert.Equal(m2.V, f[2].G, 0.01 * m2.V);
    }
}
