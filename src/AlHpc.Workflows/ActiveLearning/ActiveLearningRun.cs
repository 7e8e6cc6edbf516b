using System.Diagnostics;
using System.Globalization;
using AlHpc.IO;
using AlHpc.Training;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>Hooks and callbacks of a run (CLI progress, tests that interrupt a run).</summary>
public sealed class RunCallbacks
{
    /// <summary>After every completed (checkpointed) iteration.</summary>
    public Action<IterationRecord>? IterationCompleted { get; init; }

    /// <summary>Informational lines (seed labelling, monitoring set, final model, stop reason).</summary>
    public Action<string>? Message { get; init; }

    /// <summary>
    /// Called at the start of each phase ("train", "sample", "oracle", "monitor", "checkpoint") of
    /// iteration k. Throwing from it (or cancelling) simulates a kill in the middle of that iteration.
    /// </summary>
    public Action<int, string>? Phase { get; init; }

    /// <summary>Return normally (not finished) after checkpointing this iteration (a clean interruption).</summary>
    public int? StopAfterIteration { get; init; }
}

/// <summary>What a run ended with.</summary>
public sealed record RunSummary(int Iterations, int PoolSize, long OracleCalls, bool Finished, string StopReason, string? FinalModel, IterationRecord? Last);

/// <summary>
/// The active-learning loop (Loeffler et al. 2020): from one labelled structure, repeat
/// train -> sample with the network (Metropolis and nested) -> gather structures -> label them with the
/// oracle -> add the ones the network got wrong -> checkpoint, until several consecutive iterations add
/// nothing. See docs/active-learning.md for every setting, the run directory and resume semantics.
/// </summary>
public sealed class ActiveLearningRun : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string PoolFile = "pool.extxyz";
    public const string StateFile = "state.json";
    public const string LogFile = "log.csv";
    public const string ModelsDir = "models";
    public const string FinalModelFile = "model.json";
    public const string ProgressPlot = "fig2a_progress.png";
    public const string ParityPlot = "fig2b_parity.png";
    /// <summary>Structures found in pool.extxyz beyond the checkpoint on a resume (labelled data is never dropped).</summary>
    public const string SetAsideFile = "pool.beyond-checkpoint.extxyz";
    private const string IterationLimitReason = "stopped at the iteration limit";

    private readonly ActiveLearningConfig _config;
    private readonly ActiveLearningComponents _parts;
    private readonly RunCallbacks _cb;
    private readonly List<Cluster> _pool = new();
    private RunState _state = new();
    private IMonitorSet? _monitor;
    private ILearnedModel? _latest;
    /// <summary>Committee mode: the latest generation's members (member 0 is <see cref="_latest"/>).</summary>
    private List<ILearnedModel> _latestMembers = new();
    private long _oracleCallsAtOpen;
    private DirectoryLock? _lock;

    private ActiveLearningRun(string dir, ActiveLearningConfig config, ActiveLearningComponents parts, RunCallbacks? callbacks)
    {
        Directory = Path.GetFullPath(dir);
        _config = config;
        _parts = parts;
        _cb = callbacks ?? new RunCallbacks();
    }

    /// <summary>The run directory (absolute).</summary>
    public string Directory { get; }

    public IReadOnlyList<Cluster> Pool => _pool;
    public RunState State => _state;

    /// <summary>Releases the run directory's lock (<see cref="DirectoryLock"/>).</summary>
    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>Files of a run directory that <see cref="Create"/> may find there (none of them a user's).</summary>
    private static bool IsOwnFile(string name) => name == DirectoryLock.FileName;

    /// <summary>
    /// Throws <see cref="RunDirectoryException"/> when <paramref name="dir"/> cannot take a new run: it holds a run
    /// already (state.json), or other files unless <paramref name="allowOtherFiles"/>. <see cref="Create"/> checks it
    /// (again, under the directory's lock); callers may check first, before they build anything.
    /// </summary>
    public static void CheckNewRunDirectory(string dir, bool allowOtherFiles = false)
    {
        string full = Path.GetFullPath(dir);
        if (File.Exists(Path.Combine(full, StateFile))) throw new RunDirectoryException(full, holdsRun: true, []);
        if (allowOtherFiles || !System.IO.Directory.Exists(full)) return;
        var others = System.IO.Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).Where(n => !IsOwnFile(n!)).Take(4).ToList();
        if (others.Count > 0) throw new RunDirectoryException(full, holdsRun: false, others!);
    }

    /// <summary>
    /// Why a seed structure cannot start a run (the hard core and the cluster criterion of the sampling
    /// settings, finite coordinates and energy), or null.
    /// </summary>
    internal static string? InvalidSeed(Cluster c, SamplingSettings sc)
    {
        if (Invalid(c, sc) is { } why) return why.StartsWith("molecules", StringComparison.Ordinal)
            ? $"{why} (the hard core, sampling.minDistance)"
            : why.StartsWith("not one cluster", StringComparison.Ordinal) ? $"{why}; sampling.clusterCriterion" : why;
        if (c.Energy is { } e && !double.IsFinite(e)) return $"non-finite energy {e}";
        return null;
    }

    /// <summary>Deletes the temporary files of interrupted atomic writes (".NAME.PID.GUID.tmp") in the run directory.</summary>
    private static void CleanTemporaryFiles(string dir, Action<string> say)
    {
        int n = 0;
        foreach (var d in new[] { dir, Path.Combine(dir, ModelsDir) })
        {
            if (!System.IO.Directory.Exists(d)) continue;
            foreach (var f in System.IO.Directory.EnumerateFiles(d, ".*.tmp"))
            {
                try { File.Delete(f); n++; } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        if (n > 0) say($"removed {n} temporary file(s) left by an interrupted write");
    }

    /// <summary>
    /// Starts a new run in <paramref name="dir"/> (created; must not already hold a run): writes the
    /// configuration and the labelled seed pool, then checkpoint 0.
    /// </summary>
    public static ActiveLearningRun Create(string dir, ActiveLearningConfig config, ActiveLearningComponents parts, IReadOnlyList<Cluster> seedPool,
        RunCallbacks? callbacks = null, bool allowOtherFiles = false, CancellationToken cancel = default)
    {
        // Everything is checked before anything is created.
        config.Validate();
        if (seedPool.Count == 0) throw new ArgumentException("the seed pool is empty");
        string seedSource = config.SeedStructure ?? "the seed structure";
        for (int i = 0; i < seedPool.Count; i++)
            if (InvalidSeed(seedPool[i], config.Sampling) is { } why)
                throw new InputFormatException(seedSource, 0, $"seed structure {i + 1} cannot start a run: {why}");
        var run = new ActiveLearningRun(dir, config, parts, callbacks);
        CheckNewRunDirectory(run.Directory, allowOtherFiles);
        bool existed = System.IO.Directory.Exists(run.Directory);
        System.IO.Directory.CreateDirectory(run.Directory);
        bool modelsExisted = System.IO.Directory.Exists(Path.Combine(run.Directory, ModelsDir));
        try
        {
            run._lock = DirectoryLock.Acquire(run.Directory);
            if (File.Exists(Path.Combine(run.Directory, StateFile))) // another process won the race
                throw new RunDirectoryException(run.Directory, holdsRun: true, []);
            CleanTemporaryFiles(run.Directory, run.Say);
            System.IO.Directory.CreateDirectory(Path.Combine(run.Directory, ModelsDir));
            CreateFiles(run, config, parts, seedPool, cancel);
            return run;
        }
        catch
        {
            // Nothing half-made stays behind: remove what this call created (never a file that was there before).
            bool ownLock = run._lock != null;
            run.Dispose();
            if (ownLock) RemoveCreated(run.Directory, existed, modelsExisted);
            throw;
        }
    }

    private static void RemoveCreated(string dir, bool existed, bool modelsExisted)
    {
        try
        {
            if (!existed) { System.IO.Directory.Delete(dir, recursive: true); return; }
            foreach (var f in new[] { ConfigFile, PoolFile, StateFile, DirectoryLock.FileName })
                if (File.Exists(Path.Combine(dir, f))) File.Delete(Path.Combine(dir, f));
            var models = Path.Combine(dir, ModelsDir);
            if (!modelsExisted && System.IO.Directory.Exists(models) && !System.IO.Directory.EnumerateFileSystemEntries(models).Any())
                System.IO.Directory.Delete(models);
        }
        catch (IOException) { /* best effort */ }
        catch (UnauthorizedAccessException) { }
    }

    private static void CreateFiles(ActiveLearningRun run, ActiveLearningConfig config, ActiveLearningComponents parts, IReadOnlyList<Cluster> seedPool, CancellationToken cancel)
    {
        run._oracleCallsAtOpen = parts.Oracle.Calls;

        var unlabelled = seedPool.Where(c => c.Energy is null).ToList();
        var labelledSeeds = new HashSet<Cluster>(unlabelled, ReferenceEqualityComparer.Instance);
        if (unlabelled.Count > 0)
        {
            run.Say($"labelling {unlabelled.Count} seed structure(s) with {parts.Oracle.Name}");
            var labels = run.LabelBatch(unlabelled, "seed", cancel);
            for (int i = 0; i < unlabelled.Count; i++)
            {
                var l = labels[i] ?? throw new OracleException($"seed structure {i} could not be labelled (dropped by the oracle); the run needs every seed structure");
                unlabelled[i].Energy = l.Energy;
                if (run.WantForces) unlabelled[i].Forces = l.Forces;
            }
        }
        if (run.WantForces)
        {
            // force training needs the seed's forces: ask the oracle for those whose file gave none
            var noForces = seedPool.Where(c => c.Forces is null).ToList();
            if (noForces.Count > 0)
            {
                run.Say($"labelling {noForces.Count} seed structure(s) with {parts.Oracle.Name} for their forces (training.forcesWeight > 0)");
                var labels = run.LabelBatch(noForces, "seed-forces", cancel);
                labelledSeeds.UnionWith(noForces);
                for (int i = 0; i < noForces.Count; i++)
                    noForces[i].Forces = labels[i]?.Forces ?? throw new OracleException($"seed structure {i} could not be labelled with forces; the run needs every seed structure");
            }
        }
        foreach (var c in seedPool)
        {
            var p = c.CopyAtoms();
            p.Energy = c.Energy;
            if (run.WantForces) p.Forces = c.Forces;
            p.SetInfo("source", "seed");
            p.SetInfo("iteration", "0");
            run._pool.Add(p);
        }
        run._state = new RunState
        {
            Seed = config.Seed, PoolSize = run._pool.Count, OracleCalls = parts.Oracle.Calls - run._oracleCallsAtOpen,
            SeedBeads = labelledSeeds.Sum(c => (long)c.Count),
        };
        run._oracleCallsAtOpen = parts.Oracle.Calls;
        config.Save(Path.Combine(run.Directory, ConfigFile));
        ExtXyz.Write(Path.Combine(run.Directory, PoolFile), run._pool);
        run.SaveState();
        // Work on exactly what a resumed run would read back.
        run.ReloadPool();
    }

    /// <summary>Opens an existing run directory for --resume (the configuration is read from it).</summary>
    public static ActiveLearningRun Open(string dir, Func<ActiveLearningConfig, ActiveLearningComponents> partsFor, RunCallbacks? callbacks = null, Action<ActiveLearningConfig>? adjust = null)
    {
        var full = Path.GetFullPath(dir);
        if (!System.IO.Directory.Exists(full)) throw new DirectoryNotFoundException($"run directory not found: {dir}");
        if (!File.Exists(Path.Combine(full, StateFile)))
            throw new InputFormatException(full, 0, $"not an active-learning run directory (no {StateFile})");
        var held = DirectoryLock.Acquire(full);
        try
        {
            var run = OpenLocked(full, partsFor, callbacks, adjust);
            run._lock = held;
            return run;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static ActiveLearningRun OpenLocked(string full, Func<ActiveLearningConfig, ActiveLearningComponents> partsFor, RunCallbacks? callbacks, Action<ActiveLearningConfig>? adjust)
    {
        // Everything is read and checked before anything in the directory changes.
        var configPath = Path.Combine(full, ConfigFile);
        var config = ActiveLearningConfig.Load(configPath);
        config.Validate(configPath);
        var state = RunState.Load(Path.Combine(full, StateFile));
        if (state.Seed != config.Seed)
            throw new InputFormatException(Path.Combine(full, StateFile), 0, $"invalid checkpoint: seed {state.Seed} but {ConfigFile} has seed {config.Seed}; the run directory was not changed");
        CheckAgainstFiles(full, state);
        if (adjust != null)
        {
            adjust(config);
            config.Validate(configPath);
        }
        var run = new ActiveLearningRun(full, config, partsFor(config), callbacks) { _state = state };
        var frames = run.ReadCheckpointedPool(out var beyond);
        ILearnedModel? latest = state.LatestModel is { } m ? run._parts.Trainer.Load(Path.Combine(full, m)) : null;
        var members = new List<ILearnedModel>();
        if (latest != null && config.Selection.Strategy == SelectionStrategy.Committee)
        {
            members.Add(latest);
            for (int j = 1; j < config.Selection.Members; j++)
            {
                var mp = Path.Combine(full, RunState.MemberPath(state.Iteration, j));
                if (!File.Exists(mp)) throw new InputFormatException(Path.Combine(full, StateFile), 0, $"the checkpoint is at iteration {state.Iteration} but committee member {RunState.MemberPath(state.Iteration, j)} is missing; the run directory was not changed");
                members.Add(run._parts.Trainer.Load(mp));
            }
        }

        // Checked: now tidy up and write.
        CleanTemporaryFiles(full, run.Say);
        if (adjust != null) config.Save(configPath);
        if (run._state.Finished && run._state.StopReason?.StartsWith(IterationLimitReason, StringComparison.Ordinal) == true
            && config.Stop.MaxIterations > run._state.Iteration)
        {
            run._state.Finished = false; // a raised limit continues a run that stopped at the old one
            run._state.StopReason = null;
        }
        run._oracleCallsAtOpen = run._parts.Oracle.Calls;
        if (beyond.Count > 0) run.SetAside(frames, beyond);
        run._pool.Clear();
        run._pool.AddRange(frames);
        run._latest = latest;
        run._latestMembers = members;
        return run;
    }

    /// <summary>
    /// The checkpoint against the files it describes: the models of every iteration, the final model of a
    /// finished run, log.csv with a row per iteration. (The pool is checked when it is read.)
    /// </summary>
    private static void CheckAgainstFiles(string dir, RunState s)
    {
        var statePath = Path.Combine(dir, StateFile);
        for (int k = 1; k <= s.Iteration; k++)
            if (!File.Exists(Path.Combine(dir, RunState.ModelPath(k))))
                throw new InputFormatException(statePath, 0, $"the checkpoint is at iteration {s.Iteration} but {RunState.ModelPath(k)} is missing; the run directory was not changed");
        if (s.Finished && !File.Exists(Path.Combine(dir, FinalModelFile)))
            throw new InputFormatException(statePath, 0, $"the checkpoint says the run finished but {FinalModelFile} is missing; the run directory was not changed");
        var logPath = Path.Combine(dir, LogFile);
        if (s.Iteration > 0)
        {
            if (!File.Exists(logPath)) throw new InputFormatException(statePath, 0, $"the checkpoint is at iteration {s.Iteration} but {LogFile} is missing");
            var rows = File.ReadLines(logPath).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]).ToList();
            // log.csv is written just before state.json, so it may hold one row more (a kill in between), never fewer.
            if (rows.Count < s.Iteration || rows.Count > s.Iteration + 1)
                throw new InputFormatException(logPath, 0, $"{rows.Count} iteration rows but the checkpoint is at iteration {s.Iteration}; the run directory was not changed");
            for (int i = 0; i < s.Iteration; i++)
                if (rows[i] != (i + 1).ToString(CultureInfo.InvariantCulture))
                    throw new InputFormatException(logPath, i + 2, $"expected iteration {i + 1}, found '{ExtXyz.Shorten(rows[i])}'");
        }
    }

    /// <summary>The first PoolSize frames of the pool (all labelled), and the frames beyond them.</summary>
    private List<Cluster> ReadCheckpointedPool(out List<Cluster> beyond)
    {
        var path = Path.Combine(Directory, PoolFile);
        var all = ExtXyz.Read(path).ToList();
        if (all.Count < _state.PoolSize)
            throw new InputFormatException(path, 0, $"the pool holds {all.Count} structures, the checkpoint expects {_state.PoolSize}; the run directory was not changed");
        for (int i = 0; i < all.Count; i++)
            if (all[i].Energy is not { } e || !double.IsFinite(e))
                throw new InputFormatException(path, 0, $"pool structure {i + 1} has no finite energy; the run directory was not changed");
        beyond = all.Skip(_state.PoolSize).ToList();
        return all.Take(_state.PoolSize).ToList();
    }

    /// <summary>
    /// Keeps the labelled structures beyond the checkpoint (a kill between writing the pool and the state)
    /// in <see cref="SetAsideFile"/> (appended, never overwritten), then cuts the pool file to the checkpoint.
    /// </summary>
    private void SetAside(List<Cluster> checkpointed, List<Cluster> beyond)
    {
        var aside = Path.Combine(Directory, SetAsideFile);
        var kept = File.Exists(aside) ? ExtXyz.Read(aside).ToList() : new List<Cluster>();
        foreach (var c in beyond) c.SetInfo("set_aside_after_iteration", _state.Iteration.ToString(CultureInfo.InvariantCulture));
        kept.AddRange(beyond);
        ExtXyz.Write(aside, kept);           // first the copy,
        ExtXyz.Write(Path.Combine(Directory, PoolFile), checkpointed); // then the cut
        Say($"pool: {beyond.Count} labelled structure(s) beyond the checkpoint (iteration {_state.Iteration}) kept in {SetAsideFile}, not used by this run");
    }

    private void ReloadPool()
    {
        var frames = ReadCheckpointedPool(out var beyond);
        if (beyond.Count > 0) throw new InvalidOperationException("the pool file holds structures beyond the checkpoint just written");
        _pool.Clear();
        _pool.AddRange(frames);
    }

    private long OracleCallsTotal => _state.OracleCalls + (_parts.Oracle.Calls - _oracleCallsAtOpen);

    private void Say(string s) => _cb.Message?.Invoke(s);

    /// <summary>Runs iterations until the stop criterion, the iteration limit, or <see cref="RunCallbacks.StopAfterIteration"/>.</summary>
    public RunSummary Run(CancellationToken cancel = default)
    {
        if (_state.Finished)
        {
            Say($"the run in {Directory} has already finished ({_state.StopReason})");
            return Summary();
        }
        using var held = DirectoryLock.Acquire(Directory); // re-entrant: a no-op while Create/Open's lock is held
        var wall = Stopwatch.StartNew();
        double elapsedAtOpen = _state.ElapsedSeconds;
        _monitor = _parts.MonitorFactory?.Invoke(Directory);
        if (_monitor != null) Say($"monitoring set: {_monitor.Count} clusters");

        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            if (_state.ConsecutiveNoAdd >= _config.Stop.ConsecutiveNoAdd)
                return Finish($"converged: {_state.ConsecutiveNoAdd} consecutive iterations added nothing", cancel);
            if (_state.Iteration >= _config.Stop.MaxIterations)
                return Finish($"{IterationLimitReason} ({_config.Stop.MaxIterations})", cancel);

            var rec = RunIteration(_state.Iteration + 1, cancel);
            _state.ElapsedSeconds = elapsedAtOpen + wall.Elapsed.TotalSeconds;
            _cb.IterationCompleted?.Invoke(rec);
            if (_cb.StopAfterIteration is { } stop && _state.Iteration >= stop)
                return Summary("interrupted after iteration " + _state.Iteration);
        }
    }

    private RunSummary Summary(string? reason = null) =>
        new(_state.Iteration, _pool.Count, _state.OracleCalls, _state.Finished, reason ?? _state.StopReason ?? "",
            _state.Finished ? Path.Combine(Directory, FinalModelFile) : null, _state.Log.LastOrDefault());

    // ------------------------------------------------------------------ one iteration

    private IterationRecord RunIteration(int k, CancellationToken cancel)
    {
        var rec = new IterationRecord { Iteration = k };
        var total = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();

        // 1. Train generation k on the pool (committee: its members).
        _cb.Phase?.Invoke(k, "train");
        string modelRel = RunState.ModelPath(k);
        ILearnedModel model;
        List<ILearnedModel> members = new();
        IPotential potential;
        if (IsCommittee)
        {
            var outcomes = TrainCommittee(k, cancel);
            for (int j = 0; j < outcomes.Count; j++)
            {
                string rel = j == 0 ? modelRel : RunState.MemberPath(k, j);
                outcomes[j].Model.Save(Path.Combine(Directory, rel));
                // continue with exactly what a resumed run would load
                members.Add(_parts.Trainer.Load(Path.Combine(Directory, rel)));
            }
            model = members[0];
            potential = new CommitteePotential(members.Select(m => m.Potential).ToList());
            rec.Epochs = outcomes.Max(o => o.Epochs);
            rec.BestEpoch = outcomes[0].BestEpoch;
            rec.TrainMaeMeV = 1000 * outcomes.Average(o => o.TrainMaeEvPerMolecule);
            rec.HeldOutMaeMeV = 1000 * outcomes.Average(o => o.HeldOutMaeEvPerMolecule);
        }
        else
        {
            var outcome = Train(k, RunSeeds.For(_config.Seed, k, SeedPurpose.Training), cancel);
            model = outcome.Model;
            rec.Epochs = outcome.Epochs;
            rec.BestEpoch = outcome.BestEpoch;
            rec.TrainMaeMeV = 1000 * outcome.TrainMaeEvPerMolecule;
            rec.HeldOutMaeMeV = 1000 * outcome.HeldOutMaeEvPerMolecule;
            model.Save(Path.Combine(Directory, modelRel));
            // Continue with exactly what a resumed run would load.
            model = _parts.Trainer.Load(Path.Combine(Directory, modelRel));
            potential = model.Potential;
        }
        rec.TrainSeconds = phase.Elapsed.TotalSeconds;

        // 2. Sample with the network (committee: the members' mean).
        phase.Restart();
        _cb.Phase?.Invoke(k, "sample");
        var gathered = Sample(k, potential, rec, cancel);
        rec.SampleSeconds = phase.Elapsed.TotalSeconds;

        // 3. Label the gathered structures and add the failures (committee: label the uncertain ones and an audit sample, add all).
        phase.Restart();
        _cb.Phase?.Invoke(k, "oracle");
        var added = IsCommittee ? LabelUncertain(k, members, gathered, rec, cancel) : LabelFailures(k, gathered, rec, cancel);
        rec.Gathered = gathered.Count;
        rec.Added = added.Count;
        rec.BeadsLabelled = (_state.Log.Count > 0 ? _state.Log[^1].BeadsLabelled : _state.SeedBeads) + rec.LabelledBeadsThisIteration;
        rec.OracleSeconds = phase.Elapsed.TotalSeconds;

        // 4. Score the monitoring set.
        phase.Restart();
        _cb.Phase?.Invoke(k, "monitor");
        if (_monitor != null)
        {
            var s = _monitor.Score(potential, cancel);
            rec.MonitorEnergyMaeMeV = s.EnergyMaeMeVPerMolecule;
            rec.MonitorForceMaeMeVPerA = s.ForceMaeMeVPerA;
        }
        rec.MonitorSeconds = phase.Elapsed.TotalSeconds;
        // An infinite score (a network that blew up) is logged as "not available", never as Infinity.
        if (double.IsInfinity(rec.MonitorEnergyMaeMeV) || double.IsInfinity(rec.MonitorForceMaeMeVPerA) || double.IsInfinity(rec.TrainMaeMeV) || double.IsInfinity(rec.HeldOutMaeMeV))
        {
            Say($"iteration {k}: an infinite error (the network diverged on some structure); logged as empty");
            foreach (var prop in typeof(IterationRecord).GetProperties().Where(p => p.PropertyType == typeof(double)))
                if (double.IsInfinity((double)prop.GetValue(rec)!)) prop.SetValue(rec, double.NaN);
        }

        // 5. Checkpoint: pool, then state (the state names what is valid).
        cancel.ThrowIfCancellationRequested();
        _cb.Phase?.Invoke(k, "checkpoint");
        _pool.AddRange(added);
        if (added.Count > 0) ExtXyz.Write(Path.Combine(Directory, PoolFile), _pool);
        _latest = model;
        _latestMembers = members;
        rec.PoolSize = _pool.Count;
        rec.OracleCalls = OracleCallsTotal;
        rec.TotalSeconds = total.Elapsed.TotalSeconds;
        _state.Iteration = k;
        // committee: a quiet iteration is one where nothing was uncertain (audit structures do not count)
        _state.ConsecutiveNoAdd = (IsCommittee ? rec.Selected : added.Count) == 0 ? _state.ConsecutiveNoAdd + 1 : 0;
        _state.PoolSize = _pool.Count;
        _state.OracleCalls = rec.OracleCalls;
        _oracleCallsAtOpen = _parts.Oracle.Calls;
        _state.LatestModel = modelRel;
        _state.Log.RemoveAll(r => r.Iteration >= k);
        _state.Log.Add(rec);
        RunState.WriteLogCsv(Path.Combine(Directory, LogFile), _state.Log);
        SaveState();
        if (added.Count > 0) ReloadPoolTail(added.Count);
        DrawProgress();
        return rec;
    }

    /// <summary>The paper's selection: label every gathered structure, add those the network got wrong by more than the tolerance.</summary>
    private List<Cluster> LabelFailures(int k, List<Cluster> gathered, IterationRecord rec, CancellationToken cancel)
    {
        var added = new List<Cluster>();
        if (gathered.Count > 0)
        {
            var labels = LabelBatch(gathered, $"iter-{k:D4}", cancel);
            if (labels.Count != gathered.Count) throw new OracleException($"{_parts.Oracle.Name} returned {labels.Count} labels for {gathered.Count} structures");
            double tolEv = _config.Selection.ToleranceMeV / 1000.0;
            double sumErr = 0, maxErr = 0;
            int labelled = 0;
            for (int i = 0; i < gathered.Count; i++)
            {
                var g = gathered[i];
                if (labels[i] is not { } label) continue; // dropped after its retries (oracle.onFailure = drop)
                labelled++;
                rec.LabelledBeadsThisIteration += g.Count;
                double eNn = g.Energy ?? double.NaN, eRef = label.Energy;
                double err = Math.Abs(eNn - eRef);
                double errPerMol = err / g.Count;
                double measure = _config.Selection.Mode == ToleranceMode.PerMolecule ? errPerMol : err;
                bool fail = !(measure <= tolEv); // NaN prediction counts as a failure
                if (double.IsFinite(errPerMol)) { sumErr += errPerMol; maxErr = Math.Max(maxErr, errPerMol); }
                if (fail)
                {
                    var c = g.CopyAtoms();
                    c.Energy = eRef;
                    if (WantForces) c.Forces = label.Forces;
                    foreach (var kv in g.Info) c.SetInfo(kv.Key, kv.Value);
                    c.SetInfo("iteration", k.ToString(CultureInfo.InvariantCulture));
                    c.SetInfo("e_nn", double.IsFinite(eNn) ? eNn.ToString("R", CultureInfo.InvariantCulture) : "failed"); // never NaN in the pool
                    added.Add(c);
                }
            }
            if (labelled < gathered.Count) Say($"iteration {k}: {gathered.Count - labelled} of {gathered.Count} gathered structure(s) dropped by the oracle (oracle.onFailure = drop)");
            rec.GatheredMaeMeV = labelled > 0 ? 1000 * sumErr / labelled : double.NaN;
            rec.GatheredMaxMeV = labelled > 0 ? 1000 * maxErr : double.NaN;
        }
        return added;
    }

    private void SaveState() => _state.Save(Path.Combine(Directory, StateFile));

    /// <summary>Oracle files of the run (one batch directory per labelling: seed, iter-0001, ...), owner-only.</summary>
    public const string OracleDir = "oracle";

    /// <summary>Labels with the oracle; an oracle that works in files gets the batch's own directory in the run, so a resume finds its jobs.</summary>
    private IReadOnlyList<OracleLabel?> LabelBatch(IReadOnlyList<Cluster> structures, string batch, CancellationToken cancel)
    {
        if (_parts.Oracle is IBatchOracle b)
        {
            ExternalCommandOracle.CreatePrivateDirectory(Path.Combine(Directory, OracleDir));
            return Checked(b.Label(structures, WantForces, Path.Combine(Directory, OracleDir, batch), cancel));
        }
        return Checked(_parts.Oracle.Label(structures, WantForces, cancel).Select(l => (OracleLabel?)l).ToList());

        IReadOnlyList<OracleLabel?> Checked(IReadOnlyList<OracleLabel?> labels)
        {
            if (!WantForces) return labels;
            for (int i = 0; i < labels.Count && i < structures.Count; i++)
                if (labels[i] is { } l && (l.Forces is null || l.Forces.Length != structures[i].Positions.Length || l.Forces.Any(f => !double.IsFinite(f))))
                    throw new OracleException($"{_parts.Oracle.Name} returned no (finite, 3N) forces for structure {i} of batch {batch}; force training (training.forcesWeight > 0) needs an oracle that returns forces, or set training.forcesWeight to 0");
            return labels;
        }
    }

    /// <summary>Force training is on: every label asks for forces and the pool keeps them.</summary>
    private bool WantForces => _config.Training.ForcesWeight > 0;

    private bool IsCommittee => _config.Selection.Strategy == SelectionStrategy.Committee;

    /// <summary>Replaces the just-added structures by what the pool file holds (what a resumed run sees).</summary>
    private void ReloadPoolTail(int added)
    {
        var frames = ExtXyz.Read(Path.Combine(Directory, PoolFile)).Take(_state.PoolSize).ToList();
        for (int i = _pool.Count - added; i < _pool.Count; i++) _pool[i] = frames[i];
    }

    /// <summary>This generation's training settings: the configuration's, with the epoch schedule and the selection cap filled in.</summary>
    private TrainingSettings GenerationSettings()
    {
        var t = _config.Training;
        return t with
        {
            Epochs = t.EpochsPerStructure > 0
                ? (int)Math.Clamp(Math.Ceiling(t.EpochsPerStructure * _pool.Count), Math.Min(t.MinEpochs, t.Epochs), t.Epochs)
                : t.Epochs,
            SelectionErrorCapMeV = t.EffectiveSelectionCapMeV(_config.Selection.ToleranceMeV),
        };
    }

    private TrainingOutcome Train(int generation, int seed, CancellationToken cancel)
    {
        var t = _config.Training;
        var s = GenerationSettings() with { HoldoutIndices = t.StableHoldout ? StableHoldout(_pool.Count, t.HoldoutFraction, _config.Seed) : null };
        var warm = t.WarmStart ? _latest : null;
        return _parts.Trainer.Train(_pool, warm, s, seed, cancel);
    }

    /// <summary>
    /// Committee mode: the generation's members, member j with its own seed (and so its own held-out split and initial
    /// weights), warm-started from the previous generation's member j when training.warmStart is on.
    /// </summary>
    private IReadOnlyList<TrainingOutcome> TrainCommittee(int k, CancellationToken cancel)
    {
        var t = _config.Training;
        var s = GenerationSettings();
        int m = _config.Selection.Members;
        var seeds = Enumerable.Range(0, m).Select(j => RunSeeds.For(_config.Seed, k * 64 + j, SeedPurpose.CommitteeMember)).ToArray();
        // each member keeps its own held-out split in every generation (a stable split drawn from the master seed and
        // the member), so a warm-started member is never selected on structures it trained on before
        var splits = Enumerable.Range(0, m).Select(j => StableHoldout(_pool.Count, t.HoldoutFraction, RunSeeds.For(_config.Seed, j, SeedPurpose.CommitteeMember))).ToArray();
        var warm = Enumerable.Range(0, m).Select(j => t.WarmStart && j < _latestMembers.Count ? _latestMembers[j] : null).ToArray();
        var outcomes = _parts.Trainer.TrainCommittee(_pool, warm, s, seeds, splits, cancel);
        if (outcomes.Count != m) throw new InvalidOperationException($"the trainer returned {outcomes.Count} committee members for {m}");
        return outcomes;
    }

    /// <summary>Structures the calibration looks back on (the latest labelled ones: the committee's errors shrink as it learns).</summary>
    internal const int CalibrationWindow = 100;

    /// <summary>
    /// The committee's calibration: sqrt(sum err^2 / sum std^2) over the latest <see cref="CalibrationWindow"/> labelled pool
    /// structures that carry the committee's prediction (info e_committee, std_committee, per molecule), clamped to [1, 10];
    /// 1 before any, or when selection.calibrate is off.
    /// </summary>
    internal double Calibration()
    {
        if (!_config.Selection.Calibrate) return 1;
        double se = 0, ss = 0;
        int n = 0;
        for (int i = _pool.Count - 1; i >= 0 && n < CalibrationWindow; i--)
        {
            var c = _pool[i];
            if (c.GetInfo("e_committee") is not { } es || c.GetInfo("std_committee") is not { } ss_) continue;
            if (!double.TryParse(es, NumberStyles.Float, CultureInfo.InvariantCulture, out double e)
                || !double.TryParse(ss_, NumberStyles.Float, CultureInfo.InvariantCulture, out double sd)) continue;
            if (!double.IsFinite(e) || !double.IsFinite(sd)) continue;
            double err = (e - c.Energy!.Value) / c.Count;
            se += err * err;
            ss += sd * sd;
            n++;
        }
        if (n == 0 || !(ss > 0)) return 1;
        return Math.Clamp(Math.Sqrt(se / ss), 1, 10);
    }

    /// <summary>
    /// Committee selection: scores every candidate by the members' disagreement, labels the most uncertain ones above
    /// the tolerances (at most selection.maxLabels) and selection.audit random others, and returns all of them labelled
    /// (each with its committee prediction in info, for the calibration and the log).
    /// </summary>
    private List<Cluster> LabelUncertain(int k, List<ILearnedModel> members, List<Cluster> candidates, IterationRecord rec, CancellationToken cancel)
    {
        var sel = _config.Selection;
        var pots = members.Select(m => m.Potential).ToList();
        var verdicts = new CommitteeVerdict[candidates.Count];
        var scorers = new System.Collections.Concurrent.ConcurrentBag<CommitteeScorer>();
        Parallel.For(0, candidates.Count, new ParallelOptions { CancellationToken = cancel }, i =>
        {
            if (!scorers.TryTake(out var sc)) sc = new CommitteeScorer(pots);
            verdicts[i] = sc.Score(candidates[i].Positions);
            scorers.Add(sc);
        });
        double cal = Calibration();
        rec.Calibration = cal;
        double tolE = sel.ToleranceMeV / 1000.0, tolF = sel.ForceToleranceMeVPerA / 1000.0;
        // the candidate's score: its calibrated spread in units of the tolerance (a failed member: infinitely uncertain)
        double Score(int i)
        {
            var v = verdicts[i];
            if (v.Failed) return double.PositiveInfinity;
            double perMol = sel.Mode == ToleranceMode.PerMolecule ? v.EnergyStdPerMolecule : v.EnergyStdPerMolecule * candidates[i].Count;
            double sE = tolE > 0 ? cal * perMol / tolE : double.PositiveInfinity;
            double sF = tolF > 0 ? cal * v.MaxForceStd / tolF : 0;
            return Math.Max(sE, sF);
        }
        var scores = Enumerable.Range(0, candidates.Count).Select(Score).ToArray();
        rec.MaxScore = candidates.Count > 0 ? Math.Min(1e6, scores.Max()) : double.NaN;
        var uncertain = Enumerable.Range(0, candidates.Count).Where(i => scores[i] > 1).OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
        List<int> selected;
        if (sel.PerSampler)
        {
            // each sampler's most uncertain candidates get half the slots (a slot one sampler cannot fill goes to the other),
            // so the thermal (Metropolis) region is labelled even when nested sampling's far-from-equilibrium frames disagree more
            var bySource = uncertain.GroupBy(i => candidates[i].GetInfo("source") ?? "").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
            selected = new List<int>();
            int round = 0;
            while (selected.Count < sel.MaxLabels && bySource.Any(g => g.Count > round))
            {
                foreach (var g in bySource)
                    if (g.Count > round && selected.Count < sel.MaxLabels) selected.Add(g[round]);
                round++;
            }
            selected = selected.OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
        }
        else selected = uncertain.Take(sel.MaxLabels).ToList();
        var rest = Enumerable.Range(0, candidates.Count).Where(i => !selected.Contains(i)).ToList();
        var rng = new Random(RunSeeds.For(_config.Seed, k, SeedPurpose.Audit));
        var audit = new List<int>();
        for (int a = 0; a < sel.Audit && rest.Count > 0; a++)
        {
            int j = rng.Next(rest.Count);
            audit.Add(rest[j]);
            rest.RemoveAt(j);
        }
        rec.Selected = selected.Count;
        rec.Audit = audit.Count;
        var chosen = selected.Concat(audit).ToList();
        var added = new List<Cluster>();
        if (chosen.Count == 0) return added;

        var toLabel = chosen.Select(i => candidates[i]).ToList();
        var labels = LabelBatch(toLabel, $"iter-{k:D4}", cancel);
        if (labels.Count != toLabel.Count) throw new OracleException($"{_parts.Oracle.Name} returned {labels.Count} labels for {toLabel.Count} structures");
        double sumErr = 0, maxErr = 0, sumAudit = 0;
        int labelled = 0, audited = 0;
        var ci = CultureInfo.InvariantCulture;
        for (int q = 0; q < chosen.Count; q++)
        {
            if (labels[q] is not { } label) continue; // dropped after its retries (oracle.onFailure = drop)
            var g = candidates[chosen[q]];
            var v = verdicts[chosen[q]];
            bool isAudit = q >= selected.Count;
            labelled++;
            rec.LabelledBeadsThisIteration += g.Count;
            double errPerMol = Math.Abs(v.MeanEnergy - label.Energy) / g.Count;
            if (double.IsFinite(errPerMol))
            {
                sumErr += errPerMol;
                maxErr = Math.Max(maxErr, errPerMol);
                if (isAudit) { sumAudit += errPerMol; audited++; }
            }
            var c = g.CopyAtoms();
            c.Energy = label.Energy;
            if (WantForces) c.Forces = label.Forces;
            foreach (var kv in g.Info) c.SetInfo(kv.Key, kv.Value);
            c.SetInfo("iteration", k.ToString(ci));
            c.SetInfo("picked", isAudit ? "audit" : "committee");
            // never NaN in the pool: a failed committee is written as "failed"
            c.SetInfo("e_committee", double.IsFinite(v.MeanEnergy) ? v.MeanEnergy.ToString("R", ci) : "failed");
            c.SetInfo("std_committee", double.IsFinite(v.EnergyStdPerMolecule) ? v.EnergyStdPerMolecule.ToString("R", ci) : "failed");
            c.SetInfo("fstd_committee", double.IsFinite(v.MaxForceStd) ? v.MaxForceStd.ToString("R", ci) : "failed");
            added.Add(c);
        }
        if (labelled < chosen.Count) Say($"iteration {k}: {chosen.Count - labelled} of {chosen.Count} structure(s) dropped by the oracle (oracle.onFailure = drop)");
        rec.GatheredMaeMeV = labelled > 0 ? 1000 * sumErr / labelled : double.NaN;
        rec.GatheredMaxMeV = labelled > 0 ? 1000 * maxErr : double.NaN;
        rec.AuditMaeMeV = audited > 0 ? 1000 * sumAudit / audited : double.NaN;
        return added;
    }

    /// <summary>
    /// The held-out pool structures when <c>training.stableHoldout</c> is on: structure i (i &gt;= 1; the seed is
    /// always trained on) is held out iff its draw u_i = hash(master seed, i) / 2^31 is below the fraction, so a
    /// structure stays on its side of the split in every generation as the pool grows. With none drawn and two
    /// or more structures, the one with the smallest draw is held out (aenet keeps at least one).
    /// </summary>
    internal static int[] StableHoldout(int poolSize, double fraction, int masterSeed)
    {
        if (poolSize < 2 || fraction <= 0) return [];
        var held = new List<int>();
        int best = 1;
        double bestU = double.PositiveInfinity;
        for (int i = 1; i < poolSize; i++)
        {
            double u = RunSeeds.For(masterSeed, i, SeedPurpose.Holdout) / 2147483648.0;
            if (u < fraction) held.Add(i);
            if (u < bestU) { bestU = u; best = i; }
        }
        return held.Count > 0 ? held.ToArray() : [best];
    }

    // ------------------------------------------------------------------ sampling and gathering

    private List<Cluster> Sample(int k, IPotential potential, IterationRecord rec, CancellationToken cancel)
    {
        var sc = _config.Sampling;
        double minPoolPerMol = _pool.Min(c => c.Energy!.Value / Math.Max(1, c.Count));
        var guarded = new GuardedPotential(potential, minPoolPerMol - sc.EnergyFloorMarginPerMolecule);

        var pick = new Random(RunSeeds.For(_config.Seed, k, SeedPurpose.PoolPick));
        var metroStart = _pool[pick.Next(_pool.Count)];
        var nestedPoolPick = _pool[pick.Next(_pool.Count)];
        int problems = 0;
        Cluster? nestedStart = null;
        int metroFrames = IsCommittee ? _config.Selection.Candidates : sc.Metropolis.Frames;
        int nestedFrames = IsCommittee ? _config.Selection.Candidates : sc.Nested.Frames;
        if (sc.Nested.Cycles > 0 && nestedFrames > 0)
        {
            if (sc.Nested.RandomStart) nestedStart = ScheduledStart(_parts.Starts.RandomCluster, SeedPurpose.NestedStart, "random", "nested sampling");
            nestedStart ??= nestedPoolPick;
        }

        if (sc.Metropolis.Start == MetropolisStart.Compact)
            metroStart = ScheduledStart(_parts.Starts.CompactCluster, SeedPurpose.MetropolisStart, "compact", "Metropolis") ?? metroStart;

        // a start structure of the iteration's scheduled size, or null (said and counted) when the factory fails
        Cluster? ScheduledStart(Func<int, int, Cluster> make, SeedPurpose purpose, string kind, string sampler)
        {
            int size = sc.Nested.StartSizeFor(_config.Seed, k);
            rec.StartMolecules = size;
            try { return make(size, RunSeeds.For(_config.Seed, k, purpose)); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Say($"iteration {k}: {kind} start cluster failed ({e.Message}); {sampler} starts from a pool structure");
                problems++;
                return null;
            }
        }

        SamplerTrajectory? metro = null, nested = null;
        string? metroError = null, nestedError = null;
        void RunMetro()
        {
            if (sc.Metropolis.Cycles <= 0 || metroFrames <= 0) return;
            int cycles = sc.CyclesFor(sc.Metropolis.Cycles, metroFrames, metroStart.Count);
            (metro, metroError) = RunSampler(_parts.Metropolis, guarded, metroStart, cycles, Math.Min(metroFrames, cycles), RunSeeds.For(_config.Seed, k, SeedPurpose.Metropolis), cancel);
        }
        void RunNested()
        {
            if (nestedStart is null) return;
            int cycles = sc.CyclesFor(sc.Nested.Cycles, nestedFrames, nestedStart.Count);
            (nested, nestedError) = RunSampler(_parts.Nested, guarded, nestedStart, cycles, Math.Min(nestedFrames, cycles), RunSeeds.For(_config.Seed, k, SeedPurpose.Nested), cancel);
        }
        if (sc.Metropolis.Start == MetropolisStart.Nested && nestedStart is not null)
        {
            // Metropolis from where this iteration's nested run ended (low energy, the scheduled size); one after the other
            RunNested();
            if (nested?.Frames is { Count: > 0 } nf) metroStart = nf[^1];
            RunMetro();
        }
        else if (sc.Parallel) Parallel.Invoke(new ParallelOptions { CancellationToken = cancel }, RunMetro, RunNested);
        else { RunMetro(); RunNested(); }
        cancel.ThrowIfCancellationRequested();

        if (metroError != null) { problems++; Say($"iteration {k}: Metropolis sampling failed: {metroError}"); }
        if (nestedError != null) { problems++; Say($"iteration {k}: nested sampling failed: {nestedError}"); }
        if (metro?.StoppedEarly is { } ms) { problems++; Say($"iteration {k}: Metropolis stopped early: {ms}"); }
        if (nested?.StoppedEarly is { } ns) { problems++; Say($"iteration {k}: nested sampling stopped early: {ns}"); }
        rec.MetropolisAcceptance = metro?.Acceptance ?? double.NaN;
        rec.NestedAcceptance = nested?.Acceptance ?? double.NaN;
        rec.RejectedNonFinite = guarded.Stats.NonFinite + (metro?.NonFiniteRejections ?? 0) + (nested?.NonFiniteRejections ?? 0);
        rec.RejectedTooClose = (metro?.OverlapRejections ?? 0) + (nested?.OverlapRejections ?? 0);
        rec.RejectedBelowFloor = guarded.Stats.BelowFloor;
        rec.SamplerProblems = problems;

        var frames = new List<Cluster>();
        if (metro != null) frames.AddRange(PickFrames(metro, metroFrames, "metropolis", k));
        if (nested != null) frames.AddRange(PickFrames(nested, nestedFrames, "nested", k));

        // Validate and predict with the network (a fresh full evaluation, not the sampler's running sum).
        var ev = potential.CreateEvaluator();
        var valid = new List<Cluster>();
        foreach (var f in frames)
        {
            var why = Invalid(f, sc);
            if (why != null) { rec.InvalidFrames++; Say($"iteration {k}: dropped a {f.GetInfo("source")} frame: {why}"); continue; }
            if (IsCommittee) { valid.Add(f); continue; } // the committee scores them (LabelUncertain)
            double e;
            try { e = ev.Compute(f.Positions, Span<double>.Empty, Span<double>.Empty); }
            catch (Exception ex) when (ex is not OperationCanceledException) { e = double.NaN; }
            f.Energy = e; // NaN: the network failed on it; the oracle decides, it will be added
            valid.Add(f);
        }
        return valid;
    }

    private static (SamplerTrajectory?, string?) RunSampler(ITrajectorySampler sampler, IPotential potential, Cluster start, int cycles, int frames, int seed, CancellationToken cancel)
    {
        int every = Math.Max(1, cycles / frames);
        try
        {
            var startCopy = start.CopyAtoms();
            // the sampler's own cycles unless the trial-move budget cut them (sampling.trialMoveBudget)
            return (cycles >= sampler.Cycles ? sampler.Run(potential, startCopy, every, seed, cancel) : sampler.Run(potential, startCopy, cycles, every, seed, cancel), null);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception e) { return (null, $"{e.GetType().Name}: {e.Message}"); }
    }

    /// <summary>
    /// The gathered frames of one trajectory: the frames recorded after cycles every, 2 every, ..., frames * every
    /// (every = cycles / frames), i.e. the last frame of each equal part of the run; fewer if the run stopped early.
    /// </summary>
    internal static IEnumerable<Cluster> PickFrames(SamplerTrajectory t, int frames, string source, int iteration)
    {
        var list = t.Frames;
        if (list.Count == 0 || frames <= 0) yield break;
        IEnumerable<Cluster> chosen = list.Count <= frames
            ? list
            : Enumerable.Range(1, frames).Select(j => list[(int)Math.Round((double)j * list.Count / frames) - 1]);
        foreach (var f in chosen)
        {
            var c = f.CopyAtoms();
            c.SetInfo("source", source);
            c.SetInfo("iteration", iteration.ToString(CultureInfo.InvariantCulture));
            if (f.GetInfo("cycle") is { } cyc) c.SetInfo("cycle", cyc);
            yield return c;
        }
    }

    /// <summary>Why a sampled frame must not go to the oracle (null: fine).</summary>
    internal static string? Invalid(Cluster f, SamplingSettings sc)
    {
        var p = f.Positions;
        foreach (var v in p) if (!double.IsFinite(v)) return "non-finite coordinates";
        int n = f.Count;
        if (n == 0) return "no molecules";
        double min2 = sc.MinDistance * sc.MinDistance * (1 - 1e-9), crit2 = sc.ClusterCriterion * sc.ClusterCriterion;
        // Connectivity by the Stillinger criterion (union-find) and the hard core.
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int a) { while (parent[a] != a) a = parent[a] = parent[parent[a]]; return a; }
        int groups = n;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double dx = p[3 * i] - p[3 * j], dy = p[3 * i + 1] - p[3 * j + 1], dz = p[3 * i + 2] - p[3 * j + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < min2) return $"molecules {i} and {j} closer than {sc.MinDistance} A";
                if (r2 <= crit2) { int a = Find(i), b = Find(j); if (a != b) { parent[a] = b; groups--; } }
            }
        return groups == 1 ? null : $"not one cluster ({groups} pieces by the {sc.ClusterCriterion} A criterion)";
    }

    // ------------------------------------------------------------------ the end

    private RunSummary Finish(string reason, CancellationToken cancel)
    {
        Say(reason);
        ILearnedModel final;
        if (IsCommittee && _latestMembers.Count > 0)
        {
            // committee: the member of the last generation with the lowest energy MAE on the final pool (one network,
            // as cheap to use as the paper's)
            final = _latestMembers.MinBy(m => PoolMae(m.Potential))!;
            Say($"final model: committee member {_latestMembers.IndexOf(final)} of generation {_state.Iteration} (lowest pool MAE)");
            if (_config.Selection.FinalEpochs > 0)
            {
                var t = _config.Training;
                int k = _state.Iteration + 1;
                var s = t with
                {
                    Epochs = _config.Selection.FinalEpochs,
                    EarlyStopEpochs = Math.Max(t.EarlyStopEpochs, _config.Selection.FinalEpochs / 10),
                    SelectionErrorCapMeV = t.EffectiveSelectionCapMeV(_config.Selection.ToleranceMeV),
                    HoldoutIndices = StableHoldout(_pool.Count, t.HoldoutFraction, _config.Seed),
                };
                Say($"training the final model on the final pool ({s.Epochs} epochs at most, from that member)");
                final = _parts.Trainer.Train(_pool, final, s, RunSeeds.For(_config.Seed, k, SeedPurpose.FinalTraining), cancel).Model;
            }
        }
        else if (_latest != null && _state.ConsecutiveNoAdd > 0)
        {
            final = _latest; // the last generation was trained on the final pool
        }
        else
        {
            Say("training the final model on the final pool");
            int k = _state.Iteration + 1;
            var outcome = Train(k, RunSeeds.For(_config.Seed, k, SeedPurpose.FinalTraining), cancel);
            final = outcome.Model;
        }
        var finalPath = Path.Combine(Directory, FinalModelFile);
        final.Save(finalPath);
        final = _parts.Trainer.Load(finalPath);
        if (_config.Plots && _parts.Plotter != null)
        {
            try
            {
                var ev = final.Potential.CreateEvaluator();
                var refs = new List<double>(); var pred = new List<double>();
                foreach (var c in _pool)
                {
                    refs.Add(c.Energy!.Value / c.Count);
                    pred.Add(ev.Compute(c.Positions, Span<double>.Empty, Span<double>.Empty) / c.Count);
                }
                _parts.Plotter.DrawParity(Path.Combine(Directory, ParityPlot), refs, pred);
            }
            catch (Exception e) when (e is not OperationCanceledException) { Say($"parity plot failed: {e.Message}"); }
        }
        _state.Finished = true;
        _state.StopReason = reason;
        SaveState();
        Say($"final model: {finalPath}");
        return Summary();
    }

    /// <summary>Mean |E - E_ref| per molecule (eV) of a potential on the pool.</summary>
    private double PoolMae(IPotential p)
    {
        var ev = p.CreateEvaluator();
        double sum = 0;
        foreach (var c in _pool) sum += Math.Abs(ev.Compute(c.Positions, Span<double>.Empty, Span<double>.Empty) - c.Energy!.Value) / c.Count;
        double mae = sum / _pool.Count;
        return double.IsFinite(mae) ? mae : double.PositiveInfinity;
    }

    private void DrawProgress()
    {
        if (!_config.Plots || _parts.Plotter == null) return;
        try { _parts.Plotter.DrawProgress(Path.Combine(Directory, ProgressPlot), _state.Log); }
        catch (Exception e) { Say($"progress plot failed: {e.Message}"); }
    }
}

/// <summary>
/// A directory that cannot take a new run (<see cref="ActiveLearningRun.CheckNewRunDirectory"/>): it holds a run already
/// (<see cref="HoldsRun"/>; open it to continue), or other files (<see cref="OtherFiles"/>, the first four).
/// </summary>
public sealed class RunDirectoryException(string directory, bool holdsRun, IReadOnlyList<string> otherFiles)
    : IOException(holdsRun
        ? $"{directory} already holds an active-learning run ({ActiveLearningRun.StateFile}); open it to continue (ActiveLearningRun.Open) or choose another directory"
        : $"{directory}: the directory holds other files ({List(otherFiles)}); choose a new or empty directory, or allow other files (files of the same names are replaced)")
{
    public string Directory { get; } = directory;
    public bool HoldsRun { get; } = holdsRun;
    public IReadOnlyList<string> OtherFiles { get; } = otherFiles;

    /// <summary>The other files as a list for a message: "a, b, c, d, ..." (at most four names).</summary>
    public string FileList => List(OtherFiles);

    private static string List(IReadOnlyList<string> files) => string.Join(", ", files) + (files.Count > 3 ? ", ..." : "");
}
