using System.Collections.Concurrent;

namespace AlHpc.Structures;

/// <summary>Work on the clusters [<c>from</c>, <c>to</c>) of a batch with one worker (a thread's evaluator or engine).</summary>
internal interface IClusterRangeWork<in TWorker>
{
    void Run(TWorker worker, int from, int to);
}

/// <summary>
/// The one rule by which AlHpc spreads work over the clusters of a <see cref="ClusterBatch"/>: clusters are
/// grouped into chunks of about <see cref="DefaultBeadsPerChunk"/> beads (each cluster counts its beads plus
/// <see cref="ClusterOverhead"/>), so many tiny clusters share a work item and a 200-molecule cluster gets one
/// of its own; each worker thread draws a worker object (evaluator, descriptor engine) from a pool kept by the
/// caller between calls and runs whole chunks with it. Every cluster is computed by the same code whatever the
/// thread count, so results are bit-for-bit identical for any degree of parallelism. A degree of 1 runs
/// serially on the calling thread. The work is a struct (<see cref="IClusterRangeWork{TWorker}"/>), so the
/// per-cluster path has no delegate call and no allocation. (CommunityToolkit's <c>ParallelHelper</c> has no
/// bound on the thread count, which `--threads` needs, so Parallel.For carries the chunks.)
/// </summary>
internal static class ClusterParallel
{
    /// <summary>Target beads per work item.</summary>
    public const int DefaultBeadsPerChunk = 4096;

    /// <summary>Beads that a cluster counts for on top of its own (per-cluster set-up cost).</summary>
    public const int ClusterOverhead = 8;

    /// <summary>Chunk boundaries (cluster indices, first 0, last batch.ClusterCount).</summary>
    public static int[] Chunks(ClusterBatch batch, int beadsPerChunk = DefaultBeadsPerChunk)
    {
        if (beadsPerChunk < 1) throw new ArgumentOutOfRangeException(nameof(beadsPerChunk), "at least one bead per chunk");
        var b = new List<int> { 0 };
        int nc = batch.ClusterCount;
        int acc = 0;
        for (int c = 0; c < nc; c++)
        {
            acc += batch.SizeOf(c) + ClusterOverhead;
            if (acc >= beadsPerChunk) { b.Add(c + 1); acc = 0; }
        }
        if (b[^1] != nc) b.Add(nc);
        return b.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="work"/> over every cluster of <paramref name="batch"/>. Workers come from
    /// <paramref name="pool"/> (made by <paramref name="create"/> when it is empty) and go back to it.
    /// <paramref name="progress"/> receives (clusters done, total) after each chunk, from worker threads.
    /// </summary>
    /// <param name="maxDegreeOfParallelism">Worker threads; -1 or 0: all cores; 1: serially on the caller.</param>
    public static void For<TWorker, TWork>(ClusterBatch batch, TWork work, ConcurrentBag<TWorker> pool, Func<TWorker> create,
        int maxDegreeOfParallelism = -1, Action<long, long>? progress = null, int beadsPerChunk = DefaultBeadsPerChunk,
        CancellationToken cancellationToken = default)
        where TWork : struct, IClusterRangeWork<TWorker>
    {
        int nc = batch.ClusterCount;
        if (nc == 0) return;
        var chunks = Chunks(batch, beadsPerChunk);
        long done = 0;
        if (maxDegreeOfParallelism == 1)
        {
            var w = pool.TryTake(out var got) ? got : create();
            try
            {
                for (int c = 0; c < chunks.Length - 1; c++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    work.Run(w, chunks[c], chunks[c + 1]);
                    done += chunks[c + 1] - chunks[c];
                    progress?.Invoke(done, nc);
                }
            }
            finally { pool.Add(w); }
            return;
        }
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = maxDegreeOfParallelism <= 0 ? -1 : maxDegreeOfParallelism,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, chunks.Length - 1, options,
            () => pool.TryTake(out var got) ? got : create(),
            (c, _, w) =>
            {
                work.Run(w, chunks[c], chunks[c + 1]);
                if (progress != null) progress(Interlocked.Add(ref done, chunks[c + 1] - chunks[c]), nc);
                return w;
            },
            pool.Add);
    }
}
