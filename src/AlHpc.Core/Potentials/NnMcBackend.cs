using AlHpc.Descriptors;
using AlHpc.Network;

namespace AlHpc.Potentials;

/// <summary>
/// Monte Carlo energy backend of a network potential with local updates. Moving bead k changes G_i only
/// for i = k and the beads within the cutoff of k's old or new position, so a proposal recomputes just
/// those beads' descriptors (their neighbourhoods from the <see cref="LocalMcBackend"/> cell hash, cell
/// edge = cutoff) and runs the network over them in one batch: the cost does not grow with the cluster
/// size. Insertions and removals likewise. The proposal protocol (pending checks, NaN for non-finite
/// proposals, which cannot be accepted) is <see cref="LocalMcBackend"/>'s.
/// </summary>
public sealed class NnMcBackend : LocalMcBackend
{
    private readonly NnModel _model;
    private readonly DescriptorEngine _engine;
    private readonly NetworkEvaluator _net;
    private readonly int _nf;
    private readonly double[] _invStd;

    private double[] _g, _e = new double[64];

    // the pending proposal's recomputed rows (one per affected bead)
    private double[] _newG, _newE = new double[64];

    public NnMcBackend(NnModel model) : base(model.Setup.Cutoff)
    {
        _model = model;
        _engine = new DescriptorEngine(model.Setup);
        _net = new NetworkEvaluator(model.Network);
        _nf = model.Setup.Count;
        _invStd = new double[_nf];
        _g = new double[64 * _nf];
        _newG = new double[64 * _nf];
    }

    /// <summary>Per-bead energies (eV) of the current configuration.</summary>
    public ReadOnlySpan<double> AtomEnergies => _e.AsSpan(0, Count);

    /// <summary>Raw descriptors of the current configuration (Count x nF).</summary>
    public ReadOnlySpan<double> Descriptors => _g.AsSpan(0, Count * _nf);

    private protected override double ComputeAll(int n)
    {
        for (int f = 0; f < _nf; f++) _invStd[f] = 1.0 / _model.DescriptorStd[f];
        if (n > 0)
        {
            _engine.ComputeValues(Positions, _g.AsSpan(0, n * _nf));
            EvaluateRows(_g, n, _e);
        }
        double t = 0;
        for (int i = 0; i < n; i++) t += _e[i];
        return t;
    }

    /// <summary>
    /// Recomputes descriptors and energies of the affected beads (the moved or inserted bead first) in the
    /// proposed configuration; dE = sum(new - old) over them, minus the removed bead's energy for a removal.
    /// </summary>
    private protected override double EvaluateProposal()
    {
        CollectAffected(includeProposed: true);
        var affected = Affected;
        int nf = _nf, m = affected.Length, n = Count;
        if (_newG.Length < m * nf) { _newG = new double[2 * m * nf]; _newE = new double[2 * m]; }
        for (int t = 0; t < m; t++)
        {
            var env = ProposedNeighbourhood(affected[t]);
            _engine.ComputeAtom(env.Dx, env.Dy, env.Dz, env.R, _newG.AsSpan(t * nf, nf));
        }
        if (m > 0) EvaluateRows(_newG, m, _newE);
        double d = 0;
        for (int t = 0; t < m; t++)
        {
            int a = affected[t];
            d += _newE[t] - (a < n ? _e[a] : 0.0);
        }
        if (!double.IsFinite(d)) return double.NaN;
        return Kind == ProposalKind.Remove ? d - _e[ProposalIndex] : d;
    }

    private protected override void Commit()
    {
        int nf = _nf;
        var affected = Affected;
        for (int t = 0; t < affected.Length; t++)
        {
            int a = affected[t];
            _newG.AsSpan(t * nf, nf).CopyTo(_g.AsSpan(a * nf, nf));
            _e[a] = _newE[t];
        }
    }

    private protected override void MoveBead(int from, int to)
    {
        _g.AsSpan(from * _nf, _nf).CopyTo(_g.AsSpan(to * _nf, _nf));
        _e[to] = _e[from];
    }

    private protected override void EnsureCapacity(int beads)
    {
        if (beads <= _e.Length) return;
        int cap = Math.Max(beads, 2 * _e.Length);
        Array.Resize(ref _g, cap * _nf);
        Array.Resize(ref _e, cap);
    }

    /// <summary>Scaled network energies (eV) of <paramref name="m"/> raw descriptor rows.</summary>
    private void EvaluateRows(double[] g, int m, double[] energies)
    {
        int nf = _nf;
        var mean = _model.DescriptorMean;
        var x = _net.BeginInput(m);
        int s = _net.Stride;
        for (int a = 0; a < m; a++)
            for (int f = 0; f < nf; f++) x[f * s + a] = (g[a * nf + f] - mean[f]) * _invStd[f];
        _net.Forward(energies.AsSpan(0, m));
        double shift = _model.EnergyShift, inv = 1.0 / _model.EnergyScale;
        for (int a = 0; a < m; a++) energies[a] = shift + energies[a] * inv;
    }
}
