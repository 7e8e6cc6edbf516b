using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Evaluation;

/// <summary>Predicted energies (eV, one per cluster) and forces (eV/A, flat like the batch positions, or null).</summary>
public sealed record BatchPrediction(double[] Energies, double[]? Forces);

/// <summary>
/// Predictions of a potential for every cluster of a batch over all cores, through the foundation's
/// <see cref="BatchEvaluator"/> (chunks of about 4096 beads, one evaluator per worker thread; results
/// bit-for-bit independent of the thread count).
/// </summary>
public static class BatchPredictor
{
    /// <param name="progress">Called with (clusters done, total) from worker threads, roughly once per chunk.</param>
    public static BatchPrediction Predict(IPotential potential, ClusterBatch batch, bool forces = true,
        Action<long, long>? progress = null, int maxThreads = -1, CancellationToken cancel = default)
    {
        var energies = new double[batch.ClusterCount];
        var f = forces ? new double[batch.Positions.Length] : null;
        new BatchEvaluator(potential, maxThreads).Evaluate(batch, energies, f, progress, cancel);
        return new BatchPrediction(energies, f);
    }
}
