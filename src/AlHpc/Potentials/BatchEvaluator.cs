using System.Collections.Concurrent;
using AlHpc.Structures;

namespace AlHpc.Potentials;

/// <summary>
/// Evaluates any <see cref="IPotential"/> over a <see cref="ClusterBatch"/> on all cores: clusters are grouped
/// into chunks of similar total bead count, each worker thread owns one evaluator (its own workspace), and
/// every cluster is computed by exactly the same code whatever the thread count, so results are bit-for-bit
/// identical for any degree of parallelism. Units: eV, eV/A. Evaluators are pooled in the instance, so reuse
/// one BatchEvaluator for repeated calls (thread safe: concurrent calls draw different evaluators).
/// </summary>
public sealed class BatchEvaluator
{
    private readonly IPotential _potential;
    private readonly ConcurrentBag<IPotentialEvaluator> _pool = new(); // evaluators (and their grown buffers) reused across calls

    /// <param name="potential">The model.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads; -1 (default) uses all cores, 1 runs serially on the caller.</param>
    public BatchEvaluator(IPotential potential, int maxDegreeOfParallelism = -1)
    {
        _potential = potential;
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    public int MaxDegreeOfParallelism { get; }

    /// <summary>Target beads per work item (small clusters are batched so scheduling costs stay negligible).</summary>
    public int BeadsPerChunk { get; init; } = 4096;

    /// <summary>
    /// Energies (eV, one per cluster) into <paramref name="energies"/> and, when given, forces (eV/A, laid out as
    /// batch.Positions) into <paramref name="forces"/>. <paramref name="progress"/> receives (clusters done, total)
    /// from worker threads, at most once per chunk.
    /// </summary>
    public void Evaluate(ClusterBatch batch, double[] energies, double[]? forces = null,
        Action<long, long>? progress = null, CancellationToken cancellationToken = default)
    {
        int nc = batch.ClusterCount;
        if (energies.Length != nc) throw new ArgumentException("one energy per cluster", nameof(energies));
        if (forces != null && forces.Length != batch.Positions.Length) throw new ArgumentException("forces must have the length of batch.Positions", nameof(forces));
        var chunks = MakeChunks(batch, BeadsPerChunk);
        long done = 0;
        if (MaxDegreeOfParallelism == 1)
        {
            var ev = Rent();
            try
            {
                for (int c = 0; c < chunks.Length - 1; c++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    RunChunk(ev, batch, chunks[c], chunks[c + 1], energies, forces);
                    done += chunks[c + 1] - chunks[c];
                    progress?.Invoke(done, nc);
                }
            }
            finally { _pool.Add(ev); }
            return;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, chunks.Length - 1, options,
            Rent,
            (c, _, ev) =>
            {
                RunChunk(ev, batch, chunks[c], chunks[c + 1], energies, forces);
                long d = Interlocked.Add(ref done, chunks[c + 1] - chunks[c]);
                progress?.Invoke(d, nc);
                return ev;
            },
            _pool.Add);
    }

    private IPotentialEvaluator Rent() => _pool.TryTake(out var ev) ? ev : _potential.CreateEvaluator();

    /// <summary>Labels the batch in place: fills batch.Energies and, when <paramref name="withForces"/>, batch.Forces (allocated if null).</summary>
    public void Label(ClusterBatch batch, bool withForces, Action<long, long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (withForces && batch.Forces == null) batch.Forces = new double[batch.Positions.Length];
        Evaluate(batch, batch.Energies, withForces ? batch.Forces : null, progress, cancellationToken);
    }

    private static void RunChunk(IPotentialEvaluator ev, ClusterBatch batch, int from, int to, double[] energies, double[]? forces)
    {
        for (int c = from; c < to; c++)
        {
            int o = batch.Offsets[c], n = batch.Offsets[c + 1] - o;
            var f = forces == null ? Span<double>.Empty : forces.AsSpan(3 * o, 3 * n);
            energies[c] = ev.Compute(batch.Positions.AsSpan(3 * o, 3 * n), f, Span<double>.Empty);
        }
    }

    /// <summary>Chunk boundaries (cluster indices) with about <paramref name="beads"/> beads each.</summary>
    private static int[] MakeChunks(ClusterBatch batch, int beads)
    {
        var b = new List<int> { 0 };
        int nc = batch.ClusterCount;
        int acc = 0;
        for (int c = 0; c < nc; c++)
        {
            acc += batch.SizeOf(c) + 8; // + per-cluster overhead
            if (acc >= beads) { b.Add(c + 1); acc = 0; }
        }
        if (b[^1] != nc) b.Add(nc);
        return b.ToArray();
    }
}
