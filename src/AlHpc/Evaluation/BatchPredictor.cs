using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Evaluation;

/// <summary>Predicted energies (eV, one per cluster) and forces (eV/A, flat like the batch positions, or null).</summary>
public sealed record BatchPrediction(double[] Energies, double[]? Forces);

/// <summary>
/// Evaluates a potential on every cluster of a batch over all cores: clusters are cut into blocks of
/// about <see cref="AtomsPerBlock"/> atoms, each worker thread owns one <see cref="IPotentialEvaluator"/>
/// and takes blocks in turn. Results land at fixed indices, so they do not depend on the thread count.
/// </summary>
public static class BatchPredictor
{
    /// <summary>Target atoms per scheduled block (small clusters are grouped, not scheduled one by one).</summary>
    public const int AtomsPerBlock = 4096;

    /// <param name="progress">Called with (clusters done, total) from worker threads, roughly once per block.</param>
    public static BatchPrediction Predict(IPotential potential, ClusterBatch batch, bool forces = true,
        Action<long, long>? progress = null, int maxThreads = -1, CancellationToken cancel = default)
    {
        int n = batch.ClusterCount;
        var energies = new double[n];
        var f = forces ? new double[batch.Positions.Length] : null;
        var blocks = MakeBlocks(batch.Offsets, AtomsPerBlock);
        long done = 0;
        var opts = new ParallelOptions { MaxDegreeOfParallelism = maxThreads > 0 ? maxThreads : Environment.ProcessorCount, CancellationToken = cancel };
        Parallel.For(0, blocks.Length - 1, opts,
            () => potential.CreateEvaluator(),
            (b, _, ev) =>
            {
                int[] off = batch.Offsets;
                for (int c = blocks[b]; c < blocks[b + 1]; c++)
                {
                    var pos = batch.PositionsOf(c);
                    var fs = f is null ? Span<double>.Empty : f.AsSpan(3 * off[c], pos.Length);
                    energies[c] = ev.Compute(pos, fs, Span<double>.Empty);
                }
                long d = Interlocked.Add(ref done, blocks[b + 1] - blocks[b]);
                progress?.Invoke(d, n);
                return ev;
            },
            ev => (ev as IDisposable)?.Dispose());
        return new BatchPrediction(energies, f);
    }

    /// <summary>Cluster index boundaries of blocks holding about <paramref name="atomsPerBlock"/> atoms each.</summary>
    internal static int[] MakeBlocks(int[] offsets, int atomsPerBlock)
    {
        var b = new List<int> { 0 };
        int n = offsets.Length - 1;
        int start = 0;
        for (int c = 0; c < n; c++)
        {
            if (offsets[c + 1] - offsets[start] >= atomsPerBlock) { b.Add(c + 1); start = c + 1; }
        }
        if (b[^1] != n) b.Add(n);
        return b.ToArray();
    }
}
