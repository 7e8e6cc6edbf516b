using AlHpc.Geometry;

namespace AlHpc.Potentials;

/// <summary>
/// The proposal state machine of <see cref="IMcEnergyBackend"/> for potentials whose energy is a sum of
/// per-bead terms that depend only on the beads within a cutoff (<see cref="NnMcBackend"/>,
/// <see cref="TersoffMcBackend"/>). It owns the positions in a <see cref="CellHash"/> (cell edge = cutoff),
/// the total energy and the pending proposal; a derived backend supplies only its energy parts: the full
/// recompute, the energy change of the pending proposal (from the affected beads and their neighbourhoods in
/// the proposed configuration, both given here), how to store the recomputed terms, and its per-bead storage.
/// <para>
/// Protocol: <see cref="Reset"/>, then rounds of one proposal and exactly one of <see cref="Accept"/> or
/// <see cref="Reject"/>. A proposal while another is pending, or Reject without one, throws
/// InvalidOperationException. A proposal with a non-finite coordinate returns NaN without computing anything;
/// a proposal whose energy change is not finite cannot be accepted: Accept throws and drops it (a following
/// Reject is then allowed and does nothing). Removal is swap-remove (the last bead takes the freed index),
/// insertion appends at index Count. Reset refuses non-finite positions (ArgumentException).
/// Allocation-free after warm-up; not thread safe (one backend per walker).
/// </para>
/// </summary>
public abstract class LocalMcBackend : IMcEnergyBackend
{
    private protected enum ProposalKind { None, Move, Insert, Remove }
    private enum State { Idle, Pending, Refused }

    private readonly CellHash _grid;
    private readonly double _cutoff, _cut2;
    private double _total;

    private State _state;
    private ProposalKind _kind;
    private int _index;
    private double _px, _py, _pz, _dE;

    // the affected beads of the pending proposal, deduplicated with stamps
    private int[] _affected = new int[64];
    private int _affectedCount;
    private int[] _mark = new int[64];
    private int _stamp;
    // one neighbourhood at a time: vectors centre -> neighbour (A) and distances
    private double[] _ex = new double[32], _ey = new double[32], _ez = new double[32], _er = new double[32];

    private protected LocalMcBackend(double cutoff)
    {
        _grid = new CellHash(cutoff);
        _cutoff = cutoff;
        _cut2 = cutoff * cutoff;
    }

    public int Count => _grid.Count;
    public ReadOnlySpan<double> Positions => _grid.Positions;
    public double TotalEnergy => _total;

    public double Reset(ReadOnlySpan<double> positions)
    {
        _grid.Reset(positions);
        _state = State.Idle;
        _kind = ProposalKind.None;
        int n = _grid.Count;
        Reserve(n + 1);
        _total = ComputeAll(n);
        return _total;
    }

    public double ProposeMove(int index, double x, double y, double z)
    {
        BeginProposal();
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        return Propose(ProposalKind.Move, index, x, y, z);
    }

    public double ProposeInsert(double x, double y, double z)
    {
        BeginProposal();
        Reserve(Count + 1);
        return Propose(ProposalKind.Insert, Count, x, y, z);
    }

    public double ProposeRemove(int index)
    {
        BeginProposal();
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        var p = _grid.Positions;
        return Propose(ProposalKind.Remove, index, p[3 * index], p[3 * index + 1], p[3 * index + 2]);
    }

    public void Accept()
    {
        if (_state != State.Pending) throw new InvalidOperationException("Accept without a pending proposal");
        if (!double.IsFinite(_dE))
        {
            _state = State.Refused;
            throw new InvalidOperationException("cannot accept a proposal with a non-finite energy change (non-finite coordinates or energy); reject it");
        }
        switch (_kind)
        {
            case ProposalKind.Move:
                Commit();
                _grid.Move(_index, _px, _py, _pz);
                break;
            case ProposalKind.Insert:
                _grid.Add(_px, _py, _pz);
                Commit();
                break;
            case ProposalKind.Remove:
                Commit();
                int last = Count - 1;
                if (_index != last) MoveBead(last, _index);
                _grid.SwapRemove(_index);
                break;
        }
        _total += _dE;
        _state = State.Idle;
    }

    public void Reject()
    {
        if (_state == State.Idle) throw new InvalidOperationException("Reject without a pending proposal");
        _state = State.Idle;
    }

    private void BeginProposal()
    {
        if (_state == State.Pending) throw new InvalidOperationException("a proposal is pending: call Accept or Reject first");
    }

    private double Propose(ProposalKind kind, int index, double x, double y, double z)
    {
        _state = State.Pending;
        _kind = kind; _index = index; _px = x; _py = y; _pz = z;
        _affectedCount = 0;
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z)) return _dE = double.NaN;
        return _dE = EvaluateProposal();
    }

    private void Reserve(int beads)
    {
        if (_mark.Length < beads) Array.Resize(ref _mark, Math.Max(beads, 2 * _mark.Length));
        EnsureCapacity(beads);
    }

    // ------------------------------------------------------------------ what a derived backend supplies

    /// <summary>Full recompute of the loaded configuration (<paramref name="n"/> beads, <see cref="Positions"/>); returns the total energy (eV).</summary>
    private protected abstract double ComputeAll(int n);

    /// <summary>Energy change (eV) of the pending proposal (finite coordinates); may call <see cref="CollectAffected"/> and
    /// <see cref="ProposedNeighbourhood"/>. Keeps whatever <see cref="Commit"/> needs.</summary>
    private protected abstract double EvaluateProposal();

    /// <summary>Stores the terms recomputed by the last <see cref="EvaluateProposal"/>. Called before the positions change
    /// for a move or removal, after the new bead is appended for an insertion (it has index <see cref="ProposalIndex"/>).</summary>
    private protected abstract void Commit();

    /// <summary>Copies the per-bead terms of bead <paramref name="from"/> to <paramref name="to"/> (swap-remove).</summary>
    private protected abstract void MoveBead(int from, int to);

    /// <summary>Grows the per-bead storage to hold at least <paramref name="beads"/> beads.</summary>
    private protected abstract void EnsureCapacity(int beads);

    // ------------------------------------------------------------------ what a derived backend may use

    /// <summary>Kind of the pending proposal.</summary>
    private protected ProposalKind Kind => _kind;

    /// <summary>The moved or removed bead, or the index the inserted bead would get (Count).</summary>
    private protected int ProposalIndex => _index;

    /// <summary>The beads whose terms the pending proposal changes (after <see cref="CollectAffected"/>).</summary>
    private protected ReadOnlySpan<int> Affected => _affected.AsSpan(0, _affectedCount);

    /// <summary>
    /// Lists in <see cref="Affected"/> the existing beads within the cutoff of the old position (move, removal)
    /// and then of the new position (move, insertion), without the proposal's own bead; with
    /// <paramref name="includeProposed"/> the moved or inserted bead comes first.
    /// </summary>
    private protected void CollectAffected(bool includeProposed)
    {
        _affectedCount = 0;
        if (++_stamp == int.MaxValue) { Array.Clear(_mark); _stamp = 1; }
        bool moves = _kind is ProposalKind.Move or ProposalKind.Remove;
        bool lands = _kind is ProposalKind.Move or ProposalKind.Insert;
        if (moves) _mark[_index] = _stamp;
        if (includeProposed && lands) AddAffected(_index);
        if (moves)
        {
            var p = _grid.Positions;
            CollectNear(p[3 * _index], p[3 * _index + 1], p[3 * _index + 2]);
        }
        if (lands) CollectNear(_px, _py, _pz);
    }

    private void CollectNear(double x, double y, double z)
    {
        foreach (var nb in _grid.Within(x, y, z, _cutoff))
        {
            int j = nb.Index;
            if (_mark[j] == _stamp) continue;
            _mark[j] = _stamp;
            AddAffected(j);
        }
    }

    private void AddAffected(int j)
    {
        if (_affectedCount == _affected.Length) Array.Resize(ref _affected, 2 * _affected.Length);
        _affected[_affectedCount++] = j;
    }

    /// <summary>The neighbours (vectors centre -> neighbour, distances; A) within the cutoff of bead <paramref name="i"/> in the current configuration.</summary>
    private protected Neighbourhood CurrentNeighbourhood(int i)
    {
        var p = _grid.Positions;
        return Spans(Gather(p[3 * i], p[3 * i + 1], p[3 * i + 2], i, -1));
    }

    /// <summary>
    /// The neighbours of bead <paramref name="centre"/> in the configuration the pending proposal would make:
    /// the proposal's bead at its new position (or absent, for a removal); <paramref name="centre"/> =
    /// <see cref="ProposalIndex"/> is the moved or inserted bead itself. Neighbours in cell order, the
    /// proposal's bead last. Valid until the next call.
    /// </summary>
    private protected Neighbourhood ProposedNeighbourhood(int centre)
    {
        bool lands = _kind is ProposalKind.Move or ProposalKind.Insert;
        bool isProposed = lands && centre == _index;
        double x, y, z;
        if (isProposed) { x = _px; y = _py; z = _pz; }
        else
        {
            var p = _grid.Positions;
            x = p[3 * centre]; y = p[3 * centre + 1]; z = p[3 * centre + 2];
        }
        int count = Gather(x, y, z, centre, _kind is ProposalKind.Move or ProposalKind.Remove ? _index : -1);
        if (lands && !isProposed)
        {
            double dx = _px - x, dy = _py - y, dz = _pz - z;
            double r2 = dx * dx + dy * dy + dz * dz;
            if (r2 < _cut2) count = AddNeighbour(count, dx, dy, dz, r2);
        }
        return Spans(count);
    }

    private int Gather(double x, double y, double z, int self, int skip)
    {
        int count = 0;
        foreach (var nb in _grid.Within(x, y, z, _cutoff))
        {
            int j = nb.Index;
            if (j == self || j == skip) continue;
            count = AddNeighbour(count, nb.Dx, nb.Dy, nb.Dz, nb.R2);
        }
        return count;
    }

    private int AddNeighbour(int count, double dx, double dy, double dz, double r2)
    {
        if (count == _er.Length)
        {
            int m = 2 * count;
            Array.Resize(ref _ex, m); Array.Resize(ref _ey, m); Array.Resize(ref _ez, m); Array.Resize(ref _er, m);
        }
        _ex[count] = dx; _ey[count] = dy; _ez[count] = dz; _er[count] = Math.Sqrt(r2);
        return count + 1;
    }

    private Neighbourhood Spans(int count) =>
        new(_ex.AsSpan(0, count), _ey.AsSpan(0, count), _ez.AsSpan(0, count), _er.AsSpan(0, count));

    /// <summary>Neighbours of one centre: vectors centre -> neighbour (A) and their lengths (A).</summary>
    private protected readonly ref struct Neighbourhood(ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz, ReadOnlySpan<double> r)
    {
        public ReadOnlySpan<double> Dx { get; } = dx;
        public ReadOnlySpan<double> Dy { get; } = dy;
        public ReadOnlySpan<double> Dz { get; } = dz;
        public ReadOnlySpan<double> R { get; } = r;
    }
}
