using AlHpc.OpenCL.Native;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.OpenCL.Workloads;

/// <summary>
/// Tersoff (LAMMPS pair_style tersoff, one element; ML-BOP) energies (eV) and forces (eV/A) of a whole
/// <see cref="ClusterBatch"/> in one launch per kernel: neighbour lists, per-atom terms, per-cluster sums,
/// force gather. The kernel is kernels/tersoff.cl. Not thread safe; device buffers are reused (grow only).
/// </summary>
internal sealed class OpenClTersoff : IBatchEnergyEvaluator
{
    private readonly ClDeviceContext _ctx;
    private readonly ClBatchGeometry _geo;
    private readonly ClKernel _atoms, _sum, _gather;
    private readonly ClBuffer _par, _atomE, _selfGrad, _pairGrad, _clusterE, _forces;

    /// <param name="ctx">Device context (not owned).</param>
    /// <param name="parameters">14 values in LAMMPS order: m gamma lambda3 c d costheta0 n beta lambda2 B R D lambda1 A.</param>
    public OpenClTersoff(ClDeviceContext ctx, ReadOnlySpan<double> parameters)
    {
        if (parameters.Length != 14) throw new ArgumentException("Tersoff needs 14 parameters (LAMMPS order)", nameof(parameters));
        _ctx = ctx;
        Parameters = parameters.ToArray();
        Cutoff = Parameters[10] + Parameters[11];
        var prog = ctx.GetProgram(["common.cl", "tersoff.cl"]);
        _atoms = prog.Kernel("tersoff_atoms");
        _sum = prog.Kernel("cluster_sum");
        _gather = prog.Kernel("gather_forces");
        _geo = new ClBatchGeometry(ctx);
        _par = ctx.CreateBuffer(ctx.RealSize * 14L);
        ctx.WriteReal(_par, Parameters);
        _atomE = ctx.CreateBuffer(8);
        _selfGrad = ctx.CreateBuffer(8);
        _pairGrad = ctx.CreateBuffer(8);
        _clusterE = ctx.CreateBuffer(8);
        _forces = ctx.CreateBuffer(8);
    }

    /// <summary>The same potential as the CPU path's <see cref="TersoffPotential"/>.</summary>
    public OpenClTersoff(ClDeviceContext ctx, TersoffParameters p)
        : this(ctx, [p.M, p.Gamma, p.Lambda3, p.C, p.D, p.CosTheta0, p.N, p.Beta, p.Lambda2, p.B, p.R, p.BigD, p.Lambda1, p.A])
    {
        Species = [p.Element];
    }

    /// <summary>The one species (the parameters' element) every atom of a batch must be; null (raw parameters): unchecked.</summary>
    public IReadOnlyList<string>? Species { get; }

    public string DeviceDescription => $"OpenCL {_ctx.Device.Spec} {_ctx.Device.Name} ({_ctx.Precision.ToString().ToLowerInvariant()})";

    void IBatchEnergyEvaluator.Evaluate(ClusterBatch batch, double[] energies, double[]? forces, Action<long, long>? progress) => Evaluate(batch, energies, forces, progress);

    /// <summary>The 14 parameters in LAMMPS order.</summary>
    public double[] Parameters { get; }

    /// <summary>R + D (A).</summary>
    public double Cutoff { get; }

    public ClBatchGeometry Geometry => _geo;

    /// <summary>
    /// Energies (eV, one per cluster) and, when <paramref name="forces"/> is not empty, forces (eV/A,
    /// flat like batch.Positions) of every cluster of the batch.
    /// </summary>
    /// <param name="progress">Called with (clusters done, total) after each launch group (batches above ~2^18 atoms are split).</param>
    public void Evaluate(ClusterBatch batch, Span<double> energies, Span<double> forces, Action<long, long>? progress = null)
    {
        if (energies.Length < batch.ClusterCount) throw new ArgumentException("one energy per cluster", nameof(energies));
        if (!forces.IsEmpty && forces.Length < batch.Positions.Length) throw new ArgumentException("forces too short", nameof(forces));
        if (Species != null) SpeciesTable.TypesIn(batch, Species);
        if (batch.ClusterCount == 0) return;
        var chunks = ClBatchGeometry.Chunks(batch, _geo.MaxAtomsPerLaunch(3L * _ctx.AccSize * _geo.Stride));
        for (int k = 0; k + 1 < chunks.Count; k++)
        {
            int c0 = chunks[k], c1 = chunks[k + 1], a0 = batch.Offsets[c0], a1 = batch.Offsets[c1];
            _geo.Upload(batch, c0, c1);
            EvaluateUploaded(energies[c0..c1], forces.IsEmpty ? forces : forces[(3 * a0)..(3 * a1)]);
            progress?.Invoke(c1, batch.ClusterCount);
        }
    }

    private void EvaluateUploaded(Span<double> energies, Span<double> forces)
    {
        int n = _geo.AtomCount, nc = _geo.ClusterCount;
        while (true)
        {
            int stride = _geo.Stride;
            _atomE.EnsureCapacity((long)_ctx.AccSize * n);
            _selfGrad.EnsureCapacity((long)_ctx.AccSize * 3 * n);
            _pairGrad.EnsureCapacity((long)_ctx.AccSize * 3 * n * stride);
            _clusterE.EnsureCapacity((long)_ctx.AccSize * nc);
            _forces.EnsureCapacity((long)_ctx.AccSize * 3 * n);
            _geo.EnqueueNeighbours(Cutoff);
            _atoms.Arg(0, n).Arg(1, stride).Arg(2, _geo.Positions).Arg(3, _geo.NeighbourCount).Arg(4, _geo.Neighbours)
                  .Arg(5, _par).Arg(6, _atomE).Arg(7, _selfGrad).Arg(8, _pairGrad);
            _atoms.Launch(n);
            _sum.Arg(0, nc).Arg(1, _geo.Offsets).Arg(2, _atomE).Arg(3, _clusterE);
            _sum.Launch(nc);
            if (!forces.IsEmpty)
            {
                _gather.Arg(0, n).Arg(1, stride).Arg(2, _geo.NeighbourCount).Arg(3, _geo.Neighbours)
                       .Arg(4, _selfGrad).Arg(5, _pairGrad).Arg(6, _forces);
                _gather.Launch(n);
            }
            if (_geo.CheckStride()) break;
        }
        _ctx.ReadAcc(_clusterE, energies[..nc]);
        if (!forces.IsEmpty) _ctx.ReadAcc(_forces, forces[..(3 * n)]);
    }

    public void Dispose()
    {
        _geo.Dispose();
        _par.Dispose(); _atomE.Dispose(); _selfGrad.Dispose(); _pairGrad.Dispose(); _clusterE.Dispose(); _forces.Dispose();
    }
}
