using CommunityToolkit.HighPerformance.Buffers;
using System.Collections.Concurrent;
using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Structures;

namespace AlHpc.Potentials;

/// <summary>
/// The Behler-Parrinello network potential of an <see cref="NnModel"/> (eV, A):
/// E = sum_i E_i, E_i = EnergyShift + NN((G_i - mean) / std) / EnergyScale, with analytic forces
/// F_j = -sum_i sum_f dE_i/dG_if dG_if/dr_j (chain rule through the descriptors; exact derivatives of E).
/// Thread-safe to share; reads the model's weights and scaling at every call (so a trainer can update them
/// in place between calls, not during one).
/// </summary>
public sealed class NnPotential : IPotential
{
    private readonly ConcurrentBag<NnEvaluator> _pool = new();

    /// <param name="model">The model.</param>
    /// <param name="vectorDescriptors">false: descriptors by the scalar fallback of <see cref="DescriptorEngine"/> (the
    /// compute-backend contract binds both paths).</param>
    public NnPotential(NnModel model, bool vectorDescriptors = true) { Model = model; VectorDescriptors = vectorDescriptors; Species = [model.Setup.Element]; }

    public NnModel Model { get; }

    /// <summary>Whether descriptors take the SIMD fast path where it applies.</summary>
    public bool VectorDescriptors { get; }

    public string Name
    {
        get
        {
            var net = Model.Network;
            var hidden = net.Activations.Take(net.Activations.Length - 1).Distinct().Select(a => a.ToAenetName());
            return $"NN {string.Join("-", net.LayerSizes)} {string.Join("/", hidden)}";
        }
    }

    /// <summary>Descriptor cutoff (A).</summary>
    public double Cutoff => Model.Setup.Cutoff;

    /// <summary>The one species: the element of the descriptor setup.</summary>
    public IReadOnlyList<string> Species { get; }

    public IPotentialEvaluator CreateEvaluator() => new NnEvaluator(Model, VectorDescriptors);

    /// <summary>The typed evaluator (with batch helpers).</summary>
    public NnEvaluator CreateNnEvaluator() => new(Model, VectorDescriptors);

    public IMcEnergyBackend CreateMcBackend() => new NnMcBackend(Model);

    /// <summary>
    /// Energies (eV) of every cluster of a batch on all cores; optionally forces (eV/A, batch layout) and
    /// per-atom energies (eV). Deterministic: independent of the thread count.
    /// </summary>
    public void EvaluateBatch(ClusterBatch batch, Span<double> energies, double[]? forces = null, double[]? atomEnergies = null,
                              int maxDegreeOfParallelism = -1)
    {
        int nc = batch.ClusterCount;
        if (energies.Length < nc) throw new ArgumentException("one energy per cluster", nameof(energies));
        if (forces != null && forces.Length < 3 * batch.AtomCount) throw new ArgumentException("forces too short", nameof(forces));
        if (atomEnergies != null && atomEnergies.Length < batch.AtomCount) throw new ArgumentException("atomEnergies too short", nameof(atomEnergies));
        SpeciesTable.TypesIn(batch, Species); // a single-species network: every atom must be its element
        using var result = MemoryOwner<double>.Allocate(nc);
        ClusterParallel.For(batch, new BatchWork(batch, result, forces, atomEnergies), _pool, () => new NnEvaluator(Model, VectorDescriptors), maxDegreeOfParallelism);
        result.Span.CopyTo(energies);
    }

    private readonly struct BatchWork(ClusterBatch batch, MemoryOwner<double> energies, double[]? forces, double[]? atomEnergies) : IClusterRangeWork<NnEvaluator>
    {
        public void Run(NnEvaluator ev, int from, int to)
        {
            var e = energies.Span;
            for (int c = from; c < to; c++)
            {
                int o = batch.Offsets[c], n = batch.SizeOf(c);
                e[c] = ev.Compute(batch.PositionsOf(c),
                    forces is null ? Span<double>.Empty : forces.AsSpan(3 * o, 3 * n),
                    atomEnergies is null ? Span<double>.Empty : atomEnergies.AsSpan(o, n));
            }
        }
    }
}

/// <summary>Single-thread evaluator of an <see cref="NnModel"/> (see <see cref="NnPotential"/>).</summary>
public sealed class NnEvaluator : IPotentialEvaluator
{
    private readonly NnModel _model;
    private readonly DescriptorEngine _engine;
    private readonly NetworkEvaluator _net;
    private readonly int _nf;
    private double[] _g = new double[256], _out = new double[16], _dEdG = new double[256];
    private readonly double[] _invStd;

    /// <param name="model">The model.</param>
    /// <param name="vectorDescriptors">false: the descriptor engine's scalar fallback (see <see cref="DescriptorEngine"/>).</param>
    public NnEvaluator(NnModel model, bool vectorDescriptors = true)
    {
        _model = model;
        _engine = new DescriptorEngine(model.Setup, vectorDescriptors);
        _net = new NetworkEvaluator(model.Network);
        _nf = model.Setup.Count;
        _invStd = new double[_nf];
        Species = [model.Setup.Element];
    }

    public NnModel Model => _model;

    public IReadOnlyList<string> Species { get; }

    /// <summary>The descriptor engine (its neighbour list and values describe the last cluster).</summary>
    public DescriptorEngine Descriptors => _engine;

    /// <summary>Raw descriptors of the last evaluated cluster (nAtoms x nF).</summary>
    public ReadOnlySpan<double> LastDescriptors => _g.AsSpan(0, _engine.Neighbours.AtomCount * _nf);

    public double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies)
    {
        int n = positions.Length / 3, nf = _nf;
        if (!forces.IsEmpty && forces.Length < 3 * n) throw new ArgumentException("forces too short", nameof(forces));
        if (!atomEnergies.IsEmpty && atomEnergies.Length < n) throw new ArgumentException("atomEnergies too short", nameof(atomEnergies));
        if (n == 0) return 0.0;
        if (_g.Length < n * nf) { _g = new double[2 * n * nf]; _dEdG = new double[_g.Length]; }
        if (_out.Length < n) _out = new double[2 * n];
        _engine.ComputeValues(positions, _g.AsSpan(0, n * nf));
        var mean = _model.DescriptorMean; var std = _model.DescriptorStd;
        for (int f = 0; f < nf; f++) _invStd[f] = 1.0 / std[f];
        var x = _net.BeginInput(n);
        int s = _net.Stride;
        for (int a = 0; a < n; a++)
        {
            var row = _g.AsSpan(a * nf, nf);
            for (int f = 0; f < nf; f++) x[f * s + a] = (row[f] - mean[f]) * _invStd[f];
        }
        var outv = _out.AsSpan(0, n);
        _net.Forward(outv);
        double shift = _model.EnergyShift, invScale = 1.0 / _model.EnergyScale;
        double e = 0;
        for (int a = 0; a < n; a++)
        {
            double ea = shift + outv[a] * invScale;
            e += ea;
            if (!atomEnergies.IsEmpty) atomEnergies[a] = ea;
        }
        if (!forces.IsEmpty)
        {
            var gx = _net.BackwardToInput();
            var dEdG = _dEdG.AsSpan(0, n * nf);
            for (int a = 0; a < n; a++)
                for (int f = 0; f < nf; f++) dEdG[a * nf + f] = gx[f * s + a] * _invStd[f] * invScale;
            var fo = forces[..(3 * n)];
            fo.Clear();
            _engine.AccumulateForces(dEdG, fo);
        }
        return e;
    }
}
