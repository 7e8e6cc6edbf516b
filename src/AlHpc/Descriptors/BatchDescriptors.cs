using System.Collections.Concurrent;
using AlHpc.Structures;

namespace AlHpc.Descriptors;

/// <summary>
/// Descriptors for a whole <see cref="ClusterBatch"/> on all cores: one flat array of raw (unscaled)
/// values, atoms x FunctionCount, in batch order (row a = global atom index a = Offsets[c] + local index).
/// Keeps one <see cref="DescriptorEngine"/> per worker between calls (thread-safe; results do not depend
/// on the thread count).
/// </summary>
public sealed class BatchDescriptors
{
    private readonly ConcurrentBag<DescriptorEngine> _engines = new();

    public BatchDescriptors(DescriptorSetup setup) { Setup = setup; }

    public DescriptorSetup Setup { get; }
    public int FunctionCount => Setup.Count;

    /// <summary>New array of batch.AtomCount x FunctionCount values.</summary>
    public double[] ComputeValues(ClusterBatch batch, int maxDegreeOfParallelism = -1)
    {
        var v = new double[(long)batch.AtomCount * Setup.Count];
        ComputeValues(batch, v, maxDegreeOfParallelism);
        return v;
    }

    /// <summary>Fills <paramref name="values"/> (at least batch.AtomCount x FunctionCount).</summary>
    public void ComputeValues(ClusterBatch batch, double[] values, int maxDegreeOfParallelism = -1)
    {
        int nf = Setup.Count;
        if (values.Length < (long)batch.AtomCount * nf) throw new ArgumentException("values too short", nameof(values));
        int nc = batch.ClusterCount;
        if (nc == 0) return;
        // chunks of clusters of roughly equal atom counts (at least ~2000 atoms) so tiny clusters are grouped
        int chunk = Math.Max(1, (int)Math.Min(nc, 2000L * nc / Math.Max(1, batch.AtomCount)));
        var opts = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.ForEach(Partitioner.Create(0, nc, chunk), opts,
            () => Rent(),
            (range, _, eng) =>
            {
                for (int c = range.Item1; c < range.Item2; c++)
                {
                    int o = batch.Offsets[c], n = batch.SizeOf(c);
                    eng.ComputeValues(batch.PositionsOf(c), values.AsSpan(o * nf, n * nf));
                }
                return eng;
            },
            eng => _engines.Add(eng));
    }

    private DescriptorEngine Rent() => _engines.TryTake(out var e) ? e : new DescriptorEngine(Setup);
}
