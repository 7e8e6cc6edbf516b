using System.Globalization;
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

    public static readonly string CsvHeader =
        "iteration,pool_size,gathered,added,oracle_calls,epochs,best_epoch,train_mae_mev_per_molecule,heldout_mae_mev_per_molecule," +
        "gathered_mae_mev_per_molecule,gathered_max_mev_per_molecule,monitor_energy_mae_mev_per_molecule,monitor_force_mae_mev_per_a," +
        "metropolis_acceptance,nested_acceptance,rejected_nonfinite,rejected_too_close,rejected_below_floor,sampler_problems,invalid_frames," +
        "train_s,sample_s,oracle_s,monitor_s,total_s";

    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        static string F(double v, string fmt) => double.IsNaN(v) ? "" : v.ToString(fmt, CultureInfo.InvariantCulture);
        return string.Join(',',
            Iteration.ToString(c), PoolSize.ToString(c), Gathered.ToString(c), Added.ToString(c), OracleCalls.ToString(c), Epochs.ToString(c), BestEpoch.ToString(c),
            F(TrainMaeMeV, "G6"), F(HeldOutMaeMeV, "G6"), F(GatheredMaeMeV, "G6"), F(GatheredMaxMeV, "G6"),
            F(MonitorEnergyMaeMeV, "G6"), F(MonitorForceMaeMeVPerA, "G6"), F(MetropolisAcceptance, "F4"), F(NestedAcceptance, "F4"),
            RejectedNonFinite.ToString(c), RejectedTooClose.ToString(c), RejectedBelowFloor.ToString(c), SamplerProblems.ToString(c), InvalidFrames.ToString(c),
            F(TrainSeconds, "F3"), F(SampleSeconds, "F3"), F(OracleSeconds, "F3"), F(MonitorSeconds, "F3"), F(TotalSeconds, "F3"));
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
    public int Version { get; set; } = 1;
    public int Seed { get; set; }
    /// <summary>Iterations completed.</summary>
    public int Iteration { get; set; }
    public int ConsecutiveNoAdd { get; set; }
    public int PoolSize { get; set; }
    public long OracleCalls { get; set; }
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

    public static RunState Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path} (not an active-learning run directory?)", path);
        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllText(path), Options)
                   ?? throw new InputFormatException(path, 0, "empty checkpoint");
        }
        catch (JsonException e)
        {
            throw new InputFormatException(path, e.LineNumber is { } l ? (int)l + 1 : 0, $"corrupt checkpoint: {e.Message}", e);
        }
    }

    public static void WriteLogCsv(string path, IEnumerable<IterationRecord> log) =>
        AtomicFile.WriteText(path, w =>
        {
            w.Write(IterationRecord.CsvHeader);
            w.Write('\n');
            foreach (var r in log) { w.Write(r.ToCsv()); w.Write('\n'); }
        });
}
