using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AlHpc.ActiveLearning;
using AlHpc.Descriptors;
using AlHpc.Evaluation;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.TestSets;
using AlHpc.Thermodynamics;
using AlHpc.Training;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc baseline RUNDIR [--testset SET]: the paper's Figure S1 baseline. The same network and training
/// as the run, on as many structures as the run's pool holds, sampled with the reference itself
/// (Metropolis at the run's temperature and nested sampling, from the run's 25-molecule seed); scored on
/// the test set and the 50-molecule RDF against the reference. Writes RUNDIR/baseline/ (docs/report.md).
/// </summary>
public static class BaselineCommand
{
    public static Command Create()
    {
        var cmd = new Command("baseline", "Figure S1: train the run's network on as many reference-sampled structures (Metropolis + nested, 25 molecules) as the run's pool holds; score it on the test set and the 50-molecule RDF. Writes RUNDIR/baseline/.");
        var runDir = new Argument<string>("RUNDIR") { Description = "The active-learning run folder" };
        var testset = new Option<string?>("--testset", "-t") { Description = "Labelled test set to score the baseline on (Figures 3/4 numbers)" };
        var rdfCycles = new Option<int>("--rdf-cycles") { Description = "Metropolis cycles per run of the 50-molecule RDF", DefaultValueFactory = _ => 20_000 };
        var rdfSize = new Option<int>("--rdf-size") { Description = "Cluster size of the RDF", DefaultValueFactory = _ => 50 };
        var every = new Option<int>("--every") { Description = "Cycles between sampled structures", DefaultValueFactory = _ => 20 };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs (default: the run's setting)" };
        var seed = new Option<int>("--seed", "-s") { Description = "Seed of the sampling and training", DefaultValueFactory = _ => 1 };
        cmd.Arguments.Add(runDir);
        foreach (var o in new Option[] { testset, rdfCycles, rdfSize, every, epochs, seed }) cmd.Options.Add(o);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var ci = CultureInfo.InvariantCulture;
            var sw = Stopwatch.StartNew();
            string run = pr.GetValue(runDir)!;
            var (state, _) = ReportCommand.LoadRun(run);
            string cfgPath = Path.Combine(run, ActiveLearningRun.ConfigFile);
            var config = File.Exists(cfgPath) ? ActiveLearningConfig.Load(cfgPath) : new ActiveLearningConfig();
            string? setPath = pr.GetValue(testset);
            if (setPath != null && !File.Exists(setPath)) throw new FileNotFoundException($"test set not found: {setPath}", setPath);
            int k = pr.GetValue(every), cycles = pr.GetValue(rdfCycles), rdfN = pr.GetValue(rdfSize);
            if (k < 1) throw new UsageException("--every must be at least 1");
            if (rdfN < 2) throw new UsageException($"--rdf-size must be at least 2 (got {rdfN})");
            if (cycles < 10) throw new UsageException("--rdf-cycles must be at least 10");
            int count = state.PoolSize;
            if (count < 2) throw new InputFormatException(Path.Combine(run, ActiveLearningRun.StateFile), 0, $"the run's pool holds {count} structure(s): nothing to match");
            int s = pr.GetValue(seed);
            string outDir = Path.Combine(run, ReportCommand.BaselineDir);

            // 1. Reference-sampled structures: half Metropolis, half nested sampling, from the 25-molecule seed.
            var seedCluster = DefaultComponents.LoadSeedPool(config, run)[0];
            var reference = TersoffPotential.MlBop;
            int nMet = count / 2, nNest = count - nMet;
            var frames = new List<Cluster>(count);
            double crit = config.Sampling.ClusterCriterion;
            var met = new MetropolisSampler(new MetropolisSettings
            {
                TemperatureK = config.Sampling.Metropolis.TemperatureK, Cycles = k * nMet + k * nMet / 10, EquilibrationCycles = k * nMet / 10,
                TrajectoryEvery = k, Seed = (ulong)s, CriterionDistance = crit,
            });
            var mr = met.Run(reference.CreateMcBackend(), seedCluster.Positions, f => { if (frames.Count < nMet) frames.Add(f); });
            var nest = new NestedSampler(new NestedSettings { Cycles = k * nNest, TrajectoryEvery = k, Seed = (ulong)s + 1, CriterionDistance = crit });
            int before = frames.Count;
            var nr = nest.Run(reference.CreateMcBackend(), seedCluster.Positions, f => { if (frames.Count - before < nNest) frames.Add(f); });
            if (mr.Status != McStatus.Completed || nr.Status != McStatus.Completed) throw new InvalidOperationException($"reference sampling failed: {mr.Message ?? nr.Message}");
            if (frames.Count != count) throw new InvalidOperationException($"sampled {frames.Count} structures, wanted {count}");
            Console.Error.WriteLine(string.Create(ci, $"baseline: {count} reference-sampled structures of {seedCluster.Count} molecules ({nMet} Metropolis at {config.Sampling.Metropolis.TemperatureK} K, {nNest} nested) in {sw.Elapsed.TotalSeconds:F1} s"));

            // 2. The same network and training settings as the run; the best epoch by the plain held-out MAE.
            var options = config.Training with { Epochs = pr.GetValue(epochs) ?? config.Training.Epochs, Seed = s, SelectionErrorCapMeV = 0 };
            try { options.Validate(); }
            catch (TrainingSettingsException e) { throw OptionNames.Translate(e, new Dictionary<string, Option> { [nameof(options.Epochs)] = epochs, [nameof(options.Seed)] = seed }); }
            var trainingSet = TrainingSet.FromClusters(ClusterBatch.FromClusters(frames), options.ResolveSetup(baseDirectory: run));
            TrainingResult result;
            using (var progress = new ConsoleProgress("baseline train", options.Epochs, "epochs"))
                result = LmTrainer.Train(trainingSet, options, null, r => progress.Report(r.Epoch, options.Epochs));
            var baselineModel = result.Model.WithProvenance("baseline_of", Path.GetFullPath(run));
            Directory.CreateDirectory(outDir);
            ExtXyz.Write(Path.Combine(outDir, "pool.extxyz"), frames);
            string modelPath = Path.Combine(outDir, "model.json");
            ModelFile.Save(modelPath, baselineModel);
            Console.WriteLine(string.Create(ci, $"baseline: trained on {count} structures, held-out energy MAE {result.BestHoldoutMae:F3} meV/molecule -> {modelPath}"));
            var nn = new NnPotential(baselineModel);

            // 3. Scores: test set and the 50-molecule RDF against the reference.
            if (setPath != null)
            {
                var set = TestSetIO.Load(setPath, out _);
                var ev = TestSetEvaluator.Evaluate(nn, set, new EvaluationOptions { Figures = new Reporting.EvaluationFigures(), OutDir = Path.Combine(outDir, ReportCommand.EvaluationDir), Context = new Dictionary<string, string> { ["testset"] = Path.GetFullPath(setPath) } });
                Console.Write(MetricsReport.FormatTable(ev.Metrics, $"baseline on {Path.GetFileName(setPath)}"));
            }
            var rs = new RdfSettings { Size = rdfN, Cycles = cycles, Seed = (ulong)s };
            var m = RadialDistribution.Compute(nn, rs);
            var rr = RadialDistribution.Compute(reference, rs);
            string csv = Path.Combine(outDir, $"rdf-n{rdfN}.csv");
            RadialDistribution.WriteCsv(csv, m, rr);
            RadialDistribution.WriteJson(Path.ChangeExtension(csv, ".json"), RadialDistribution.Summary(m, rr));
            foreach (var (name, pct, se) in RadialDistribution.Differences(m, rr))
                Console.WriteLine(string.Create(ci, $"baseline RDF {rdfN}: {name,-13} {pct:+0.00;-0.00} % +- {se:F2} %"));
            Console.WriteLine(string.Create(ci, $"baseline: done in {sw.Elapsed.TotalSeconds:F1} s -> {outDir}"));
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
