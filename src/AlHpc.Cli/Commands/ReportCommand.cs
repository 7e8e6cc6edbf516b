using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AlHpc.ActiveLearning;
using AlHpc.Evaluation;
using AlHpc.IO;
using AlHpc.Potentials;
using AlHpc.Reporting;
using AlHpc.TestSets;
using AlHpc.Thermodynamics;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc report RUNDIR [--testset SET] [--compute] [--out DIR]: one self-contained HTML report and a
/// Markdown twin of an active-learning run: settings and cost, Figures 2a, 2b, 3, 4, 5, 6 and S1, and our
/// numbers beside the paper's (docs/report.md).
/// </summary>
public static class ReportCommand
{
    /// <summary>Where the validation pieces of a run live (RUNDIR/validation/...).</summary>
    public const string ValidationDir = "validation";
    public const string EvaluationDir = "evaluation";
    public const string FreeEnergyReferenceCsv = "freeenergy-reference.csv";
    public const string FreeEnergyModelCsv = "freeenergy-model.csv";
    public const string RdfCsv = "rdf.csv";
    public const string BaselineDir = "baseline";
    public static readonly int[] RdfSizes = [10, 30, 50];

    public static Command Create()
    {
        var cmd = new Command("report", "One self-contained HTML report (figures embedded) and a Markdown twin of an active-learning run: settings and cost, Figures 2a, 2b, 3, 4, 5, 6, S1 and a table of our numbers beside the paper's; missing pieces are computed (--testset, --compute) or listed as not run.");
        var runDir = new Argument<string>("RUNDIR") { Description = "The active-learning run folder (alhpc learn --out)" };
        var testset = new Option<string?>("--testset", "-t") { Description = "Labelled test set (.h5/.xyz): evaluate the run's final model on it (Figures 3 and 4) when the run has no evaluation yet" };
        var compute = new Option<bool>("--compute") { Description = "Compute the missing RDFs (Figure 6) and free energies (Figure 5) now (minutes to tens of minutes)" };
        var feMax = new Option<int>("--fe-max-size") { Description = "Largest size of free energies computed by --compute", DefaultValueFactory = _ => 50 };
        var rdfCycles = new Option<int>("--rdf-cycles") { Description = "Cycles per run of RDFs computed by --compute", DefaultValueFactory = _ => 20_000 };
        var outDir = new Option<string?>("--out", "-o") { Description = "Folder for report.html, report.md and figures/ (default RUNDIR/report)" };
        cmd.Arguments.Add(runDir);
        foreach (var o in new Option[] { testset, compute, feMax, rdfCycles, outDir }) cmd.Options.Add(o);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var sw = Stopwatch.StartNew();
            string run = pr.GetValue(runDir)!;
            var (state, modelPath) = LoadRun(run);
            string? setPath = pr.GetValue(testset);
            if (setPath != null && !File.Exists(setPath)) throw new FileNotFoundException($"test set not found: {setPath}", setPath);
            int feN = pr.GetValue(feMax);
            if (feN < 2) throw new UsageException($"--fe-max-size must be at least 2 (got {feN})");
            string dir = pr.GetValue(outDir) ?? Path.Combine(run, "report");
            var doc = Build(run, state, modelPath, setPath, pr.GetValue(compute), feN, pr.GetValue(rdfCycles));
            string html = Path.Combine(dir, "report.html"), md = Path.Combine(dir, "report.md");
            doc.Write(html, md);
            Console.WriteLine($"report: {html} and {md} in {sw.Elapsed.TotalSeconds:F1} s" + (doc.NotRun.Count > 0 ? $"; not run: {string.Join(", ", doc.NotRun)}" : "; every piece present"));
            return ExitCodes.Success;
        }));
        return cmd;
    }

    /// <summary>The run's state and final (or latest) model; bad input when RUNDIR is not a run.</summary>
    internal static (RunState State, string? Model) LoadRun(string run)
    {
        if (!Directory.Exists(run)) throw new UsageException($"{run}: not a directory (give an active-learning run folder)");
        string statePath = Path.Combine(run, ActiveLearningRun.StateFile);
        if (!File.Exists(statePath)) throw new InputFormatException(statePath, 0, $"{run} is not an active-learning run (no {ActiveLearningRun.StateFile})");
        RunState state;
        try { state = RunState.Load(statePath); }
        catch (JsonException e) { throw new InputFormatException(statePath, (int)(e.LineNumber ?? 0) + 1, $"not a run state: {e.Message.Split('.')[0]}"); }
        string final = Path.Combine(run, ActiveLearningRun.FinalModelFile);
        string? model = File.Exists(final) ? final
            : state.LatestModel is { } lm && File.Exists(Path.Combine(run, lm)) ? Path.Combine(run, lm) : null;
        return (state, model);
    }

    private static string F(double v, string fmt = "F2") => double.IsFinite(v) ? v.ToString(fmt, CultureInfo.InvariantCulture) : "n/a";

    internal static ReportDocument Build(string run, RunState state, string? modelPath, string? setPath, bool compute, int feMax, int rdfCycles)
    {
        var ci = CultureInfo.InvariantCulture;
        var doc = new ReportDocument($"AlHpc validation report: {Path.GetFileName(Path.GetFullPath(run).TrimEnd('/'))}");
        string val = Path.Combine(run, ValidationDir);
        doc.AddParagraph($"Run folder {Path.GetFullPath(run)}; generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by alhpc report. Reference: built-in ML-BOP. Paper: Loeffler et al., J. Phys. Chem. C 2020 (arXiv 1909.11654).");

        // ---- settings and cost
        doc.AddHeading("Run settings and cost");
        var log = state.Log;
        doc.AddTable(["quantity", "value"],
        [
            ["iterations", state.Iteration.ToString(ci)],
            ["finished", state.Finished ? $"yes ({state.StopReason})" : "no (still running or stopped early)"],
            ["pool (training structures)", state.PoolSize.ToString(ci)],
            ["oracle (reference) calls", state.OracleCalls.ToString(ci)],
            ["seed", state.Seed.ToString(ci)],
            ["wall time", $"{state.ElapsedSeconds / 60:F1} min"],
            ["time training", $"{log.Sum(r => r.TrainSeconds) / 60:F1} min"],
            ["time sampling", $"{log.Sum(r => r.SampleSeconds) / 60:F1} min"],
            ["time labelling (oracle)", $"{log.Sum(r => r.OracleSeconds) / 60:F1} min"],
            ["time monitoring", $"{log.Sum(r => r.MonitorSeconds) / 60:F1} min"],
            ["model", modelPath != null ? Path.GetRelativePath(run, modelPath) : "none yet"],
        ]);
        string cfg = Path.Combine(run, "config.json");
        if (File.Exists(cfg)) doc.AddParagraph("Configuration: " + Path.GetFullPath(cfg) + " (the run's complete settings, JSON).");

        // ---- Figure 2
        doc.AddHeading("Figure 2: learning progress and parity");
        AddFigureOrMissing(doc, Path.Combine(run, ActiveLearningRun.ProgressPlot), "Figure 2a: test MAE and pool size against active-learning iteration", "fig2a_progress.png", "Figure 2a", "written by alhpc learn after every iteration");
        AddFigureOrMissing(doc, Path.Combine(run, ActiveLearningRun.ParityPlot), "Figure 2b: parity of the final network on its pool", "fig2b_parity.png", "Figure 2b", "written by alhpc learn when the run finishes");

        // ---- Figures 3 and 4: evaluation
        doc.AddHeading("Figures 3 and 4: test-set errors");
        string evalDir = Path.Combine(val, EvaluationDir);
        string metricsPath = Path.Combine(evalDir, TestSetEvaluator.MetricsJson);
        if (!File.Exists(metricsPath) && setPath != null && modelPath != null)
        {
            Console.Error.WriteLine($"report: evaluating {modelPath} on {setPath}");
            var set = TestSetIO.Load(setPath, out _);
            TestSetEvaluator.Evaluate(new NnPotential(Network.ModelFile.Load(modelPath)), set, new EvaluationOptions { Figures = new Reporting.EvaluationFigures(), OutDir = evalDir, Context = new Dictionary<string, string> { ["testset"] = Path.GetFullPath(setPath) } });
        }
        var ours = File.Exists(metricsPath) ? ReadMetrics(metricsPath) : null;
        if (ours != null)
        {
            doc.AddParagraph(string.Create(CultureInfo.InvariantCulture, $"Test set: {ours.TestSet ?? "unknown"} ({ours.Clusters} clusters; the paper's has about 100,000 of 1-200 molecules)."));
            AddFigureOrMissing(doc, Path.Combine(evalDir, EvaluationFigures.EnergyParityFile), "Figure 3 a-c: energy parity by size range", "fig3_energy_parity.png", "Figure 3 a-c", "");
            AddFigureOrMissing(doc, Path.Combine(evalDir, EvaluationFigures.MaeBySizeFile), "Figure 3 d: energy MAE against cluster size", "fig3d_mae_vs_size.png", "Figure 3 d", "");
            AddFigureOrMissing(doc, Path.Combine(evalDir, EvaluationFigures.ForceParityFile), "Figure 4: force parity by size range", "fig4_force_parity.png", "Figure 4", "");
        }
        else doc.AddMissing("Figures 3 and 4 (test-set evaluation)", $"Run: alhpc report {run} --testset SET.h5 (make a set with alhpc testset --count 100000 --sizes 1-200 -o SET.h5), or alhpc evaluate --model {run}/model.json --testset SET.h5 --out {evalDir}.");

        // ---- Figure 5: free energy
        doc.AddHeading("Figure 5: free energy of cluster formation");
        string feRef = Path.Combine(val, FreeEnergyReferenceCsv), feModel = Path.Combine(val, FreeEnergyModelCsv);
        if (compute && modelPath != null)
        {
            foreach (var (path, pot) in new[] { (feRef, (IPotential)TersoffPotential.MlBop), (feModel, new NnPotential(Network.ModelFile.Load(modelPath))) })
            {
                if (File.Exists(path)) continue;
                Console.Error.WriteLine($"report: free energy n = 1..{feMax} with {pot.Name}");
                FreeEnergy.Compute(pot, new AvbmcSettings(), new FreeEnergyOptions { MaxSize = feMax }).WriteCsv(path);
            }
        }
        double feDiff = double.NaN;
        if (File.Exists(feRef) && File.Exists(feModel))
        {
            var a = FreeEnergyCurve.Read(feModel);
            var b = FreeEnergyCurve.Read(feRef);
            var (d, at, se, _) = a.Compare(b);
            feDiff = d;
            string png = Path.Combine(Path.GetTempPath(), $"alhpc-fig5-{Guid.NewGuid():N}.png");
            Plots.Bands(png, $"Free energy of cluster formation, {b.TemperatureK:G4} K", "cluster size n (molecules)", "beta dG(n) (kT)",
                [new BandSeries("reference: " + b.Name, b.Sizes.Select(v => (double)v).ToArray(), b.BetaDeltaG, b.StdErr),
                 new BandSeries("network: " + a.Name, a.Sizes.Select(v => (double)v).ToArray(), a.BetaDeltaG, a.StdErr)], note: "bands: +- 1 standard error");
            doc.AddFigure(string.Create(ci, $"Figure 5: beta dG(n) of the network against the reference; largest difference {d:F2} kT at n = {at} (combined standard error {se:F2} kT)"), png, "fig5_free_energy.png");
            File.Delete(png);
        }
        else doc.AddMissing("Figure 5 (free energy against cluster size)", $"Run: alhpc freeenergy -o {feRef} and alhpc freeenergy --model {run}/model.json -o {feModel} (or alhpc report {run} --compute).");

        // ---- Figure 6: RDF
        doc.AddHeading("Figure 6: radial distribution functions");
        string rdfBase = Path.Combine(val, RdfCsv);
        string RdfCsvOf(int n) => Path.Combine(val, $"rdf-n{n}.csv");
        var missingSizes = RdfSizes.Where(n => !File.Exists(RdfCsvOf(n)) || !File.Exists(Path.ChangeExtension(RdfCsvOf(n), ".json"))).ToList();
        if (compute && modelPath != null && missingSizes.Count > 0)
        {
            var nn = new NnPotential(Network.ModelFile.Load(modelPath));
            foreach (var n in missingSizes)
            {
                Console.Error.WriteLine($"report: RDF of {n} molecules");
                var s = new RdfSettings { Size = n, Cycles = rdfCycles };
                var m = RadialDistribution.Compute(nn, s);
                var r = RadialDistribution.Compute(TersoffPotential.MlBop, s);
                RadialDistribution.WriteCsv(RdfCsvOf(n), m, r);
                RadialDistribution.WriteJson(Path.ChangeExtension(RdfCsvOf(n), ".json"), RadialDistribution.Summary(m, r));
            }
            missingSizes.Clear();
        }
        double rdfMaxPct = double.NaN;
        var rdfRows = new List<string[]>();
        var panels = new List<(string, string, string, IReadOnlyList<BandSeries>, string?)>();
        foreach (var n in RdfSizes.Except(missingSizes))
        {
            var (series, diffs) = ReadRdf(RdfCsvOf(n), Path.ChangeExtension(RdfCsvOf(n), ".json"));
            panels.Add(($"{n} molecules", "r (A)", "g(r) (A^-3)", series, null));
            foreach (var (name, pct, se) in diffs)
            {
                rdfRows.Add([n.ToString(ci), name, string.Create(ci, $"{pct:+0.00;-0.00} %"), string.Create(ci, $"{se:F2} %")]);
                if (!name.StartsWith("first_min_g", StringComparison.Ordinal)) rdfMaxPct = double.IsNaN(rdfMaxPct) ? Math.Abs(pct) : Math.Max(rdfMaxPct, Math.Abs(pct));
            }
        }
        if (panels.Count > 0)
        {
            string png = Path.Combine(Path.GetTempPath(), $"alhpc-fig6-{Guid.NewGuid():N}.png");
            Plots.BandPanels(png, panels);
            doc.AddFigure("Figure 6: g(r) of the network and the reference (bands: +- 1 standard error between runs)", png, "fig6_rdf.png");
            File.Delete(png);
            doc.AddTable(["molecules", "feature", "network - reference", "standard error"], rdfRows);
        }
        if (missingSizes.Count > 0)
            doc.AddMissing($"Figure 6 for {string.Join(", ", missingSizes)} molecules", $"Run: alhpc rdf --size {string.Join(',', missingSizes)} --model {run}/model.json --compare -o {rdfBase} (or alhpc report {run} --compute).");

        // ---- Figure S1: baseline
        doc.AddHeading("Figure S1: the random-pool baseline");
        string bl = Path.Combine(run, BaselineDir);
        string blMetrics = Path.Combine(bl, EvaluationDir, TestSetEvaluator.MetricsJson);
        string blRdf = Path.Combine(bl, "rdf-n50.csv");
        var baseline = File.Exists(blMetrics) ? ReadMetrics(blMetrics) : null;
        if (File.Exists(blRdf) && File.Exists(Path.ChangeExtension(blRdf, ".json")))
        {
            var (series, diffs) = ReadRdf(blRdf, Path.ChangeExtension(blRdf, ".json"));
            string png = Path.Combine(Path.GetTempPath(), $"alhpc-figS1-{Guid.NewGuid():N}.png");
            Plots.Bands(png, "50 molecules: baseline network (reference-sampled pool) vs reference", "r (A)", "g(r) (A^-3)", series);
            doc.AddFigure("Figure S1: g(r) of 50 molecules, baseline network against the reference", png, "figS1_baseline_rdf.png");
            File.Delete(png);
            doc.AddTable(["feature", "baseline - reference", "standard error"], diffs.Select(d => new[] { d.Name, string.Create(ci, $"{d.Percent:+0.00;-0.00} %"), string.Create(ci, $"{d.StdErr:F2} %") }));
        }
        else doc.AddMissing("Figure S1 (baseline RDF)", $"Run: alhpc baseline {run} --testset SET.h5.");
        if (baseline != null)
            doc.AddParagraph(string.Create(ci, $"Baseline on the test set: energy MAE {F(baseline.Overall.E)} meV/molecule overall, {F(baseline.Ranges.ElementAtOrDefault(0).E)} / {F(baseline.Ranges.ElementAtOrDefault(1).E)} / {F(baseline.Ranges.ElementAtOrDefault(2).E)} for 1-20 / 21-50 / 51+."));

        // ---- the table
        doc.AddHeading("Our numbers beside the paper's");
        string R3(Metrics? m, Func<(double E, double F), double> pick) => m == null ? "not run" : string.Join(" / ", m.Ranges.Take(3).Select(r => F(pick(r))));
        doc.AddTable(["quantity", "paper", "this run", "baseline (reference-sampled pool)"],
        [
            ["energy MAE, all sizes (meV/molecule)", "2.01", ours != null ? F(ours.Overall.E) : "not run", baseline != null ? F(baseline.Overall.E) : "not run"],
            ["energy MAE, 1-20 / 21-50 / 51+ (meV/molecule)", "2.58 / 2.18 / 1.15", R3(ours, r => r.E), R3(baseline, r => r.E)],
            ["force MAE, all sizes (meV/A)", "41.45", ours != null ? F(ours.Overall.F) : "not run", baseline != null ? F(baseline.Overall.F) : "not run"],
            ["force MAE, 1-20 / 21-50 / 51+ (meV/A)", "27.48 / 40.14 / 42.30", R3(ours, r => r.F), R3(baseline, r => r.F)],
            ["training structures", "426", state.PoolSize.ToString(ci), baseline != null || File.Exists(blRdf) ? state.PoolSize.ToString(ci) : "not run"],
            ["RDF (10/30/50) peak and trough positions, peak heights: largest |difference|", "within 1 %", double.IsFinite(rdfMaxPct) ? string.Create(ci, $"{rdfMaxPct:F2} %") : "not run", "see Figure S1"],
            ["free energy beta dG(n): largest |difference| network - reference", "curves overlap (Figure 5)", double.IsFinite(feDiff) ? string.Create(ci, $"{feDiff:F2} kT") : "not run", "-"],
        ]);
        doc.AddParagraph("The first minimum's height is tiny (g of order 1e-3 per A^3), so its relative difference is noise-dominated; it is listed in the Figure 6 table but not in the 1 % row.");
        return doc;
    }

    private static void AddFigureOrMissing(ReportDocument doc, string path, string caption, string file, string what, string how)
    {
        if (File.Exists(path)) doc.AddFigure(caption, path, file);
        else doc.AddMissing(what, how.Length > 0 ? how : $"{path} is missing");
    }

    internal sealed record Metrics((double E, double F) Overall, List<(double E, double F)> Ranges, int Clusters, string? TestSet);

    private static Metrics ReadMetrics(string path)
    {
        try
        {
            using var j = JsonDocument.Parse(File.ReadAllText(path));
            static double N(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
            var o = j.RootElement.GetProperty("overall");
            var ranges = j.RootElement.GetProperty("ranges").EnumerateArray().Select(r => (N(r, "energy_mae"), N(r, "force_mae"))).ToList();
            int clusters = o.TryGetProperty("clusters", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;
            string? set = j.RootElement.TryGetProperty("context", out var ctx) && ctx.TryGetProperty("testset", out var t) ? t.GetString() : null;
            return new Metrics((N(o, "energy_mae"), N(o, "force_mae")), ranges, clusters, set);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InputFormatException(path, 0, $"not an alhpc evaluate metrics.json: {e.Message}");
        }
    }

    /// <summary>Band series (network and reference) from an rdf CSV with reference columns, and the % differences from its JSON.</summary>
    private static (List<BandSeries> Series, List<(string Name, double Percent, double StdErr)> Diffs) ReadRdf(string csv, string json)
    {
        var ci = CultureInfo.InvariantCulture;
        var r = new List<double>(); var g = new List<double>(); var s = new List<double>(); var g2 = new List<double>(); var s2 = new List<double>();
        string name = "network", refName = "reference";
        int lineNo = 0;
        foreach (var line in File.ReadLines(csv))
        {
            lineNo++;
            if (line.StartsWith("# potential:", StringComparison.Ordinal))
            {
                var parts = line["# potential:".Length..].Split("; reference:");
                name = parts[0].Trim();
                if (parts.Length > 1) refName = parts[1].Trim();
                continue;
            }
            if (line.StartsWith('#') || line.StartsWith("r,", StringComparison.Ordinal) || line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length < 5) throw new InputFormatException(csv, lineNo, "expected r,g,stderr,g_reference,stderr_reference (alhpc rdf --compare)");
            try
            {
                r.Add(double.Parse(f[0], ci)); g.Add(double.Parse(f[1], ci)); s.Add(double.Parse(f[2], ci));
                g2.Add(double.Parse(f[3], ci)); s2.Add(double.Parse(f[4], ci));
            }
            catch (FormatException) { throw new InputFormatException(csv, lineNo, "not a number"); }
        }
        int last = g.Count - 1;
        while (last > 0 && g[last] == 0 && g2[last] == 0) last--;
        int len = Math.Min(g.Count, last + 2);
        var series = new List<BandSeries>
        {
            new(name, r.Take(len).ToArray(), g.Take(len).ToArray(), s.Take(len).ToArray()),
            new("reference: " + refName, r.Take(len).ToArray(), g2.Take(len).ToArray(), s2.Take(len).ToArray()),
        };
        var diffs = new List<(string, double, double)>();
        using var j = JsonDocument.Parse(File.ReadAllText(json));
        if (j.RootElement.TryGetProperty("differences_percent", out var d))
            foreach (var p in d.EnumerateObject())
                diffs.Add((p.Name, p.Value.GetProperty("percent").GetDouble(), p.Value.GetProperty("stderr_percent").GetDouble()));
        return (series, diffs);
    }
}
