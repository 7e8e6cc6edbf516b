using System.Buffers;
using AlHpc.Network;
using AlHpc.OpenCL.Native;

namespace AlHpc.OpenCL.Workloads;

/// <summary>
/// <see cref="IJacobianBuilder"/> on an OpenCL device: the training set's raw descriptors and scaling stay on
/// the device (uploaded once by <see cref="SetData"/>); each <see cref="Compute"/> uploads only the weights and
/// the row list, runs the network forward/backward over the rows' atoms (plus the isolated atom), then one
/// work-item per Jacobian entry sums the per-atom weight gradients (kernels/network.cl). Optionally forms the
/// batch-space normal matrix J J^T on the device (<see cref="ComputeNormalMatrix"/>).
/// </summary>
internal sealed class OpenClJacobian : IJacobianBuilder
{
    private readonly ClDeviceContext _ctx;
    private readonly NeuralNetwork _arch;
    private readonly ClKernel _net, _jac, _pred, _jjt;
    private readonly ClBuffer _g, _offsets, _mean, _invStd, _w, _rows, _rowStart, _out, _atomE, _act, _delta, _J, _P, _A, _dummy;
    private readonly int _total;
    private int _f, _structures;

    public OpenClJacobian(ClDeviceContext ctx, Descriptors.DescriptorSetup setup, NeuralNetwork architecture)
    {
        _ctx = ctx;
        _arch = architecture;
        var prog = ctx.GetProgram(["common.cl", "descriptors.cl", "network.cl"], NetworkDefines.For(setup, architecture));
        _net = prog.Kernel("network_atoms");
        _jac = prog.Kernel("jacobian_rows");
        _pred = prog.Kernel("row_predictions");
        _jjt = prog.Kernel("jjt");
        _total = architecture.LayerSizes.Sum();
        _f = setup.Count;
        _g = ctx.CreateBuffer(8); _offsets = ctx.CreateBuffer(8); _mean = ctx.CreateBuffer(8); _invStd = ctx.CreateBuffer(8);
        _w = ctx.CreateBuffer((long)ctx.RealSize * architecture.WeightCount);
        _rows = ctx.CreateBuffer(8); _rowStart = ctx.CreateBuffer(8); _out = ctx.CreateBuffer(8); _atomE = ctx.CreateBuffer(8);
        _act = ctx.CreateBuffer(8); _delta = ctx.CreateBuffer(8); _J = ctx.CreateBuffer(8); _P = ctx.CreateBuffer(8); _A = ctx.CreateBuffer(8);
        _dummy = ctx.CreateBuffer(16);
    }

    /// <summary>Rows of the last <see cref="Compute"/> (the Jacobian stays on the device for <see cref="ComputeNormalMatrix"/>).</summary>
    public int LastRowCount { get; private set; }

    public void SetData(ReadOnlySpan<double> rawDescriptors, int[] offsets, int featureCount, double[] mean, double[] std)
    {
        if (featureCount != _arch.InputCount) throw new ArgumentException("feature count differs from the network's inputs");
        _f = featureCount;
        _structures = offsets.Length - 1;
        _g.EnsureCapacity((long)_ctx.RealSize * Math.Max(1, rawDescriptors.Length));
        _ctx.WriteReal(_g, rawDescriptors);
        _offsets.EnsureCapacity(4L * offsets.Length);
        _offsets.Write<int>(offsets);
        _mean.EnsureCapacity((long)_ctx.RealSize * _f);
        _invStd.EnsureCapacity((long)_ctx.RealSize * _f);
        _ctx.WriteReal(_mean, mean);
        _ctx.WriteReal(_invStd, std.Select(s => 1.0 / s).ToArray());
        HostOffsets = offsets;
    }

    private int[] HostOffsets { get; set; } = [0];

    public void Compute(NeuralNetwork net, ReadOnlySpan<int> rows, bool anchor, Span<double> predictions, Span<double> jacobian)
    {
        if (!net.LayerSizes.SequenceEqual(_arch.LayerSizes) || !net.Activations.SequenceEqual(_arch.Activations))
            throw new ArgumentException("network architecture differs from the one the Jacobian kernels were built for");
        int m = rows.Length, p = net.WeightCount;
        LastRowCount = m;
        if (m == 0) return;
        var rowStart = ArrayPool<int>.Shared.Rent(m + 1);
        try
        {
            rowStart[0] = 0;
            for (int k = 0; k < m; k++)
            {
                int s = rows[k];
                if ((uint)s >= (uint)_structures) throw new ArgumentOutOfRangeException(nameof(rows), $"structure {s} out of range");
                rowStart[k + 1] = rowStart[k] + HostOffsets[s + 1] - HostOffsets[s];
            }
            int slots = rowStart[m];
            _rows.EnsureCapacity(4L * m);
            _rows.Write(rows);
            _rowStart.EnsureCapacity(4L * (m + 1));
            _rowStart.Write<int>(rowStart.AsSpan(0, m + 1));
            _ctx.WriteReal(_w, net.WeightStorage);
            bool wantJ = !jacobian.IsEmpty;
            _out.EnsureCapacity((long)_ctx.RealSize * (slots + 1));
            _atomE.EnsureCapacity((long)_ctx.AccSize * (slots + 1));
            if (wantJ)
            {
                _act.EnsureCapacity((long)_ctx.RealSize * (slots + 1) * _total);
                _delta.EnsureCapacity((long)_ctx.RealSize * (slots + 1) * _total);
                _J.EnsureCapacity((long)_ctx.AccSize * m * p);
            }
            _P.EnsureCapacity((long)_ctx.AccSize * m);
            _net.Arg(0, slots).Arg(1, 1).Arg(2, 1).Arg(3, _rowStart).Arg(4, _rows).Arg(5, _offsets).Arg(6, m)
                .Arg(7, _g).Arg(8, _mean).Arg(9, _invStd).Arg(10, _w).ArgReal(11, 1.0).ArgReal(12, 0.0)
                .Arg(13, 0).Arg(14, wantJ ? 1 : 0).Arg(15, _out).Arg(16, _atomE).Arg(17, _dummy)
                .Arg(18, wantJ ? _act : _dummy).Arg(19, wantJ ? _delta : _dummy);
            _net.Launch(slots + 1);
            _pred.Arg(0, m).Arg(1, slots).Arg(2, anchor ? 1 : 0).Arg(3, _rowStart).Arg(4, _out).Arg(5, _P);
            _pred.Launch(m);
            if (wantJ)
            {
                _jac.Arg(0, m).Arg(1, slots).Arg(2, anchor ? 1 : 0).Arg(3, _rowStart).Arg(4, _act).Arg(5, _delta).Arg(6, _J);
                _jac.Launch((long)m * p);
                _ctx.ReadAcc(_J, jacobian[..(m * p)]);
            }
            _ctx.ReadAcc(_P, predictions[..m]);
        }
        finally { ArrayPool<int>.Shared.Return(rowStart); }
    }

    /// <summary>
    /// After <see cref="Compute"/> with a Jacobian: the batch-space normal matrix A = J J^T (m x m, full,
    /// row-major) formed on the device from the Jacobian still there.
    /// </summary>
    public void ComputeNormalMatrix(Span<double> a)
    {
        int m = LastRowCount;
        if (a.Length < m * m) throw new ArgumentException("normal matrix needs m*m values", nameof(a));
        _A.EnsureCapacity((long)_ctx.AccSize * m * m);
        _jjt.Arg(0, m).Arg(1, _arch.WeightCount).Arg(2, _J).Arg(3, _A);
        _jjt.Launch((long)m * m);
        _ctx.ReadAcc(_A, a[..(m * m)]);
        for (int k = 0; k < m; k++)
            for (int j = k + 1; j < m; j++) a[k * m + j] = a[j * m + k];
    }

    public void Dispose()
    {
        foreach (var b in new[] { _g, _offsets, _mean, _invStd, _w, _rows, _rowStart, _out, _atomE, _act, _delta, _J, _P, _A, _dummy }) b.Dispose();
    }
}
