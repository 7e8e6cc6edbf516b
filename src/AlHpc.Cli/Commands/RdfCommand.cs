using System.CommandLine;
using System.Globalization;
using AlHpc.Potentials;
using AlHpc.Reporting;
using AlHpc.Thermodynamics;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc rdf --size N[,N...] [--temperature K] [--cycles C] [--runs R] [--seed S] [--potential F | --model M]
/// [--compare [--reference F.tersoff]] -o OUT.csv [--figure F.png]: radial distribution functions of clusters
/// (docs/rdf.md).
/// </summary>
public static class RdfCommand
{
    public static Command Create()
    {
        var cmd = new Command("rdf", "Radial distribution function g(r) of one N-molecule cluster (Metropolis with the Stillinger criterion, independent runs): CSV r,g,stderr, JSON of the first maximum, first minimum and second maximum; --compare: against the reference in %; Figure 6 (docs/rdf.md).");
        var size = new Option<string>("--size", "-n") { Description = "Cluster size(s), comma separated (e.g. 10,30,50 for Figure 6)", Required = true };
        var potential = new Option<string?>("--potential", "-p") { Description = "LAMMPS pair_style tersoff file; default: the built-in ML-BOP" };
        var model = new Option<string?>("--model", "-m") { Description = "A trained network model (.json)" };
        var compare = new Option<bool>("--compare") { Description = "Also run the reference (ML-BOP or --reference) and print the feature differences in %" };
        var reference = new Option<string?>("--reference") { Description = "Reference Tersoff file for --compare (default: the built-in ML-BOP)" };
        var temperature = new Option<double>("--temperature", "-T") { Description = "Temperature (K)", DefaultValueFactory = _ => 300.0 };
        var cycles = new Option<int>("--cycles", "-c") { Description = "Metropolis cycles per run (N trial moves each; the first tenth equilibrates)", DefaultValueFactory = _ => 20_000 };
        var runs = new Option<int>("--runs", "-r") { Description = "Independent runs (standard error from their spread; >= 2)", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Random seed", DefaultValueFactory = _ => 1UL };
        var bin = new Option<double>("--bin") { Description = "Bin width (A)", DefaultValueFactory = _ => 0.02 };
        var rmax = new Option<double>("--max-distance") { Description = "Largest distance (A)", DefaultValueFactory = _ => 30.0 };
        var criterion = new Option<double>("--criterion") { Description = "Stillinger criterion distance (A)", DefaultValueFactory = _ => 4.0 };
        var output = new Option<string>("--output", "-o") { Description = "Output CSV (with several sizes, -nN is added before the extension); a JSON of the features is written beside it", Required = true };
        var figure = new Option<string?>("--figure") { Description = "Figure 6 as PNG: one panel per size, with error bands" };
        foreach (var o in new Option[] { size, potential, model, compare, reference, temperature, cycles, runs, seed, bin, rmax, criterion, output, figure })
            cmd.Options.Add(o);
        var threads = ThreadsOption.Add(cmd, "Results do not depend on it.");

        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var ci = CultureInfo.InvariantCulture;
            var sizes = ParseSizes(pr.GetValue(size)!);
            double t = pr.GetValue(temperature);
            if (!(t > 0) || !double.IsFinite(t)) throw new UsageException($"--temperature must be a positive finite number of K (got {t.ToString(ci)})");
            string outPath = pr.GetValue(output)!;
            string? figPath = pr.GetValue(figure);
            if (figPath != null && !figPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new UsageException("--figure must be a .png file");
            bool cmp = pr.GetValue(compare);
            if (pr.GetValue(reference) != null && !cmp) throw new UsageException("--reference needs --compare");
            IPotential pot = PotentialLoader.Load(pr.GetValue(potential), pr.GetValue(model));
            IPotential? refPot = cmp ? PotentialLoader.Load(pr.GetValue(reference)) : null;
            var settingsFor = (int n) => new RdfSettings
            {
                Size = n, TemperatureK = t, Cycles = pr.GetValue(cycles), Runs = pr.GetValue(runs), Seed = pr.GetValue(seed),
                BinWidth = pr.GetValue(bin), MaxDistance = pr.GetValue(rmax), CriterionDistance = pr.GetValue(criterion), Threads = ThreadsOption.MaxDegreeOfParallelism(pr, threads),
            };
            try { foreach (var n in sizes) settingsFor(n).Validate(); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException($"bad option value: {e.Message.Split(" (Parameter")[0]}"); }

            var results = new List<(int N, RdfResult Main, RdfResult? Ref)>();
            long total = sizes.Count * (cmp ? 2L : 1L) * pr.GetValue(runs) * pr.GetValue(cycles);
            using (var progress = new ConsoleProgress("rdf", total, "cycles"))
            {
                long offset = 0;
                foreach (var n in sizes)
                {
                    var s = settingsFor(n);
                    long o1 = offset;
                    var main = RadialDistribution.Compute(pot, s, (d, _) => progress.Report(o1 + d, total));
                    offset += (long)s.Runs * s.Cycles;
                    RdfResult? other = null;
                    if (refPot != null)
                    {
                        long o2 = offset;
                        other = RadialDistribution.Compute(refPot, s, (d, _) => progress.Report(o2 + d, total));
                        offset += (long)s.Runs * s.Cycles;
                    }
                    results.Add((n, main, other));
                }
            }
            // Outputs only after everything ran (each written atomically).
            foreach (var (n, main, other) in results)
            {
                string csv = sizes.Count == 1 ? outPath : WithSuffix(outPath, $"-n{n}");
                RadialDistribution.WriteCsv(csv, main, other);
                string json = Path.ChangeExtension(csv, ".json");
                RadialDistribution.WriteJson(json, RadialDistribution.Summary(main, other));
                Print(n, main, other);
                Console.Error.WriteLine($"  wrote {csv}, {json}");
            }
            if (figPath != null)
            {
                var panels = results.Select(x =>
                {
                    var series = new List<BandSeries> { Band(x.Main) };
                    if (x.Ref != null) series.Add(Band(x.Ref));
                    string? note = x.Ref != null ? string.Create(ci, $"max |feature difference| {RadialDistribution.Differences(x.Main, x.Ref).Max(d => Math.Abs(d.Percent)):F2} %") : null;
                    return (Title: $"{x.N} molecules, {t:G4} K", XLabel: "r (A)", YLabel: "g(r) (A^-3)", Series: (IReadOnlyList<BandSeries>)series, Note: note);
                }).ToList();
                Plots.BandPanels(figPath, panels);
                Console.Error.WriteLine($"  wrote {figPath}");
            }
            return ExitCodes.Success;
        }));
        return cmd;
    }

    internal static BandSeries Band(RdfResult r)
    {
        // Drop the empty tail beyond the cluster.
        int last = r.G.Length - 1;
        while (last > 0 && r.G[last] == 0) last--;
        int len = Math.Min(r.G.Length, last + 2);
        return new BandSeries(r.PotentialName, r.R[..len], r.G[..len], r.StdErr[..len]);
    }

    internal static List<int> ParseSizes(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)) throw new UsageException($"--size: '{part}' is not an integer");
            if (n < 2) throw new UsageException($"--size must be at least 2 molecules for an RDF (got {n})");
            list.Add(n);
        }
        if (list.Count == 0) throw new UsageException("--size: no size given");
        return list;
    }

    internal static string WithSuffix(string path, string suffix)
    {
        string dir = Path.GetDirectoryName(path) ?? "";
        return Path.Combine(dir, Path.GetFileNameWithoutExtension(path) + suffix + Path.GetExtension(path));
    }

    private static void Print(int n, RdfResult m, RdfResult? r)
    {
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"{n} molecules: {m.PotentialName}: {m.Frames:N0} frames in {m.Seconds:F1} s, acceptance {m.AcceptanceRatio:F3}, integral of g {m.Integral():F3} (N - 1 = {n - 1})"));
        void Row(string name, RdfFeature a, RdfFeature? b, string? pct)
        {
            Console.WriteLine(string.Create(ci, $"  {name,-11} r = {a.R:F3} +- {a.RStdErr:F3} A, g = {a.G:F5} +- {a.GStdErr:F5}")
                + (b != null ? string.Create(ci, $" | reference r = {b.R:F3} +- {b.RStdErr:F3}, g = {b.G:F5} +- {b.GStdErr:F5} | {pct}") : ""));
        }
        var diffs = r != null ? RadialDistribution.Differences(m, r).ToDictionary(d => d.Name) : null;
        string? P(string f) => diffs == null ? null : string.Create(ci, $"dr {diffs[f + "_r"].Percent:+0.00;-0.00} +- {diffs[f + "_r"].StdErrPercent:F2} %, dg {diffs[f + "_g"].Percent:+0.00;-0.00} +- {diffs[f + "_g"].StdErrPercent:F2} %");
        Row("first max", m.Features.FirstMax, r?.Features.FirstMax, P("first_max"));
        Row("first min", m.Features.FirstMin, r?.Features.FirstMin, P("first_min"));
        Row("second max", m.Features.SecondMax, r?.Features.SecondMax, P("second_max"));
    }
}
