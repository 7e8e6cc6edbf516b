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

    /// <param name="setup">The symmetry functions.</param>
    /// <param name="allowVector">false: the scalar fallback of <see cref="DescriptorEngine"/>.</param>
    public BatchDescriptors(DescriptorSetup setup, bool allowVector = true) { Setup = setup; AllowVector = allowVector; }

    /// <summary>Whether the engines take the SIMD fast path where it applies.</summary>
    public bool AllowVector { get; }

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
        ClusterParallel.For(batch, new Work(batch, values, nf), _engines, () => new DescriptorEngine(Setup, AllowVector), maxDegreeOfParallelism);
    }

    private readonly struct Work(ClusterBatch batch, double[] values, int nf) : IClusterRangeWork<DescriptorEngine>
    {
        public void Run(DescriptorEngine eng, int from, int to)
        {
            for (int c = from; c < to; c++)
            {
                int o = batch.Offsets[c], n = batch.SizeOf(c);
                eng.ComputeValues(batch.PositionsOf(c), values.AsSpan(o * nf, n * nf));
            }
        }
    }
}
