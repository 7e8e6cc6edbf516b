using System.CommandLine;
using System.Globalization;
using AlHpc.ActiveLearning;
using AlHpc.IO;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc learn: the active-learning workflow (one structure -> a converged network potential).
/// New run: alhpc learn [--config FILE] [--out DIR] [--seed S] [--max-iterations N] [--quick].
/// Continue after an interruption: alhpc learn --resume DIR [--max-iterations N].
/// </summary>
public static class LearnCommand
{
    public static Command Create()
    {
        var cmd = new Command("learn", "Active learning: grow a network potential from one structure (train, sample with the network, label failures with the oracle, repeat). See docs/active-learning.md.");
        var config = new Option<FileInfo?>("--config") { Description = "Run settings (JSON; every key optional, defaults are the paper's). Write the defaults with --print-config." };
        var outDir = new Option<string?>("--out", "-o") { Description = "Run directory to create (must not hold a run already); default runs/default, or runs/quick with --quick" };
        var seed = new Option<int?>("--seed") { Description = "Master seed (overrides the configuration's)" };
        var maxIt = new Option<int?>("--max-iterations") { Description = "Iteration limit (overrides the configuration's; with --resume it may raise the limit of a finished run)" };
        var quick = new Option<bool>("--quick") { Description = "Small settings for a quick look: 300 epochs, 1000 cycles per sampler, 200 monitoring clusters, at most 40 iterations" };
        var warm = new Option<bool>("--warm-start") { Description = "Start each generation's training from the previous network (faster; off in the paper)" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Continue the run in this directory from its last checkpoint (its config.json is used)" };
        var printConfig = new Option<bool>("--print-config") { Description = "Print the effective configuration as JSON and exit" };
        var allowExisting = new Option<bool>("--allow-existing") { Description = "Let --out name a directory that already holds other files (files of the run's names there are replaced)" };
        foreach (var o in new Option[] { config, outDir, seed, maxIt, quick, warm, resume, printConfig, allowExisting }) cmd.Options.Add(o);

        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var resumeDir = pr.GetValue(resume);
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            // SIGTERM like Ctrl+C: the oracle's process groups are killed, the last checkpoint is kept.
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
            IBatchOracle? batchOracle = null;
            ActiveLearningConfig? effective = null;
            ActiveLearningComponents Parts(ActiveLearningConfig c)
            {
                var p = DefaultComponents.Create(c, plotter: new Reporting.RunPlotter());
                if (p.Oracle is IBatchOracle b)
                {
                    b.Preflight(); // no sbatch, a rejected job script: an error now, not after the first training
                    b.Message = m => Console.Error.WriteLine($"alhpc learn: {m}");
                    batchOracle = b;
                }
                effective = c;
                return p;
            }
            try
            {
                var callbacks = new RunCallbacks
                {
                    IterationCompleted = r => Console.WriteLine(SummaryLine(r)),
                    Message = m => Console.Error.WriteLine($"alhpc learn: {m}"),
                };
                ActiveLearningRun run;
                if (resumeDir != null)
                {
                    if (pr.GetValue(config) != null || pr.GetValue(quick) || pr.GetValue(seed) != null || pr.GetValue(warm) || pr.GetValue(allowExisting) || pr.GetValue(outDir) != null || pr.GetValue(printConfig))
                        throw new UsageException("--resume takes the settings and the directory from the run itself; only --max-iterations may be given with it");
                    if (!resumeDir.Exists)
                        throw new UsageException($"--resume {resumeDir}: no such directory");
                    if (!File.Exists(Path.Combine(resumeDir.FullName, ActiveLearningRun.ConfigFile)) || !File.Exists(Path.Combine(resumeDir.FullName, ActiveLearningRun.StateFile)))
                        throw new UsageException($"--resume {resumeDir}: not an active-learning run (it has no {ActiveLearningRun.ConfigFile} and {ActiveLearningRun.StateFile}); start a run there with 'alhpc learn --out {resumeDir}'");
                    int? limit = pr.GetValue(maxIt);
                    run = ActiveLearningRun.Open(resumeDir.FullName, Parts, callbacks,
                        limit is { } l ? c => c.Stop.MaxIterations = l : null);
                    Console.Error.WriteLine($"alhpc learn: resuming {run.Directory} after iteration {run.State.Iteration} (pool {run.Pool.Count}, {run.State.OracleCalls} oracle calls)");
                }
                else
                {
                    var cfgFile = pr.GetValue(config);
                    InputKinds.Require(cfgFile?.FullName, InputKinds.Expect.Config, "--config");
                    var cfg = cfgFile != null ? ActiveLearningConfig.Load(cfgFile.FullName) : new ActiveLearningConfig();
                    if (pr.GetValue(quick)) ApplyQuick(cfg, cfgFile?.FullName);
                    if (pr.GetValue(seed) is { } s) cfg.Seed = s;
                    if (pr.GetValue(maxIt) is { } m) cfg.Stop.MaxIterations = m;
                    if (pr.GetValue(warm)) cfg.Training.WarmStart = true;
                    cfg.MakePathsAbsolute(cfgFile?.DirectoryName ?? Environment.CurrentDirectory);
                    cfg.Validate(cfgFile?.FullName ?? "command line");
                    if (pr.GetValue(printConfig)) { Console.WriteLine(cfg.ToJson()); return ExitCodes.Success; }
                    var dir = DefaultRunDirectory(pr.GetValue(outDir), pr.GetValue(quick));
                    try
                    {
                        ActiveLearningRun.CheckNewRunDirectory(dir, pr.GetValue(allowExisting)); // before anything is built
                        var parts = Parts(cfg);
                        var seedPool = DefaultComponents.LoadSeedPool(cfg);
                        Console.Error.WriteLine($"alhpc learn: new run in {Path.GetFullPath(dir)}: seed {cfg.Seed}, {seedPool.Count} seed structure(s), oracle {parts.Oracle.Name}");
                        run = ActiveLearningRun.Create(dir, cfg, parts, seedPool, callbacks, pr.GetValue(allowExisting), cts.Token);
                    }
                    catch (RunDirectoryException e) when (e.HoldsRun)
                    {
                        throw new UsageException($"{dir} already holds an active-learning run; continue it with 'alhpc learn --resume {dir}' or choose another --out");
                    }
                    catch (RunDirectoryException e)
                    {
                        throw new InputFormatException(e.Directory, 0,
                            $"--out names a directory that holds other files ({e.FileList}); choose a new or empty directory, or pass --allow-existing to write into it (files of the same names are replaced)");
                    }
                }
                using var held = run; // holds the run directory's lock until the command ends
                var summary = run.Run(cts.Token);
                var last = summary.Last;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"alhpc learn: {summary.StopReason}; {summary.Iterations} iterations, pool {summary.PoolSize}, {summary.OracleCalls} oracle calls, {run.State.ElapsedSeconds:F0} s"));
                if (last != null && double.IsFinite(last.MonitorEnergyMaeMeV))
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"alhpc learn: last monitoring score: {last.MonitorEnergyMaeMeV:F2} meV/molecule, {last.MonitorForceMaeMeVPerA:F1} meV/A"));
                if (summary.FinalModel != null) Console.Error.WriteLine($"alhpc learn: final model {summary.FinalModel}");
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                if (batchOracle?.OutstandingJobs is { Count: > 0 } jobs) LeaveOrCancel(batchOracle, jobs, effective);
                Console.Error.WriteLine("alhpc learn: interrupted; continue with 'alhpc learn --resume DIR' (the last completed iteration is kept)");
                return ExitCodes.Failure;
            }
            finally { Console.CancelKeyPress -= onCancel; }
        }));
        return cmd;
    }

    /// <summary>
    /// After Ctrl+C or SIGTERM with Slurm jobs of the run still queued or running: ask at a terminal whether to
    /// cancel them; otherwise oracle.slurm.cancelOnInterrupt decides (default: leave them; --resume collects them).
    /// </summary>
    private static void LeaveOrCancel(IBatchOracle oracle, IReadOnlyList<OracleSubmission> jobs, ActiveLearningConfig? cfg)
    {
        var ids = string.Join(", ", jobs.Select(j => j.JobId ?? "alhpc-" + j.Token));
        bool cancel;
        if (!Console.IsInputRedirected && !Console.IsErrorRedirected)
        {
            Console.Error.Write($"alhpc learn: {jobs.Count} Slurm job(s) of this run are still queued or running ({ids}). Cancel them? [y/N] ");
            var answer = Console.ReadLine();
            cancel = answer?.Trim().StartsWith('y') == true || answer?.Trim().StartsWith('Y') == true;
        }
        else cancel = cfg?.Oracle.Slurm.CancelOnInterrupt == true;
        if (cancel)
        {
            oracle.CancelOutstandingJobs();
            Console.Error.WriteLine($"alhpc learn: cancelled Slurm job(s) {ids}");
        }
        else Console.Error.WriteLine($"alhpc learn: left Slurm job(s) {ids} running; 'alhpc learn --resume DIR' collects their results");
    }

    /// <summary>The run directory: --out, else runs/quick for --quick (so a quick look never blocks the main job), else runs/default.</summary>
    public static string DefaultRunDirectory(string? outOption, bool quick) =>
        outOption ?? Path.Combine("runs", quick ? "quick" : "default");


    /// <summary>
    /// The --quick settings, for the keys the --config file does not set (an explicit key always wins).
    /// </summary>
    private static void ApplyQuick(ActiveLearningConfig cfg, string? configFile)
    {
        var q = ActiveLearningConfig.Quick();
        System.Text.Json.Nodes.JsonNode? raw = null;
        if (configFile != null)
        {
            try { raw = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configFile), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
            catch (System.Text.Json.JsonException) { /* Load already accepted it; treat as setting nothing */ }
        }
        bool Set(params string[] path)
        {
            var node = raw;
            foreach (var key in path)
            {
                if (node is not System.Text.Json.Nodes.JsonObject o) return false;
                node = o.FirstOrDefault(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Value;
                if (node is null) return false;
            }
            return true;
        }
        if (!Set("training", "epochs")) cfg.Training.Epochs = q.Training.Epochs;
        if (!Set("sampling", "metropolis", "cycles")) cfg.Sampling.Metropolis.Cycles = q.Sampling.Metropolis.Cycles;
        if (!Set("sampling", "nested", "cycles")) cfg.Sampling.Nested.Cycles = q.Sampling.Nested.Cycles;
        if (!Set("monitor", "size")) cfg.Monitor.Size = q.Monitor.Size;
        if (!Set("monitor", "maxMolecules")) cfg.Monitor.MaxMolecules = Math.Max(cfg.Monitor.MinMolecules, q.Monitor.MaxMolecules);
        if (!Set("stop", "maxIterations")) cfg.Stop.MaxIterations = q.Stop.MaxIterations;
    }

    /// <summary>The live one-line summary of an iteration.</summary>
    public static string SummaryLine(IterationRecord r)
    {
        var ci = CultureInfo.InvariantCulture;
        string mon = double.IsFinite(r.MonitorEnergyMaeMeV) ? string.Create(ci, $" | monitor {r.MonitorEnergyMaeMeV:F2} meV/mol {r.MonitorForceMaeMeVPerA:F0} meV/A") : "";
        long guard = r.RejectedNonFinite + r.RejectedTooClose + r.RejectedBelowFloor;
        string problems = r.SamplerProblems + r.InvalidFrames > 0 || guard > 0
            ? string.Create(ci, $" | guarded moves {guard}, sampler problems {r.SamplerProblems}, dropped frames {r.InvalidFrames}") : "";
        return string.Create(ci,
            $"iter {r.Iteration,4} | pool {r.PoolSize,4} (+{r.Added}/{r.Gathered}) | oracle {r.OracleCalls,5} | epochs {r.BestEpoch}/{r.Epochs} train {r.TrainMaeMeV:F2} held-out {r.HeldOutMaeMeV:F2} gathered {r.GatheredMaeMeV:F2} meV/mol{mon}{problems} | {r.TotalSeconds:F1} s (train {r.TrainSeconds:F1}, sample {r.SampleSeconds:F1}, oracle {r.OracleSeconds:F1}, monitor {r.MonitorSeconds:F1})");
    }
}
