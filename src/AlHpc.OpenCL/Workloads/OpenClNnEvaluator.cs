using AlHpc.Network;
using AlHpc.OpenCL.Native;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.OpenCL.Workloads;

/// <summary>
/// Energies (eV) and forces (eV/A) of an <see cref="NnModel"/> for a whole <see cref="ClusterBatch"/>:
/// neighbour lists, descriptors, network forward/backward per atom, force assembly (descriptor gradients
/// contracted with dE/dG, then a gather), per-cluster energy sums: six launches per batch whatever its size.
/// Atomic energy E_i = EnergyShift + NN(Ĝ_i)/EnergyScale (<see cref="NnModel"/>). The model's weights and
/// scaling are uploaded at construction and by <see cref="UpdateModel"/>. Not thread safe.
/// </summary>
internal sealed class OpenClNnEvaluator : IBatchEnergyEvaluator
{
    private readonly ClDeviceContext _ctx;
    private readonly OpenClDescriptors _desc;
    private readonly ClKernel _net, _forces, _gather, _sum;
    private readonly ClBuffer _mean, _invStd, _w, _out, _atomE, _dEdG, _selfGrad, _pairGrad, _clusterE, _f, _dummy;
    private double _escale, _eshift;

    public OpenClNnEvaluator(ClDeviceContext ctx, NnModel model)
    {
        _ctx = ctx;
        Model = model;
        var defs = NetworkDefines.For(model.Setup, model.Network);
        var prog = ctx.GetProgram(["common.cl", "descriptors.cl", "network.cl"], defs);
        _net = prog.Kernel("network_atoms");
        _forces = prog.Kernel("descriptor_forces");
        _gather = prog.Kernel("gather_forces");
        _sum = prog.Kernel("cluster_sum");
        _desc = new OpenClDescriptors(ctx, model.Setup);
        int nf = model.Setup.Count;
        _mean = ctx.CreateBuffer((long)ctx.RealSize * nf);
        _invStd = ctx.CreateBuffer((long)ctx.RealSize * nf);
        _w = ctx.CreateBuffer((long)ctx.RealSize * model.Network.WeightCount);
        _out = ctx.CreateBuffer(8); _atomE = ctx.CreateBuffer(8); _dEdG = ctx.CreateBuffer(8);
        _selfGrad = ctx.CreateBuffer(8); _pairGrad = ctx.CreateBuffer(8); _clusterE = ctx.CreateBuffer(8); _f = ctx.CreateBuffer(8);
        _dummy = ctx.CreateBuffer(16);
        UpdateModel(model);
    }

    public NnModel Model { get; private set; }

    public string DeviceDescription => $"OpenCL {_ctx.Device.Spec} {_ctx.Device.Name} ({_ctx.Precision.ToString().ToLowerInvariant()})";

    void IBatchEnergyEvaluator.Evaluate(ClusterBatch batch, double[] energies, double[]? forces, Action<long, long>? progress) => Evaluate(batch, energies, forces, default, progress);

    /// <summary>Uploads weights and scaling of a model with the same setup and architecture (e.g. after a training step).</summary>
    public void UpdateModel(NnModel model)
    {
        if (model.Setup.Count != Model.Setup.Count || !model.Network.LayerSizes.SequenceEqual(Model.Network.LayerSizes)
            || !model.Network.Activations.SequenceEqual(Model.Network.Activations))
            throw new ArgumentException("UpdateModel needs the same descriptor count and network architecture; create a new evaluator");
        Model = model;
        _ctx.WriteReal(_mean, model.DescriptorMean.AsSpan());
        _ctx.WriteReal(_invStd, model.DescriptorStd.Select(s => 1.0 / s).ToArray());
        _ctx.WriteReal(_w, model.Network.WeightStorage);
        _escale = model.EnergyScale;
        _eshift = model.EnergyShift;
    }

    /// <summary>
    /// Energies (eV, one per cluster) and, when <paramref name="forces"/> is not empty, forces (eV/A, flat
    /// like batch.Positions). <paramref name="atomEnergies"/> (optional) receives per-atom energies (eV).
    /// </summary>
    /// <param name="progress">Called with (clusters done, total) after each launch group (batches above ~2^18 atoms are split).</param>
    public void Evaluate(ClusterBatch batch, Span<double> energies, Span<double> forces, Span<double> atomEnergies = default, Action<long, long>? progress = null)
    {
        if (energies.Length < batch.ClusterCount) throw new ArgumentException("one energy per cluster", nameof(energies));
        if (!forces.IsEmpty && forces.Length < batch.Positions.Length) throw new ArgumentException("forces too short", nameof(forces));
        if (!atomEnergies.IsEmpty && atomEnergies.Length < batch.AtomCount) throw new ArgumentException("atomEnergies too short", nameof(atomEnergies));
        SpeciesTable.TypesIn(batch, [Model.Setup.Element]); // a single-species network: every atom must be its element
        if (batch.ClusterCount == 0) return;
        var geo = _desc.Geometry;
        long perAtom = Math.Max(3L * _ctx.AccSize * geo.Stride, (long)_ctx.RealSize * Model.Setup.Count);
        var chunks = ClBatchGeometry.Chunks(batch, geo.MaxAtomsPerLaunch(perAtom));
        for (int k = 0; k + 1 < chunks.Count; k++)
        {
            int c0 = chunks[k], c1 = chunks[k + 1], a0 = batch.Offsets[c0], a1 = batch.Offsets[c1];
            geo.Upload(batch, c0, c1);
            EvaluateUploaded(energies[c0..c1], forces.IsEmpty ? forces : forces[(3 * a0)..(3 * a1)], atomEnergies.IsEmpty ? atomEnergies : atomEnergies[a0..a1]);
            progress?.Invoke(c1, batch.ClusterCount);
        }
    }

    private void EvaluateUploaded(Span<double> energies, Span<double> forces, Span<double> atomEnergies)
    {
        var geo = _desc.Geometry;
        int n = geo.AtomCount, nc = geo.ClusterCount, nf = Model.Setup.Count;
        bool wantF = !forces.IsEmpty;
        while (true)
        {
            _desc.EnqueueValues();
            int stride = geo.Stride;
            _out.EnsureCapacity((long)_ctx.RealSize * (n + 1));
            _atomE.EnsureCapacity((long)_ctx.AccSize * (n + 1));
            _clusterE.EnsureCapacity((long)_ctx.AccSize * nc);
            if (wantF)
            {
                _dEdG.EnsureCapacity((long)_ctx.RealSize * n * nf);
                _selfGrad.EnsureCapacity((long)_ctx.AccSize * 3 * n);
                _pairGrad.EnsureCapacity((long)_ctx.AccSize * 3 * n * stride);
                _f.EnsureCapacity((long)_ctx.AccSize * 3 * n);
            }
            _net.Arg(0, n).Arg(1, 0).Arg(2, 0).Arg(3, _dummy).Arg(4, _dummy).Arg(5, geo.Offsets).Arg(6, 0)
                .Arg(7, _desc.Values).Arg(8, _mean).Arg(9, _invStd).Arg(10, _w).ArgReal(11, _escale).ArgReal(12, _eshift)
                .Arg(13, wantF ? 1 : 0).Arg(14, 0).Arg(15, _out).Arg(16, _atomE).Arg(17, wantF ? _dEdG : _dummy)
                .Arg(18, _dummy).Arg(19, _dummy);
            _net.Launch(n);
            _sum.Arg(0, nc).Arg(1, geo.Offsets).Arg(2, _atomE).Arg(3, _clusterE);
            _sum.Launch(nc);
            if (wantF)
            {
                _forces.Arg(0, n).Arg(1, stride).Arg(2, geo.Positions).Arg(3, geo.NeighbourCount).Arg(4, geo.Neighbours)
                       .Arg(5, _desc.FunctionTable).Arg(6, _dEdG).Arg(7, _selfGrad).Arg(8, _pairGrad);
                _forces.Launch(n);
                _gather.Arg(0, n).Arg(1, stride).Arg(2, geo.NeighbourCount).Arg(3, geo.Neighbours)
                       .Arg(4, _selfGrad).Arg(5, _pairGrad).Arg(6, _f);
                _gather.Launch(n);
            }
            if (geo.CheckStride()) break;
        }
        _ctx.ReadAcc(_clusterE, energies[..nc]);
        if (wantF) _ctx.ReadAcc(_f, forces[..(3 * n)]);
        if (!atomEnergies.IsEmpty) _ctx.ReadAcc(_atomE, atomEnergies[..n]);
    }

    public void Dispose()
    {
        _desc.Dispose();
        foreach (var b in new[] { _mean, _invStd, _w, _out, _atomE, _dEdG, _selfGrad, _pairGrad, _clusterE, _f, _dummy }) b.Dispose();
    }
}
