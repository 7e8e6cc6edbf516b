using System.Globalization;
using System.Text;
using System.Text.Json;
using AlHpc.IO;

namespace AlHpc.ActiveLearning;

/// <summary>
/// One row of log.csv: what iteration <see cref="Iteration"/> did. Energies per molecule in meV, forces
/// in meV/A, times in seconds. NaN where a value does not apply (no monitoring set, no held-out part).
/// </summary>
public sealed class IterationRecord
{
    public int Iteration { get; set; }
    /// <summary>Pool size after this iteration's additions.</summary>
    public int PoolSize { get; set; }
    public int Gathered { get; set; }
    public int Added { get; set; }
    /// <summary>Oracle calls (structures labelled) since the start of the run, seed included.</summary>
    public long OracleCalls { get; set; }
    /// <summary>Epochs run and the epoch of the selected (best held-out) network.</summary>
    public int Epochs { get; set; }
    public int BestEpoch { get; set; }
    public double TrainMaeMeV { get; set; } = double.NaN;
    public double HeldOutMaeMeV { get; set; } = double.NaN;
    /// <summary>Mean |E_NN - E_ref| per molecule over the gathered structures (meV).</summary>
    public double GatheredMaeMeV { get; set; } = double.NaN;
    public double GatheredMaxMeV { get; set; } = double.NaN;
    public double MonitorEnergyMaeMeV { get; set; } = double.NaN;
    public double MonitorForceMaeMeVPerA { get; set; } = double.NaN;
    public double MetropolisAcceptance { get; set; } = double.NaN;
    public double NestedAcceptance { get; set; } = double.NaN;
    /// <summary>Trial moves the guard rejected: non-finite energy change, hard-core overlap, below the energy floor.</summary>
    public long RejectedNonFinite { get; set; }
    public long RejectedTooClose { get; set; }
    public long RejectedBelowFloor { get; set; }
    /// <summary>Sampler runs that failed or stopped early (exception, cancelled ceiling), and gathered frames dropped as invalid.</summary>
    public int SamplerProblems { get; set; }
    public int InvalidFrames { get; set; }
    public double TrainSeconds { get; set; }
    public double SampleSeconds { get; set; }
    public double OracleSeconds { get; set; }
    public double MonitorSeconds { get; set; }
    public double TotalSeconds { get; set; }

    // ------------------------------------------------------------------ appended columns (committee, sizes, cost)

    /// <summary>Committee: candidates the committee found uncertain and labelled (the paper's mode: 0).</summary>
    public int Selected { get; set; }
    /// <summary>Committee: random candidates labelled for the audit.</summary>
    public int Audit { get; set; }
    /// <summary>Committee: mean |E_committee - E_ref| per molecule of the audit structures (meV): the true error of what the network samples.</summary>
    public double AuditMaeMeV { get; set; } = double.NaN;
    /// <summary>Committee: the calibration factor applied to the members' spread (1: none).</summary>
    public double Calibration { get; set; } = double.NaN;
    /// <summary>Committee: the largest candidate score (calibrated spread / tolerance; above 1 is uncertain), capped at 1e6.</summary>
    public double MaxScore { get; set; } = double.NaN;
    /// <summary>Molecules of the nested sampler's random start cluster (the size schedule).</summary>
    public int StartMolecules { get; set; }
    /// <summary>Beads (molecules) of every structure labelled by the oracle since the start, seed included: the cost of a quantum code grows with them.</summary>
    public long BeadsLabelled { get; set; }
    /// <summary>Beads labelled in this iteration (not logged; summed into <see cref="BeadsLabelled"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public long LabelledBeadsThisIteration { get; set; }

    public static readonly string CsvHeader =
        "iteration,pool_size,gathered,added,oracle_calls,epochs,best_epoch,train_mae_mev_per_molecule,heldout_mae_mev_per_molecule," +
        "gathered_mae_mev_per_molecule,gathered_max_mev_per_molecule,monitor_energy_mae_mev_per_molecule,monitor_force_mae_mev_per_a," +
        "metropolis_acceptance,nested_acceptance,rejected_nonfinite,rejected_too_close,rejected_below_floor,sampler_problems,invalid_frames," +
        "train_s,sample_s,oracle_s,monitor_s,total_s,selected,audit,audit_mae_mev_per_molecule,calibration,max_score,start_molecules,beads_labelled";

    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        static string F(double v, string fmt) => FiniteOutput.Optional(v, "a log.csv field", fmt);
        return string.Join(',',
            Iteration.ToString(c), PoolSize.ToString(c), Gathered.ToString(c), Added.ToString(c), OracleCalls.ToString(c), Epochs.ToString(c), BestEpoch.ToString(c),
            F(TrainMaeMeV, "G6"), F(HeldOutMaeMeV, "G6"), F(GatheredMaeMeV, "G6"), F(GatheredMaxMeV, "G6"),
            F(MonitorEnergyMaeMeV, "G6"), F(MonitorForceMaeMeVPerA, "G6"), F(MetropolisAcceptance, "F4"), F(NestedAcceptance, "F4"),
            RejectedNonFinite.ToString(c), RejectedTooClose.ToString(c), RejectedBelowFloor.ToString(c), SamplerProblems.ToString(c), InvalidFrames.ToString(c),
            F(TrainSeconds, "F3"), F(SampleSeconds, "F3"), F(OracleSeconds, "F3"), F(MonitorSeconds, "F3"), F(TotalSeconds, "F3"),
            Selected.ToString(c), Audit.ToString(c), F(AuditMaeMeV, "G6"), F(Calibration, "G4"), F(MaxScore, "G4"), StartMolecules.ToString(c), BeadsLabelled.ToString(c));
    }
}

/// <summary>
/// The checkpoint (state.json), written atomically after every iteration, last of the iteration's files.
/// The pool file may hold more frames than <see cref="PoolSize"/> (a kill between writing the pool and
/// the state): a resumed run reads only the first <see cref="PoolSize"/> frames. No RNG state is stored:
/// every seed is derived from (seed, iteration, purpose), see <see cref="RunSeeds"/>.
/// </summary>
public sealed class RunState
{
    /// <summary>The checkpoint format this build reads and writes.</summary>
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;
    public int Seed { get; set; }
    /// <summary>Iterations completed.</summary>
    public int Iteration { get; set; }
    public int ConsecutiveNoAdd { get; set; }
    public int PoolSize { get; set; }
    public long OracleCalls { get; set; }
    /// <summary>Beads of the seed structures the oracle labelled (0 when the seed came labelled).</summary>
    public long SeedBeads { get; set; }
    /// <summary>File (relative to the run directory) of the latest generation's model, or null.</summary>
    public string? LatestModel { get; set; }
    public bool Finished { get; set; }
    public string? StopReason { get; set; }
    public double ElapsedSeconds { get; set; }
    public List<IterationRecord> Log { get; set; } = new();

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public void Save(string path) => AtomicFile.WriteText(path, w => w.Write(JsonSerializer.Serialize(this, Options) + "\n"));

    /// <summary>Reads and validates a checkpoint (<see cref="Validate"/>); bad content is an <see cref="InputFormatException"/>.</summary>
    public static RunState Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path} (not an active-learning run directory?)", path);
        RunState s;
        try
        {
            s = JsonSerializer.Deserialize<RunState>(File.ReadAllText(path), Options)
                ?? throw new InputFormatException(path, 0, "empty checkpoint");
        }
        catch (JsonException e)
        {
            throw new InputFormatException(path, e.LineNumber is { } l ? (int)l + 1 : 0, $"corrupt checkpoint: {e.Message}", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputFormatException(path, 0, $"corrupt checkpoint: not UTF-8 text ({e.Message})", e);
        }
        s.Validate(path);
        return s;
    }

    /// <summary>The model file of generation k, relative to the run directory.</summary>
    public static string ModelPath(int generation) => $"models/gen-{generation:D3}.json";

    /// <summary>The file of committee member j &gt;= 1 of generation k (member 0 is <see cref="ModelPath"/>).</summary>
    public static string MemberPath(int generation, int member) => $"models/gen-{generation:D3}-m{member}.json";

    /// <summary>
    /// Checks every field for itself and against the others (the embedded log): version, counts that cannot be
    /// negative, the pool size and oracle calls of the last log row, one log row per iteration, the latest model
    /// being exactly this iteration's file inside the run. Throws <see cref="InputFormatException"/> naming the field.
    /// </summary>
    public void Validate(string path)
    {
        void Bad(string what) => throw new InputFormatException(path, 0, $"invalid checkpoint: {what}; the run directory was not changed");
        if (Version != CurrentVersion) Bad($"version {Version} (this build reads version {CurrentVersion})");
        if (Iteration < 0) Bad($"iteration {Iteration} < 0");
        if (PoolSize < 1) Bad($"poolSize {PoolSize} < 1 (the pool always holds the seed)");
        if (OracleCalls < 0) Bad($"oracleCalls {OracleCalls} < 0");
        if (ConsecutiveNoAdd < 0 || ConsecutiveNoAdd > Iteration) Bad($"consecutiveNoAdd {ConsecutiveNoAdd} outside [0, iteration {Iteration}]");
        if (!double.IsFinite(ElapsedSeconds) || ElapsedSeconds < 0) Bad($"elapsedSeconds {ElapsedSeconds} is not a finite non-negative time");
        if (Log is null) Bad("no log");
        if (Log!.Count != Iteration) Bad($"the log holds {Log.Count} rows for {Iteration} iterations");
        int prevPool = 1;
        long prevCalls = 0;
        for (int i = 0; i < Log.Count; i++)
        {
            var r = Log[i];
            if (r is null) Bad($"log row {i + 1} is null");
            if (r!.Iteration != i + 1) Bad($"log row {i + 1} is iteration {r.Iteration}");
            if (r.PoolSize < prevPool || r.Added < 0 || r.Gathered < 0 || r.Added > r.Gathered || r.OracleCalls < prevCalls)
                Bad($"log row {i + 1} (iteration {r.Iteration}): inconsistent counts (pool {r.PoolSize}, added {r.Added} of {r.Gathered}, oracle calls {r.OracleCalls})");
            foreach (var prop in typeof(IterationRecord).GetProperties())
                if (prop.PropertyType == typeof(double) && (double)prop.GetValue(r)! is var d && (double.IsInfinity(d) || d < 0))
                    Bad($"log row {i + 1}: {prop.Name} = {d} (times and errors are finite and non-negative)");
            if (r.Selected < 0 || r.Audit < 0 || r.Selected + r.Audit > r.Gathered || r.StartMolecules < 0 || r.BeadsLabelled < 0)
                Bad($"log row {i + 1}: inconsistent committee counts (selected {r.Selected}, audit {r.Audit} of {r.Gathered}) or sizes");
            if (r.Epochs < 0 || r.BestEpoch < -1 || r.RejectedNonFinite < 0 || r.RejectedTooClose < 0 || r.RejectedBelowFloor < 0 || r.SamplerProblems < 0 || r.InvalidFrames < 0)
                Bad($"log row {i + 1}: a negative count");
            prevPool = r.PoolSize;
            prevCalls = r.OracleCalls;
        }
        if (Iteration > 0)
        {
            var last = Log[^1];
            if (last.PoolSize != PoolSize) Bad($"poolSize {PoolSize} but iteration {Iteration} of the log ended with {last.PoolSize}");
            if (last.OracleCalls != OracleCalls) Bad($"oracleCalls {OracleCalls} but iteration {Iteration} of the log ended with {last.OracleCalls}");
            if (LatestModel is null || LatestModel.Replace('\\', '/') != ModelPath(Iteration))
                Bad($"latestModel '{LatestModel}' is not this iteration's model '{ModelPath(Iteration)}'");
        }
        else if (LatestModel is not null) Bad($"latestModel '{LatestModel}' before the first iteration");
        if (Finished && string.IsNullOrEmpty(StopReason)) Bad("finished without a stop reason");
    }

    public static void WriteLogCsv(string path, IEnumerable<IterationRecord> log) =>
        AtomicFile.WriteText(path, w =>
        {
            w.Write(IterationRecord.CsvHeader);
            w.Write('\n');
            foreach (var r in log) { w.Write(r.ToCsv()); w.Write('\n'); }
        });
}
