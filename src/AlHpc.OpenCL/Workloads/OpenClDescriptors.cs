using AlHpc.Descriptors;
using AlHpc.OpenCL.Native;
using AlHpc.Structures;

namespace AlHpc.OpenCL.Workloads;

/// <summary>
/// G2/G5 descriptors of every atom of a <see cref="ClusterBatch"/> on the device (kernels/descriptors.cl),
/// values and, for checks, full position derivatives. The network evaluator uses the same kernels and
/// keeps values on the device.
/// </summary>
internal sealed class OpenClDescriptors : IDisposable
{
    private readonly ClDeviceContext _ctx;
    private readonly ClKernel _values, _derivs;
    private readonly ClBuffer _funcs, _g, _selfD, _pairD;

    public OpenClDescriptors(ClDeviceContext ctx, DescriptorSetup setup)
    {
        _ctx = ctx;
        Setup = setup;
        var prog = ctx.GetProgram(["common.cl", "descriptors.cl"], NetworkDefines.For(setup, null));
        _values = prog.Kernel("descriptor_values");
        _derivs = prog.Kernel("descriptor_derivatives");
        Geometry = new ClBatchGeometry(ctx);
        var table = NetworkDefines.FunctionTable(setup);
        _funcs = ctx.CreateBuffer((long)ctx.RealSize * table.Length);
        ctx.WriteReal(_funcs, table);
        _g = ctx.CreateBuffer(8);
        _selfD = ctx.CreateBuffer(8);
        _pairD = ctx.CreateBuffer(8);
    }

    public DescriptorSetup Setup { get; }
    public ClBatchGeometry Geometry { get; }
    internal ClBuffer FunctionTable => _funcs;
    internal ClBuffer Values => _g;

    /// <summary>Enqueues neighbour lists and descriptor values of the uploaded batch (device buffer <see cref="Values"/>).</summary>
    internal void EnqueueValues()
    {
        int n = Geometry.AtomCount;
        _g.EnsureCapacity((long)_ctx.RealSize * Math.Max(1, n + 1) * Setup.Count);
        Geometry.EnqueueNeighbours(Setup.Cutoff);
        _values.Arg(0, n).Arg(1, Geometry.Stride).Arg(2, Geometry.Positions).Arg(3, Geometry.NeighbourCount).Arg(4, Geometry.Neighbours)
               .Arg(5, _funcs).Arg(6, _g);
        _values.Launch(n);
    }

    /// <summary>Raw descriptors (atoms x Setup.Count, row-major, batch atom order).</summary>
    public void ComputeValues(ClusterBatch batch, Span<double> values)
    {
        Geometry.Upload(batch);
        do EnqueueValues(); while (!Geometry.CheckStride());
        _ctx.ReadReal(_g, values[..(batch.AtomCount * Setup.Count)]);
    }

    /// <summary>
    /// Values and derivatives. Returns, per atom a: self[a][f][c] = dG_{a,f}/dr_{a,c} and, for each neighbour
    /// (count[a] of them, global atom indices index[a*stride + q]), pair[(a*stride+q)][f][c] = dG_{a,f}/dr_{j,c}.
    /// </summary>
    public (double[] Self, double[] Pair, int[] Count, int[] Index, int Stride) ComputeDerivatives(ClusterBatch batch, Span<double> values)
    {
        Geometry.Upload(batch);
        int n = batch.AtomCount, nf = Setup.Count;
        while (true)
        {
            EnqueueValues();
            int stride = Geometry.Stride;
            _selfD.EnsureCapacity((long)_ctx.AccSize * n * nf * 3);
            _pairD.EnsureCapacity((long)_ctx.AccSize * n * stride * nf * 3);
            _derivs.Arg(0, n).Arg(1, stride).Arg(2, Geometry.Positions).Arg(3, Geometry.NeighbourCount).Arg(4, Geometry.Neighbours)
                   .Arg(5, _funcs).Arg(6, _selfD).Arg(7, _pairD);
            _derivs.Launch(n);
            if (Geometry.CheckStride()) break;
        }
        _ctx.ReadReal(_g, values[..(n * nf)]);
        var self = new double[n * nf * 3];
        var pair = new double[n * Geometry.Stride * nf * 3];
        _ctx.ReadAcc(_selfD, self);
        _ctx.ReadAcc(_pairD, pair);
        var (count, index) = Geometry.ReadNeighbours();
        return (self, pair, count, index, Geometry.Stride);
    }

    public void Dispose()
    {
        Geometry.Dispose();
        _funcs.Dispose(); _g.Dispose(); _selfD.Dispose(); _pairD.Dispose();
    }
}
