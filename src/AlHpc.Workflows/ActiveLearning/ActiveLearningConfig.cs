using System.Text.Json;
using System.Text.Json.Serialization;
using AlHpc.IO;
using AlHpc.Training;

namespace AlHpc.ActiveLearning;

/// <summary>
/// Every setting of an active-learning run (JSON, camelCase keys; unknown keys are errors). The defaults
/// are the paper's (Loeffler et al. 2020) where it gives a number, and documented choices where it does
/// not; see docs/active-learning.md. Units: eV, meV where the name says so, Angstrom, K, seconds.
/// </summary>
public sealed class ActiveLearningConfig
{
    /// <summary>Master seed: every random choice of the run is derived from (seed, iteration, purpose).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The seed structure(s): null = the embedded relaxed 25-molecule cluster (data/struct_min_25.xsf).</summary>
    public string? SeedStructure { get; set; }

    /// <summary>Reference energy (eV) of a single seed structure; null = take it from the file, or ask the oracle.</summary>
    public double? SeedEnergy { get; set; }

    public OracleSettings Oracle { get; set; } = new();

    /// <summary>Levenberg-Marquardt training of each generation: the trainer's own settings (one type for this section, <c>alhpc train</c> and <see cref="LmTrainer"/>).</summary>
    public TrainingSettings Training { get; set; } = new();
    public SamplingSettings Sampling { get; set; } = new();
    public SelectionSettings Selection { get; set; } = new();
    public StopSettings Stop { get; set; } = new();
    public MonitorSettings Monitor { get; set; } = new();

    /// <summary>Draw Figure 2a each iteration and Figure 2b at the end (PNG).</summary>
    public bool Plots { get; set; } = true;

    /// <summary>
    /// Small settings for a quick look (a few minutes at most): 300 epochs, 1000 cycles per sampler,
    /// 200 monitoring clusters of 1-100 molecules, at most 40 iterations.
    /// </summary>
    public static ActiveLearningConfig Quick()
    {
        var c = new ActiveLearningConfig();
        c.Training.Epochs = 300;
        c.Sampling.Metropolis.Cycles = 1000;
        c.Sampling.Nested.Cycles = 1000;
        c.Monitor.Size = 200;
        c.Monitor.MaxMolecules = 100;
        c.Stop.MaxIterations = 40;
        return c;
    }

    // ------------------------------------------------------------------ JSON

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>Reads and validates a configuration file; bad input throws <see cref="InputFormatException"/> (file, line, what).</summary>
    public static ActiveLearningConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        ActiveLearningConfig? c;
        try { c = JsonSerializer.Deserialize<ActiveLearningConfig>(File.ReadAllText(path), JsonOptions); }
        catch (JsonException e) { throw ConfigErrors.Describe(path, e, typeof(ActiveLearningConfig)); }
        if (c is null) throw new InputFormatException(path, 0, "the file holds no configuration (null)");
        c.Validate(path);
        return c;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => AtomicFile.WriteText(path, w => w.Write(ToJson() + "\n"));

    /// <summary>Makes the file paths of the configuration absolute (relative to <paramref name="baseDirectory"/>), so a run directory is self-contained.</summary>
    public void MakePathsAbsolute(string baseDirectory)
    {
        static string? Abs(string? p, string b) => p is null || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(b, p));
        SeedStructure = Abs(SeedStructure, baseDirectory);
        Oracle.PotentialFile = Abs(Oracle.PotentialFile, baseDirectory);
        Training.SetupFile = Abs(Training.SetupFile, baseDirectory);
        Monitor.File = Abs(Monitor.File, baseDirectory);
    }

    public ActiveLearningConfig Clone() => JsonSerializer.Deserialize<ActiveLearningConfig>(ToJson(), JsonOptions)!;

    /// <summary>Checks every setting; throws <see cref="InputFormatException"/> naming the file and each problem found.</summary>
    public void Validate(string source = "configuration")
    {
        var errors = new List<string>();
        void Check(bool ok, string what) { if (!ok) errors.Add(what); }
        static bool Pos(double v) => v > 0 && double.IsFinite(v);

        if (SeedEnergy is { } se) Check(double.IsFinite(se), "seedEnergy must be a finite number (eV)");
        Oracle ??= new(); Training ??= new(); Sampling ??= new(); Selection ??= new(); Stop ??= new(); Monitor ??= new();
        Sampling.Metropolis ??= new(); Sampling.Nested ??= new();

        Check(Oracle.Kind != OracleKind.Command || !string.IsNullOrWhiteSpace(Oracle.Command), "oracle.command is required when oracle.kind is \"command\"");
        Check(Oracle.Kind != OracleKind.Command || (Oracle.Command ?? "").Contains("{input}") && (Oracle.Command ?? "").Contains("{output}")
              || string.IsNullOrWhiteSpace(Oracle.Command), "oracle.command must contain {input} and {output}");
        Check(Oracle.Kind != OracleKind.Tersoff || !string.IsNullOrWhiteSpace(Oracle.PotentialFile), "oracle.potentialFile is required when oracle.kind is \"tersoff\"");
        Check(Pos(Oracle.TimeoutSeconds), "oracle.timeoutSeconds must be > 0");
        Oracle.Slurm ??= new();
        Oracle.Slurm.Sbatch ??= new();
        Check(Oracle.Processes >= 0, "oracle.processes must be >= 0 (0: the number of cores)");
        Check(Oracle.Retries >= 0 && Oracle.Retries <= 100, "oracle.retries must be in [0, 100]");
        Check(Oracle.PositionTolerance > 0 && double.IsFinite(Oracle.PositionTolerance), "oracle.positionTolerance must be > 0 (A)");
        Check(Pos(Oracle.Slurm.PollSeconds), "oracle.slurm.pollSeconds must be > 0");
        Check(Pos(Oracle.Slurm.QueueTimeoutSeconds), "oracle.slurm.queueTimeoutSeconds must be > 0");
        Check(Oracle.Slurm.MaxRunning >= 0, "oracle.slurm.maxRunning must be >= 0 (0: no limit)");
        foreach (var line in Oracle.Slurm.Sbatch)
            Check(line != null && line.TrimStart().StartsWith("#SBATCH ", StringComparison.Ordinal) && !line.Contains('\n'),
                $"oracle.slurm.sbatch: every line must start with \"#SBATCH \" (got \"{line}\")");
        Check(Oracle.Dispatch == OracleDispatch.Local || Oracle.Kind == OracleKind.Command, "oracle.dispatch \"pool\" or \"slurm\" needs oracle.kind \"command\"");

        // the training section is the trainer's own settings type: its checks, named by key
        foreach (var p in Training.Problems(leastEpochs: 1)) errors.Add($"training.{p}");
        // the loop labels energies only (no reference forces in the pool): force training is for a trainer run alone

        foreach (var (name, cycles, frames) in new[] { ("metropolis", Sampling.Metropolis.Cycles, Sampling.Metropolis.Frames), ("nested", Sampling.Nested.Cycles, Sampling.Nested.Frames) })
        {
            Check(cycles >= 0, $"sampling.{name}.cycles must be >= 0");
            Check(frames >= 0, $"sampling.{name}.frames must be >= 0");
            Check(frames == 0 || cycles >= frames, $"sampling.{name}.cycles must be >= sampling.{name}.frames");
        }
        Check(Pos(Sampling.Metropolis.TemperatureK), "sampling.metropolis.temperatureK must be > 0");
        Check(Sampling.Nested.StartMolecules >= 1, "sampling.nested.startMolecules must be >= 1");
        Check(Sampling.TrialMoveBudget >= 0, "sampling.trialMoveBudget must be >= 0 (0: off)");
        Check(Pos(Sampling.ClusterCriterion), "sampling.clusterCriterion must be > 0 (A)");
        Check(Sampling.MinDistance >= 0 && Sampling.MinDistance < Sampling.ClusterCriterion, "sampling.minDistance must be in [0, clusterCriterion) (A)");
        Check(Pos(Sampling.EnergyFloorMarginPerMolecule), "sampling.energyFloorMarginPerMolecule must be > 0 (eV)");

        Check(Selection.ToleranceMeV >= 0 && double.IsFinite(Selection.ToleranceMeV), "selection.toleranceMeV must be >= 0");
        Check(Sampling.Nested.StartMoleculesMax >= 0 && Sampling.Nested.StartMoleculesMax <= 10_000, "sampling.nested.startMoleculesMax must be in [0, 10000] (0: always startMolecules)");
        Sampling.Nested.StartSizes ??= new();
        foreach (var n in Sampling.Nested.StartSizes) Check(n >= 1 && n <= 10_000, $"sampling.nested.startSizes: every size must be in [1, 10000] (got {n})");
        if (Selection.Strategy == SelectionStrategy.Committee)
        {
            Check(Selection.Members >= 2 && Selection.Members <= 32, "selection.members must be in [2, 32] (a committee needs two networks to disagree)");
            Check(Selection.Candidates >= 1, "selection.candidates must be >= 1");
            Check(Selection.MaxLabels >= 1, "selection.maxLabels must be >= 1");
            Check(Selection.Audit >= 0, "selection.audit must be >= 0");
            Check(Selection.FinalEpochs >= 0 && Selection.FinalEpochs <= TrainingSettings.MaxEpochs, "selection.finalEpochs must be in [0, 10000000] (0: the best member)");
            Check(Selection.ForceToleranceMeVPerA >= 0 && double.IsFinite(Selection.ForceToleranceMeVPerA), "selection.forceToleranceMeVPerA must be >= 0 (0: off)");
            Check(Sampling.Metropolis.Cycles + Sampling.Nested.Cycles >= 1, "sampling: the committee needs at least one sampler with cycles >= 1");
        }
        else
            Check(Sampling.Metropolis.Frames + Sampling.Nested.Frames >= 1, "sampling gathers no structures: metropolis.frames + nested.frames must be >= 1");

        Check(Stop.ConsecutiveNoAdd >= 1, "stop.consecutiveNoAdd must be >= 1");
        Check(Stop.MaxIterations >= 1, "stop.maxIterations must be >= 1");

        Check(Monitor.Size >= 0, "monitor.size must be >= 0 (0: no monitoring)");
        Check(Monitor.MinMolecules >= 1 && Monitor.MinMolecules <= Monitor.MaxMolecules, "monitor.minMolecules must be in [1, maxMolecules]");
        Check(!(Oracle.Kind == OracleKind.Command && Monitor.Size > 0 && Monitor.File is null),
            "monitor.file is required with an external-command oracle (the monitoring set needs reference labels), or set monitor.size to 0");
        if (errors.Count > 0) throw new InputFormatException(source, 0, string.Join("; ", errors));
    }
}

public enum OracleKind
{
    /// <summary>The built-in ML-BOP reference (embedded parameters).</summary>
    MlBop,
    /// <summary>A Tersoff potential from a LAMMPS pair_style tersoff file (oracle.potentialFile).</summary>
    Tersoff,
    /// <summary>An external command (oracle.command), see <see cref="ExternalCommandOracle"/>.</summary>
    Command,
}

public sealed class OracleSettings
{
    public OracleKind Kind { get; set; } = OracleKind.MlBop;

    /// <summary>LAMMPS tersoff file for kind "tersoff".</summary>
    public string? PotentialFile { get; set; }

    /// <summary>Shell command template for kind "command": {input} and {output} are replaced by extxyz paths.</summary>
    public string? Command { get; set; }

    /// <summary>Limit of one oracle command run (s).</summary>
    public double TimeoutSeconds { get; set; } = 3600;

    /// <summary>Label the structures of one iteration in parallel (built-in potentials).</summary>
    public bool Parallel { get; set; } = true;

    /// <summary>
    /// How kind "command" runs its command (docs/oracles.md): "local" (default) one run for all structures of a
    /// batch; "pool" one run per structure, <see cref="Processes"/> at a time; "slurm" one run per structure, as
    /// one Slurm job array per batch (<see cref="Slurm"/>).
    /// </summary>
    public OracleDispatch Dispatch { get; set; } = OracleDispatch.Local;

    /// <summary>Concurrent command runs of dispatch "pool" (0: the number of cores).</summary>
    public int Processes { get; set; }

    /// <summary>A failed run (non-zero exit, timeout, bad output, job lost) is retried this many times.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>After the retries: "stop" the run (default) or "drop" the structure and go on.</summary>
    public OracleFailurePolicy OnFailure { get; set; } = OracleFailurePolicy.Stop;

    /// <summary>Largest accepted difference (A) between a returned frame's coordinates and its input's (frames must come back in order, unrelaxed).</summary>
    public double PositionTolerance { get; set; } = 1e-4;

    public SlurmSettings Slurm { get; set; } = new();
}

public enum OracleDispatch
{
    Local,
    Pool,
    Slurm,
}

public enum OracleFailurePolicy
{
    Stop,
    Drop,
}

/// <summary>Settings of oracle.dispatch = "slurm".</summary>
public sealed class SlurmSettings
{
    /// <summary>
    /// Lines of the job script's header, each "#SBATCH ..." (resources, partition, account, time limit), e.g.
    /// ["#SBATCH --partition=short", "#SBATCH --cpus-per-task=8", "#SBATCH --time=02:00:00"]. Job name, array
    /// and output are set by AlHpc.
    /// </summary>
    public List<string> Sbatch { get; set; } = new();

    /// <summary>Seconds between two squeue polls.</summary>
    public double PollSeconds { get; set; } = 10;

    /// <summary>A task still queued (not started) after this many seconds is cancelled and counted as failed (never wait forever).</summary>
    public double QueueTimeoutSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>Most array tasks running at once (sbatch --array=...%N; 0: no limit).</summary>
    public int MaxRunning { get; set; }

    /// <summary>On Ctrl+C or SIGTERM without a terminal to ask: cancel the run's queued and running jobs (true) or leave them for --resume (false).</summary>
    public bool CancelOnInterrupt { get; set; }
}

public sealed class MetropolisSamplingSettings
{
    /// <summary>Cycles (N trial moves each) from a random pool structure (paper: 5000).</summary>
    public int Cycles { get; set; } = 5000;

    /// <summary>Temperature (K) (paper: 300).</summary>
    public double TemperatureK { get; set; } = 300;

    /// <summary>Structures gathered from the trajectory: evenly spaced, the last frame of each 1/frames of the run.</summary>
    public int Frames { get; set; } = 5;

    /// <summary>Where Metropolis starts: a random pool structure (the paper's) or the end of this iteration's nested run.</summary>
    public MetropolisStart Start { get; set; } = MetropolisStart.Pool;
}

/// <summary>Where the Metropolis sampler of an iteration starts.</summary>
public enum MetropolisStart
{
    /// <summary>A random pool structure (the paper's).</summary>
    Pool,
    /// <summary>The last frame of this iteration's nested run (its size from the schedule, low energy); the two samplers then run one after the other.</summary>
    Nested,
    /// <summary>A compact, ice-like fragment (a diamond lattice with 2.75 A bonds) of the size the schedule drew for the iteration.</summary>
    Compact,
}

public sealed class NestedSamplingSettings
{
    /// <summary>Cycles (paper: 5000).</summary>
    public int Cycles { get; set; } = 5000;

    /// <summary>Structures gathered from the trajectory (evenly spaced, as for Metropolis).</summary>
    public int Frames { get; set; } = 5;

    /// <summary>Start from a random connected cluster (true, default) or from a random pool structure (false).</summary>
    public bool RandomStart { get; set; } = true;

    /// <summary>Molecules of a random start cluster (the paper trains on 25-molecule clusters); with
    /// <see cref="StartMoleculesMax"/> the smallest size of the schedule.</summary>
    public int StartMolecules { get; set; } = 25;

    /// <summary>
    /// Size schedule of the random start clusters: 0 (default) = always <see cref="StartMolecules"/>; larger = each
    /// iteration draws its size log-uniformly from [startMolecules, startMoleculesMax] (from the run seed and the
    /// iteration), so small and large clusters are sampled alike on a log scale.
    /// </summary>
    public int StartMoleculesMax { get; set; }

    /// <summary>An explicit list of start sizes (one drawn uniformly per iteration); overrides the other two when not empty.</summary>
    public List<int> StartSizes { get; set; } = new();

    /// <summary>The start size of iteration <paramref name="iteration"/> (deterministic in the seed and the iteration).</summary>
    public int StartSizeFor(int masterSeed, int iteration)
    {
        if (StartSizes is { Count: > 0 } list)
            return list[RunSeeds.For(masterSeed, iteration, SeedPurpose.StartSize) % list.Count];
        if (StartMoleculesMax <= StartMolecules) return StartMolecules;
        double u = RunSeeds.For(masterSeed, iteration, SeedPurpose.StartSize) / 2147483648.0;
        double lo = Math.Log(StartMolecules), hi = Math.Log(StartMoleculesMax + 1);
        return Math.Clamp((int)Math.Floor(Math.Exp(lo + u * (hi - lo))), StartMolecules, StartMoleculesMax);
    }
}

public sealed class SamplingSettings
{
    public MetropolisSamplingSettings Metropolis { get; set; } = new();
    public NestedSamplingSettings Nested { get; set; } = new();

    /// <summary>Stillinger criterion (A): every molecule within this distance of another one (ClassyMC: 4.0).</summary>
    public double ClusterCriterion { get; set; } = 4.0;

    /// <summary>
    /// Hard core (A): trial moves bringing two molecules closer than this are rejected (guard against a
    /// young network that predicts an ever lower energy as molecules overlap). ML-BOP's dimer minimum is 2.71 A.
    /// </summary>
    public double MinDistance { get; set; } = MonteCarlo.McDefaults.HardCoreDistance;

    /// <summary>
    /// Energy floor margin (eV/molecule): moves to an energy per molecule below (lowest pool energy per
    /// molecule - this margin) are rejected, so a network with a runaway minimum cannot drag Metropolis or
    /// the nested ceiling to minus infinity. Hits are counted and reported.
    /// </summary>
    public double EnergyFloorMarginPerMolecule { get; set; } = 0.5;

    /// <summary>Run the Metropolis and nested samplers at the same time (two threads).</summary>
    public bool Parallel { get; set; } = true;

    /// <summary>
    /// Most trial moves of one sampler run (0: off, cycles as given): a run from an N-molecule start runs
    /// min(cycles, max(frames, trialMoveBudget / N)) cycles, so large clusters from the size schedule cost no more than small ones.
    /// </summary>
    public long TrialMoveBudget { get; set; }

    /// <summary>The cycles of a sampler run from an <paramref name="molecules"/>-molecule start.</summary>
    public int CyclesFor(int cycles, int frames, int molecules) =>
        TrialMoveBudget <= 0 ? cycles : (int)Math.Min(cycles, Math.Max(frames, TrialMoveBudget / Math.Max(1, molecules)));
}

public enum ToleranceMode
{
    /// <summary>|E_NN - E_ref| / N &gt; tolerance (default).</summary>
    PerMolecule,
    /// <summary>|E_NN - E_ref| &gt; tolerance.</summary>
    PerCluster,
}

/// <summary>Which gathered structures go to the oracle.</summary>
public enum SelectionStrategy
{
    /// <summary>The paper's: label every gathered frame, add the ones the network got wrong by more than the tolerance.</summary>
    All,
    /// <summary>
    /// Query by committee: train <see cref="SelectionSettings.Members"/> networks, sample with their mean, score
    /// <see cref="SelectionSettings.Candidates"/> frames per sampler by the members' disagreement, label only the
    /// most uncertain ones (at most <see cref="SelectionSettings.MaxLabels"/>) and a small random audit sample,
    /// and add every labelled structure.
    /// </summary>
    Committee,
}

public sealed class SelectionSettings
{
    /// <summary>Addition tolerance (meV) (paper: 1 meV; per molecule by default). With the committee: the predicted
    /// energy error (calibrated committee spread) a candidate must exceed to be labelled.</summary>
    public double ToleranceMeV { get; set; } = 1.0;

    public ToleranceMode Mode { get; set; } = ToleranceMode.PerMolecule;

    /// <summary>"all" (the paper's) or "committee" (default; docs/active-learning.md, "Committee selection").</summary>
    public SelectionStrategy Strategy { get; set; } = SelectionStrategy.All;

    /// <summary>Committee: networks trained per generation (different seeds and held-out splits); their mean is the generation's model.</summary>
    public int Members { get; set; } = 4;

    /// <summary>Committee: frames scored per sampler trajectory (evenly spaced), instead of sampling.*.frames.</summary>
    public int Candidates { get; set; } = 100;

    /// <summary>Committee: at most this many uncertain candidates are labelled per iteration (the most uncertain first).</summary>
    public int MaxLabels { get; set; } = 10;

    /// <summary>Committee: random candidates labelled per iteration besides the selected ones (the log's audit error: what the network samples, not only what the committee picked).</summary>
    public int Audit { get; set; } = 1;

    /// <summary>
    /// Committee: a candidate is also selected when its calibrated largest per-bead force spread exceeds this (meV/A);
    /// 0: forces are not a criterion.
    /// </summary>
    public double ForceToleranceMeVPerA { get; set; }

    /// <summary>
    /// Committee: scale the members' spread by the ratio of true to predicted errors of the structures labelled so far
    /// (root mean square, clamped to [1, 10]) before comparing with the tolerances; off: the raw spread.
    /// </summary>
    public bool Calibrate { get; set; } = true;

    /// <summary>Committee: share the labels out between the samplers (each sampler's most uncertain candidates get half the slots).</summary>
    public bool PerSampler { get; set; }

    /// <summary>
    /// Committee: after the stop, train the final model from the best member on the final pool for up to this many
    /// epochs (early stop after max(training.earlyStopEpochs, this / 10)); 0: the best member itself.
    /// </summary>
    public int FinalEpochs { get; set; }
}

public sealed class StopSettings
{
    /// <summary>Converged after this many consecutive iterations that add nothing (paper: 5).</summary>
    public int ConsecutiveNoAdd { get; set; } = 5;

    /// <summary>Hard limit of iterations (the paper needed about 145).</summary>
    public int MaxIterations { get; set; } = 400;
}

public sealed class MonitorSettings
{
    /// <summary>Clusters in the monitoring set (0: no monitoring).</summary>
    public int Size { get; set; } = 1000;

    public int MinMolecules { get; set; } = 1;
    public int MaxMolecules { get; set; } = 200;

    /// <summary>A reference-labelled set to use instead of generating one (extxyz with energies and forces, or a test-set file).</summary>
    public string? File { get; set; }
}
