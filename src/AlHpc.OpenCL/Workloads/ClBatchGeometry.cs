using AlHpc.OpenCL.Native;
using AlHpc.Structures;

namespace AlHpc.OpenCL.Workloads;

/// <summary>
/// Device copy of a ragged <see cref="ClusterBatch"/> (positions, offsets) and its per-atom neighbour
/// lists (fixed stride, all-pairs within each cluster; clusters hold 1-200 beads). Buffers grow only.
/// The stride starts at 32 and grows when a launch reports more neighbours (the workload reruns).
/// </summary>
public sealed class ClBatchGeometry : IDisposable
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
    public void Upload(ClusterBatch batch)
    {
        AtomCount = batch.AtomCount;
        ClusterCount = batch.ClusterCount;
        Offsets.EnsureCapacity(4L * batch.Offsets.Length);
        Offsets.Write<int>(batch.Offsets);
        Positions.EnsureCapacity((long)_ctx.RealSize * batch.Positions.Length);
        _ctx.WriteReal(Positions, batch.Positions);
    }

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
