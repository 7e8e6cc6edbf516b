using AlHpc.Compute;
using System.CommandLine;
using AlHpc.OpenCL;
using System.Diagnostics;
using AlHpc.Evaluation;
using AlHpc.Potentials;
using AlHpc.TestSets;

namespace AlHpc.Cli.Commands;

/// <summary>
/// `alhpc evaluate (--model MODEL | --potential FILE.tersoff | --reference) --testset FILE [--out DIR]`:
/// energy and force errors of a model on a labelled test set, overall and by size range, as a table,
/// CSV/JSON and the paper's figures.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A network model file (alhpc train / learn output, .json) to evaluate." };
        var potential = new Option<string?>("--potential") { Description = "A Tersoff parameter file (LAMMPS pair_style tersoff format) to evaluate." };
        var reference = new Option<bool>("--reference") { Description = "Evaluate the built-in ML-BOP reference itself (a sanity check: scores zero on ML-BOP-labelled sets)." };
        var testset = new Option<string>("--testset", "-t") { Description = "Labelled test set: .h5/.hdf5 (alhpc testset) or .xyz/.extxyz with energies (and forces).", Required = true };
        var outDir = new Option<string?>("--out", "-o") { Description = "Folder for metrics.csv, by-size.csv, metrics.json and the PNG figures (default: none written)." };
        var ranges = new Option<string>("--ranges") { Description = "Comma-separated size ranges reported (molecules).", DefaultValueFactory = _ => "1-20,21-50,51+" };
        var noFigures = new Option<bool>("--no-figures") { Description = "Skip the PNG figures." };
        var noForces = new Option<bool>("--no-forces") { Description = "Energies only (skip force prediction and force metrics)." };
        var maxPoints = new Option<int>("--max-plot-points") { Description = "Points per parity panel beyond which a random subsample is drawn.", DefaultValueFactory = _ => Reporting.Plots.DefaultMaxPoints };

        var cmd = new Command("evaluate", "Score a potential on a labelled test set: energy MAE/RMSE (meV/molecule) and force MAE/RMSE (meV/A), overall, by size range and by size; figures as in the paper.");
        foreach (var o in new Option[] { model, potential, reference, testset, outDir, ranges, noFigures, noForces, maxPoints }) cmd.Options.Add(o);
        var threads = ThreadsOption.Add(cmd);
        var device = DeviceOption.Add(cmd);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string? modelPath = pr.GetValue(model);
            string? potPath = pr.GetValue(potential);
            bool useRef = pr.GetValue(reference);
            if ((modelPath != null ? 1 : 0) + (potPath != null ? 1 : 0) + (useRef ? 1 : 0) != 1)
                throw new UsageException("give exactly one of --model MODEL, --potential FILE.tersoff or --reference");
            var rangeList = ParseRanges(pr.GetValue(ranges)!);
            int mp = pr.GetValue(maxPoints);
            if (mp < 100) throw new UsageException("--max-plot-points must be at least 100");

            IPotential pot = useRef ? TersoffPotential.MlBop : PotentialLoader.Load(potPath, modelPath);
            int nThreads = ThreadsOption.MaxDegreeOfParallelism(pr, threads);
            using var dev = DeviceOption.Resolve(pr, device, nThreads);
            using var evaluator = dev.Backend.CreateEvaluator(pot, nThreads);
            string setPath = pr.GetValue(testset)!;
            var sw = Stopwatch.StartNew();
            InputKinds.Require(setPath, InputKinds.Expect.TestSet, "--testset");
            var set = TestSetIO.Load(setPath, out var meta);
            double loadSeconds = sw.Elapsed.TotalSeconds;
            for (int c = 0; c < set.ClusterCount; c++)
                if (double.IsNaN(set.Energies[c]))
                    throw new IO.InputFormatException(setPath, 0, $"cluster {c} (size {set.SizeOf(c)}) has no reference energy: a test set must be labelled");
            Console.Error.WriteLine($"alhpc evaluate: {set.ClusterCount:N0} clusters, {set.AtomCount:N0} molecules loaded from {setPath} in {loadSeconds:0.00} s{(set.Forces == null ? " (no reference forces: energies only)" : "")}");

            string? dir = pr.GetValue(outDir);
            EvaluationResult result;
            using (var progress = new ConsoleProgress("evaluate", set.ClusterCount, "clusters"))
            {
                result = TestSetEvaluator.Evaluate(pot, set, new EvaluationOptions
                {
                    OutDir = dir,
                    Figures = pr.GetValue(noFigures) ? null : new Reporting.EvaluationFigures(mp),
                    Forces = !pr.GetValue(noForces),
                    Ranges = rangeList,
                    MaxThreads = ThreadsOption.MaxDegreeOfParallelism(pr, threads),
                    Evaluator = dev.IsOpenCl ? evaluator : null,
                    Progress = progress.Report,
                    ReferenceName = string.IsNullOrEmpty(meta.Reference) ? "reference" : ShortName(meta.Reference),
                    Context = new Dictionary<string, string>
                    {
                        ["testset"] = Path.GetFullPath(setPath),
                        ["testset_recipe"] = meta.Recipe,
                        ["model_source"] = useRef ? "built-in ML-BOP" : Path.GetFullPath(modelPath ?? potPath!),
                        ["device"] = evaluator.DeviceDescription,
                        ["load_seconds"] = loadSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
                    },
                });
            }
            Console.Write(MetricsReport.FormatTable(result.Metrics, $"{pot.Name} on {Path.GetFileName(setPath)} ({set.ClusterCount:N0} clusters)"));
            double rate = set.ClusterCount / Math.Max(result.PredictSeconds, 1e-9);
            Console.Error.WriteLine($"alhpc evaluate: prediction {result.PredictSeconds:0.00} s ({rate:N0} clusters/s), total {result.TotalSeconds + loadSeconds:0.00} s");
            foreach (var f in result.FilesWritten) Console.Error.WriteLine($"  wrote {f}");
            return ExitCodes.Success;
        }));
        return cmd;
    }

    internal static IReadOnlyList<SizeRange> ParseRanges(string text)
    {
        var list = new List<SizeRange>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try { list.Add(SizeRange.Parse(part)); }
            catch (FormatException e) { throw new UsageException($"--ranges: {e.Message}"); }
        }
        if (list.Count == 0) throw new UsageException("--ranges: no range given");
        return list;
    }

    private static string ShortName(string name)
    {
        int p = name.IndexOf(" (", StringComparison.Ordinal);
        return p > 0 ? name[..p] : name;
    }
}
