using System.Buffers;
using AlHpc.OpenCL.Native;
using AlHpc.Structures;

namespace AlHpc.OpenCL.Workloads;

/// <summary>
/// Device copy of a ragged <see cref="ClusterBatch"/> (positions, offsets) and its per-atom neighbour
/// lists (fixed stride, all-pairs within each cluster; clusters hold 1-200 beads). Buffers grow only.
/// The stride starts at 32 and grows when a launch reports more neighbours (the workload reruns).
/// </summary>
internal sealed class ClBatchGeometry : IDisposable
{
    private readonly ClDeviceContext _ctx;
    private readonly ClKernel _nlist;
    private readonly int[] _maxCount = new int[1];

    public ClBatchGeometry(ClDeviceContext ctx)
    {
        _ctx = ctx;
        _nlist = ctx.GetProgram(["common.cl"]).Kernel("neighbour_list");
        Offsets = ctx.CreateBuffer(4 * 64);
        Positions = ctx.CreateBuffer(ctx.RealSize * 3 * 64);
        NeighbourCount = ctx.CreateBuffer(4 * 64);
        Neighbours = ctx.CreateBuffer(4 * 64 * Stride);
        MaxCount = ctx.CreateBuffer(4);
    }

    public ClBuffer Offsets { get; }
    public ClBuffer Positions { get; }
    public ClBuffer NeighbourCount { get; }
    public ClBuffer Neighbours { get; }
    public ClBuffer MaxCount { get; }

    /// <summary>Neighbour slots per atom.</summary>
    public int Stride { get; private set; } = 32;

    public int AtomCount { get; private set; }
    public int ClusterCount { get; private set; }
    public double Cutoff { get; private set; }

    /// <summary>Uploads positions (A) and offsets (host to device copies: the transfer cost).</summary>
    public void Upload(ClusterBatch batch) => Upload(batch, 0, batch.ClusterCount);

    /// <summary>Uploads clusters <paramref name="first"/> .. <paramref name="end"/>-1 (offsets rebased to 0, pooled staging).</summary>
    public void Upload(ClusterBatch batch, int first, int end)
    {
        int a0 = batch.Offsets[first], a1 = batch.Offsets[end];
        AtomCount = a1 - a0;
        ClusterCount = end - first;
        AtomOffset = a0;
        var off = ArrayPool<int>.Shared.Rent(ClusterCount + 1);
        try
        {
            for (int c = 0; c <= ClusterCount; c++) off[c] = batch.Offsets[first + c] - a0;
            Offsets.EnsureCapacity(4L * (ClusterCount + 1));
            Offsets.Write<int>(off.AsSpan(0, ClusterCount + 1));
        }
        finally { ArrayPool<int>.Shared.Return(off); }
        Positions.EnsureCapacity((long)_ctx.RealSize * 3 * Math.Max(1, AtomCount));
        _ctx.WriteReal(Positions, batch.Positions.AsSpan(3 * a0, 3 * AtomCount));
    }

    /// <summary>Global index (in the host batch) of the first uploaded atom.</summary>
    public int AtomOffset { get; private set; }

    /// <summary>
    /// Splits a batch into launches of at most <paramref name="maxAtoms"/> atoms (whole clusters; a single larger
    /// cluster gets its own launch). Returns cluster boundaries.
    /// </summary>
    public static List<int> Chunks(ClusterBatch batch, long maxAtoms)
    {
        var b = new List<int> { 0 };
        int start = 0;
        for (int c = 0; c < batch.ClusterCount; c++)
            if (batch.Offsets[c + 1] - batch.Offsets[start] > maxAtoms && c > start) { b.Add(c); start = c; }
        b.Add(batch.ClusterCount);
        return b;
    }

    /// <summary>
    /// Atoms per launch so that the largest per-atom buffer (<paramref name="bytesPerAtom"/>) stays within a
    /// quarter of the device's largest allocation, capped at 2^18 atoms (progress granularity).
    /// </summary>
    public long MaxAtomsPerLaunch(long bytesPerAtom) =>
        LaunchAtomLimit ?? Math.Clamp(_ctx.Device.MaxAllocationBytes / 4 / Math.Max(1, bytesPerAtom), 1024, 1 << 18);

    /// <summary>Overrides <see cref="MaxAtomsPerLaunch"/> (tests: force several launches on a small batch).</summary>
    internal long? LaunchAtomLimit { get; set; }

    /// <summary>Enqueues the neighbour-list kernel for the uploaded batch within <paramref name="cutoff"/> (A).</summary>
    public void EnqueueNeighbours(double cutoff)
    {
        Cutoff = cutoff;
        NeighbourCount.EnsureCapacity(4L * Math.Max(1, AtomCount));
        Neighbours.EnsureCapacity(4L * Math.Max(1, AtomCount) * Stride);
        _maxCount[0] = 0;
        MaxCount.Write<int>(_maxCount);
        _nlist.Arg(0, AtomCount).Arg(1, ClusterCount).Arg(2, Offsets).Arg(3, Positions).ArgReal(4, cutoff)
              .Arg(5, Stride).Arg(6, NeighbourCount).Arg(7, Neighbours).Arg(8, MaxCount);
        _nlist.Launch(AtomCount);
    }

    /// <summary>
    /// After the workload's kernels: reads the largest neighbour count. When it exceeded the stride,
    /// grows the stride and returns false (the caller reruns the neighbour list and its kernels).
    /// </summary>
    public bool CheckStride()
    {
        MaxCount.Read<int>(_maxCount);
        if (_maxCount[0] <= Stride) return true;
        Stride = (_maxCount[0] + 15) / 16 * 16;
        return false;
    }

    /// <summary>Copies the neighbour lists back (for tests): counts and a stride-padded index array (global atom indices).</summary>
    public (int[] Count, int[] Index) ReadNeighbours()
    {
        var n = new int[AtomCount];
        var idx = new int[AtomCount * Stride];
        NeighbourCount.Read<int>(n);
        Neighbours.Read<int>(idx);
        return (n, idx);
    }

    public void Dispose()
    {
        Offsets.Dispose(); Positions.Dispose(); NeighbourCount.Dispose(); Neighbours.Dispose(); MaxCount.Dispose();
    }
}
