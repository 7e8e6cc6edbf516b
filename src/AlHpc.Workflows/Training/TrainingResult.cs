using System.Globalization;
using AlHpc.IO;
using AlHpc.Network;

namespace AlHpc.Training;

/// <summary>
/// One line of the learning curve. Errors are energy MAEs in meV per molecule (bead),
/// mean over structures of |E_ref - E_NN| / N; HoldoutMae is NaN when nothing is held out.
/// Epoch 0 is the starting network. Seconds: wall time since training started.
/// Accepted / Rejected: LM trial steps accepted and rejected in this epoch.
/// TrainForceMae / HoldoutForceMae: force MAEs in meV/A (mean over all force components of the split),
/// recorded only when forces are trained (TrainingSettings.ForcesWeight &gt; 0), NaN otherwise.
/// </summary>
public readonly record struct EpochRecord(int Epoch, double TrainMae, double HoldoutMae, double Mu, double Seconds, int Accepted, int Rejected,
    double TrainForceMae = double.NaN, double HoldoutForceMae = double.NaN);

/// <summary>What <see cref="LmTrainer.Train"/> returns.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(NnModel model, int bestEpoch, EpochRecord best, IReadOnlyList<EpochRecord> curve,
        int[] train, int[] holdout, int batchSize, bool stoppedEarly, double seconds)
    {
        Model = model;
        BestEpoch = bestEpoch;
        BestTrainMae = best.TrainMae;
        BestHoldoutMae = best.HoldoutMae;
        BestTrainForceMae = best.TrainForceMae;
        BestHoldoutForceMae = best.HoldoutForceMae;
        Curve = curve;
        TrainIndices = train;
        HoldoutIndices = holdout;
        BatchSize = batchSize;
        StoppedEarly = stoppedEarly;
        Seconds = seconds;
    }

    /// <summary>The network of the best epoch (lowest held-out MAE; training MAE when nothing is held out), ready to use.</summary>
    public NnModel Model { get; }

    /// <summary>Epoch of <see cref="Model"/> (0 = the starting network was never beaten).</summary>
    public int BestEpoch { get; }

    /// <summary>Training MAE (meV/molecule) of <see cref="Model"/>.</summary>
    public double BestTrainMae { get; }

    /// <summary>Held-out MAE (meV/molecule) of <see cref="Model"/>; NaN when nothing was held out.</summary>
    public double BestHoldoutMae { get; }

    /// <summary>Training force MAE (meV/A, mean over components) of <see cref="Model"/>; NaN unless forces were trained.</summary>
    public double BestTrainForceMae { get; }

    /// <summary>Held-out force MAE (meV/A) of <see cref="Model"/>; NaN unless forces were trained and something was held out.</summary>
    public double BestHoldoutForceMae { get; }

    /// <summary>Per-epoch learning curve, epoch 0 (start) first.</summary>
    public IReadOnlyList<EpochRecord> Curve { get; }

    /// <summary>Indices (into the training set given) of the structures trained on, ascending.</summary>
    public int[] TrainIndices { get; }

    /// <summary>Indices of the held-out structures, ascending.</summary>
    public int[] HoldoutIndices { get; }

    /// <summary>Batch size actually used (structures per LM step).</summary>
    public int BatchSize { get; }

    /// <summary>Whether early stopping ended training before the requested epochs.</summary>
    public bool StoppedEarly { get; }

    /// <summary>Wall time of the whole training (s).</summary>
    public double Seconds { get; }

    /// <summary>Writes the learning curve as CSV (never half-written).</summary>
    public void WriteCurveCsv(string path) => AtomicFile.WriteText(path, w => WriteCurveCsv(w));

    /// <summary>
    /// The curve as CSV: epoch, energy MAEs (meV/molecule), mu, seconds, accepted/rejected steps, then force
    /// MAEs (meV/A; empty when forces are not trained or nothing is held out).
    /// </summary>
    public void WriteCurveCsv(TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine("epoch,train_mae_meV_per_molecule,holdout_mae_meV_per_molecule,mu,seconds,accepted_steps,rejected_steps," +
                    "train_force_mae_meV_per_A,holdout_force_mae_meV_per_A");
        foreach (var r in Curve)
            w.WriteLine(string.Create(ci, $"{r.Epoch},{FiniteOutput.Format(r.TrainMae, "train_mae", "G9")},{Opt(r.HoldoutMae)},{FiniteOutput.Format(r.Mu, "mu", "G6")},{r.Seconds:F4},{r.Accepted},{r.Rejected},{Opt(r.TrainForceMae)},{Opt(r.HoldoutForceMae)}"));
    }

    private static string Opt(double v) => FiniteOutput.Optional(v, "a learning-curve value", "G9");
}
