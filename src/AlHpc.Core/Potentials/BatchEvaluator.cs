using System.Collections.Concurrent;
using AlHpc.Structures;

namespace AlHpc.Potentials;

/// <summary>
/// Evaluates any <see cref="IPotential"/> over a <see cref="ClusterBatch"/> on all cores by the one batching rule
/// (<see cref="ClusterParallel"/>): each worker thread owns one evaluator (its own workspace), and every cluster
/// is computed by exactly the same code whatever the thread count, so results are bit-for-bit identical for any
/// degree of parallelism. Units: eV, eV/A. Evaluators are pooled in the instance, so reuse
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
    public int BeadsPerChunk { get; init; } = ClusterParallel.DefaultBeadsPerChunk;

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
        var types = SpeciesTable.TypesIn(batch, _potential.Species); // the potential's type of every atom (checked)
        ClusterParallel.For(batch, new Work(batch, types, energies, forces), _pool, _potential.CreateEvaluator, MaxDegreeOfParallelism, progress, BeadsPerChunk, cancellationToken);
    }

    private readonly struct Work(ClusterBatch batch, int[] types, double[] energies, double[]? forces) : IClusterRangeWork<IPotentialEvaluator>
    {
        public void Run(IPotentialEvaluator ev, int from, int to)
        {
            for (int c = from; c < to; c++)
            {
                int o = batch.Offsets[c], n = batch.Offsets[c + 1] - o;
                var f = forces == null ? Span<double>.Empty : forces.AsSpan(3 * o, 3 * n);
                energies[c] = ev.Compute(types.AsSpan(o, n), batch.Positions.AsSpan(3 * o, 3 * n), f, Span<double>.Empty);
            }
        }
    }

    /// <summary>Labels the batch in place: fills batch.Energies and, when <paramref name="withForces"/>, batch.Forces (allocated if null).</summary>
    public void Label(ClusterBatch batch, bool withForces, Action<long, long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (withForces && batch.Forces == null) batch.Forces = new double[batch.Positions.Length];
        Evaluate(batch, batch.Energies, withForces ? batch.Forces : null, progress, cancellationToken);
    }
}
