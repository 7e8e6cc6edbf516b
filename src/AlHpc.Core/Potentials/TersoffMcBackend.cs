namespace AlHpc.Potentials;

/// <summary>
/// Monte Carlo energy backend of a Tersoff potential with local updates (see <see cref="IMcEnergyBackend"/>).
/// <para>
/// The total energy is a sum of site energies E_i = 1/2 sum_j fC(r_ij)[fR(r_ij) + b_ij fA(r_ij)], and E_i
/// depends only on the beads within the cutoff of bead i. Moving bead m therefore changes E_m and the site
/// energies of the beads within the cutoff of m's old or new position, nothing else. The backend keeps the
/// positions, a persistent spatial hash grid (cells of one cutoff) and every bead's site energy; a proposal
/// recomputes the affected site energies (a handful of beads, each with ~4 neighbours), so its cost does not
/// depend on the cluster size. Accept commits them; TotalEnergy is accumulated from the dE of accepted proposals.
/// </para>
/// <para>
/// Robustness: a proposal with a non-finite coordinate returns NaN and can only be rejected (Accept throws).
/// A proposal while another is pending, or Accept/Reject without one, throws InvalidOperationException.
/// Allocation-free after warm-up. Not thread safe (one backend per walker).
/// </para>
/// </summary>
public sealed class TersoffMcBackend : IMcEnergyBackend
{
    private enum Kind { None, Move, Insert, Remove, Invalid }

    private readonly TersoffKernel _k;
    private readonly double _cut2, _invCell;

    private int _n;
    private double[] _pos = new double[3 * 64];
    private double[] _site = new double[64];
    private double _total;

    // spatial hash grid: open addressing table cell key -> head atom; per-atom chain and cell key
    private long[] _keys = new long[256];
    private int[] _heads = new int[256];
    private int _usedSlots;
    private int[] _next = new int[64];
    private long[] _cellOf = new long[64];
    private const long EmptyKey = long.MinValue;

    // pending proposal
    private Kind _kind;
    private int _index;
    private double _px, _py, _pz;
    private double _dE;
    private int[] _aff = new int[64];
    private double[] _affE = new double[64];
    private int _affCount;
    private double _newSite; // site energy of the moved / inserted bead

    // dedup stamps and neighbour scratch
    private int[] _stamp = new int[64];
    private int _stampValue;
    private double[] _sdx = new double[32], _sdy = new double[32], _sdz = new double[32], _sr = new double[32];

    internal TersoffMcBackend(TersoffPotential potential)
    {
        _k = potential.Kernel;
        _cut2 = _k.Cutoff * _k.Cutoff;
        _invCell = 1.0 / _k.Cutoff;
        _keys.AsSpan().Fill(EmptyKey);
    }

    public int Count => _n;
    public ReadOnlySpan<double> Positions => _pos.AsSpan(0, 3 * _n);
    public double TotalEnergy => _total;

    /// <summary>Site energy (eV) of bead i in the current configuration (they sum to TotalEnergy up to rounding).</summary>
    public double SiteEnergy(int i) => (uint)i < (uint)_n ? _site[i] : throw new ArgumentOutOfRangeException(nameof(i));

    public double Reset(ReadOnlySpan<double> positions)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3", nameof(positions));
        for (int i = 0; i < positions.Length; i++)
            if (!double.IsFinite(positions[i])) throw new ArgumentException($"position of bead {i / 3} is not finite", nameof(positions));
        _kind = Kind.None;
        int n = positions.Length / 3;
        EnsureAtoms(n);
        positions.CopyTo(_pos);
        _n = n;
        ClearGrid(n);
        for (int i = 0; i < n; i++) GridAdd(i);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            _site[i] = ComputeSite(i, _pos[3 * i], _pos[3 * i + 1], _pos[3 * i + 2], Kind.None, -1, 0, 0, 0);
            total += _site[i];
        }
        _total = total;
        return total;
    }

    public double ProposeMove(int index, double x, double y, double z)
    {
        BeginProposal();
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z)) { _kind = Kind.Invalid; return double.NaN; }
        _kind = Kind.Move; _index = index; _px = x; _py = y; _pz = z;
        NewStamp();
        _affCount = 0;
        _stamp[index] = _stampValue;
        CollectAround(_pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2]);
        CollectAround(x, y, z);
        double dE = 0;
        for (int a = 0; a < _affCount; a++)
        {
            int i = _aff[a];
            double e = ComputeSite(i, _pos[3 * i], _pos[3 * i + 1], _pos[3 * i + 2], Kind.Move, index, x, y, z);
            _affE[a] = e;
            dE += e - _site[i];
        }
        _newSite = ComputeSite(index, x, y, z, Kind.Move, index, x, y, z);
        dE += _newSite - _site[index];
        _dE = dE;
        return dE;
    }

    public double ProposeInsert(double x, double y, double z)
    {
        BeginProposal();
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z)) { _kind = Kind.Invalid; return double.NaN; }
        _kind = Kind.Insert; _index = _n; _px = x; _py = y; _pz = z;
        NewStamp();
        _affCount = 0;
        CollectAround(x, y, z);
        double dE = 0;
        for (int a = 0; a < _affCount; a++)
        {
            int i = _aff[a];
            double e = ComputeSite(i, _pos[3 * i], _pos[3 * i + 1], _pos[3 * i + 2], Kind.Insert, -1, x, y, z);
            _affE[a] = e;
            dE += e - _site[i];
        }
        _newSite = ComputeSite(-1, x, y, z, Kind.Insert, -1, x, y, z);
        dE += _newSite;
        _dE = dE;
        return dE;
    }

    public double ProposeRemove(int index)
    {
        BeginProposal();
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        _kind = Kind.Remove; _index = index;
        NewStamp();
        _affCount = 0;
        _stamp[index] = _stampValue;
        CollectAround(_pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2]);
        double dE = 0;
        for (int a = 0; a < _affCount; a++)
        {
            int i = _aff[a];
            double e = ComputeSite(i, _pos[3 * i], _pos[3 * i + 1], _pos[3 * i + 2], Kind.Remove, index, 0, 0, 0);
            _affE[a] = e;
            dE += e - _site[i];
        }
        dE -= _site[index];
        _dE = dE;
        return dE;
    }

    public void Accept()
    {
        switch (_kind)
        {
            case Kind.None: throw new InvalidOperationException("Accept without a pending proposal");
            case Kind.Invalid: _kind = Kind.None; throw new InvalidOperationException("cannot accept a proposal with non-finite coordinates (its dE was NaN)");
        }
        for (int a = 0; a < _affCount; a++) _site[_aff[a]] = _affE[a];
        switch (_kind)
        {
            case Kind.Move:
                GridRemove(_index);
                _pos[3 * _index] = _px; _pos[3 * _index + 1] = _py; _pos[3 * _index + 2] = _pz;
                GridAdd(_index);
                _site[_index] = _newSite;
                break;
            case Kind.Insert:
                EnsureAtoms(_n + 1);
                int m = _n;
                _pos[3 * m] = _px; _pos[3 * m + 1] = _py; _pos[3 * m + 2] = _pz;
                _site[m] = _newSite;
                _n++;
                GridAdd(m);
                break;
            case Kind.Remove:
                int last = _n - 1;
                GridRemove(_index);
                if (_index != last)
                {
                    GridRemove(last);
                    _pos[3 * _index] = _pos[3 * last]; _pos[3 * _index + 1] = _pos[3 * last + 1]; _pos[3 * _index + 2] = _pos[3 * last + 2];
                    _site[_index] = _site[last];
                    GridAdd(_index);
                }
                _n--;
                break;
        }
        _total += _dE;
        _kind = Kind.None;
    }

    public void Reject()
    {
        if (_kind == Kind.None) throw new InvalidOperationException("Reject without a pending proposal");
        _kind = Kind.None;
    }

    private void BeginProposal()
    {
        if (_kind != Kind.None) throw new InvalidOperationException("a proposal is pending: call Accept or Reject first");
    }

    private void NewStamp()
    {
        if (++_stampValue == int.MaxValue) { Array.Clear(_stamp); _stampValue = 1; }
    }

    /// <summary>Adds to the affected set every current bead within the cutoff of (x, y, z) not yet stamped.</summary>
    private void CollectAround(double x, double y, double z)
    {
        long cx = CellCoord(x), cy = CellCoord(y), cz = CellCoord(z);
        for (long ddz = -1; ddz <= 1; ddz++)
            for (long ddy = -1; ddy <= 1; ddy++)
                for (long ddx = -1; ddx <= 1; ddx++)
                {
                    int slot = Find(Pack(cx + ddx, cy + ddy, cz + ddz));
                    if (slot < 0) continue;
                    for (int j = _heads[slot]; j >= 0; j = _next[j])
                    {
                        if (_stamp[j] == _stampValue) continue;
                        double dx = _pos[3 * j] - x, dy = _pos[3 * j + 1] - y, dz = _pos[3 * j + 2] - z;
                        if (dx * dx + dy * dy + dz * dz >= _cut2) continue;
                        _stamp[j] = _stampValue;
                        if (_affCount == _aff.Length) { Array.Resize(ref _aff, 2 * _aff.Length); Array.Resize(ref _affE, _aff.Length); }
                        _aff[_affCount++] = j;
                    }
                }
    }

    /// <summary>
    /// Site energy of centre <paramref name="i"/> (at xi, yi, zi) in the configuration the proposal would give:
    /// bead <paramref name="m"/> at (mx, my, mz) for a move, absent for a removal; an extra bead at (mx, my, mz)
    /// for an insertion (i = -1: the inserted bead itself).
    /// </summary>
    private double ComputeSite(int i, double xi, double yi, double zi, Kind kind, int m, double mx, double my, double mz)
    {
        int cnt = 0;
        long cx = CellCoord(xi), cy = CellCoord(yi), cz = CellCoord(zi);
        for (long ddz = -1; ddz <= 1; ddz++)
            for (long ddy = -1; ddy <= 1; ddy++)
                for (long ddx = -1; ddx <= 1; ddx++)
                {
                    int slot = Find(Pack(cx + ddx, cy + ddy, cz + ddz));
                    if (slot < 0) continue;
                    for (int j = _heads[slot]; j >= 0; j = _next[j])
                    {
                        if (j == i || j == m) continue;
                        double dx = _pos[3 * j] - xi, dy = _pos[3 * j + 1] - yi, dz = _pos[3 * j + 2] - zi;
                        double r2 = dx * dx + dy * dy + dz * dz;
                        if (r2 >= _cut2) continue;
                        AddNeighbour(ref cnt, dx, dy, dz, r2);
                    }
                }
        if ((kind == Kind.Move && i != m) || (kind == Kind.Insert && i >= 0))
        {
            double dx = mx - xi, dy = my - yi, dz = mz - zi;
            double r2 = dx * dx + dy * dy + dz * dz;
            if (r2 < _cut2) AddNeighbour(ref cnt, dx, dy, dz, r2);
        }
        return _k.SiteEnergy(_sdx.AsSpan(0, cnt), _sdy.AsSpan(0, cnt), _sdz.AsSpan(0, cnt), _sr.AsSpan(0, cnt));
    }

    private void AddNeighbour(ref int cnt, double dx, double dy, double dz, double r2)
    {
        if (cnt == _sr.Length)
        {
            int m = 2 * cnt;
            Array.Resize(ref _sdx, m); Array.Resize(ref _sdy, m); Array.Resize(ref _sdz, m); Array.Resize(ref _sr, m);
        }
        _sdx[cnt] = dx; _sdy[cnt] = dy; _sdz[cnt] = dz; _sr[cnt] = Math.Sqrt(r2);
        cnt++;
    }

    // ---------------------------------------------------------------- grid

    private const long CoordLimit = (1L << 20) - 1;

    private long CellCoord(double v)
    {
        double c = Math.Floor(v * _invCell);
        return c < -CoordLimit ? -CoordLimit : c > CoordLimit ? CoordLimit : (long)c;
    }

    // cells beyond the clamped range are merged into the boundary cell: more candidates, same result
    private static long Pack(long x, long y, long z) => ((x + (1L << 20)) << 42) | ((y + (1L << 20)) << 21) | (z + (1L << 20));

    private static int Hash(long key, int mask)
    {
        ulong h = (ulong)key * 0x9E3779B97F4A7C15UL;
        return (int)(h >> 40) & mask;
    }

    private int Find(long key)
    {
        int mask = _keys.Length - 1;
        for (int s = Hash(key, mask); ; s = (s + 1) & mask)
        {
            long k = _keys[s];
            if (k == key) return s;
            if (k == EmptyKey) return -1;
        }
    }

    private int FindOrAdd(long key)
    {
        int mask = _keys.Length - 1;
        for (int s = Hash(key, mask); ; s = (s + 1) & mask)
        {
            long k = _keys[s];
            if (k == key) return s;
            if (k == EmptyKey)
            {
                if (2 * (_usedSlots + 1) > _keys.Length) { Rehash(); return FindOrAdd(key); }
                _keys[s] = key; _heads[s] = -1; _usedSlots++;
                return s;
            }
        }
    }

    /// <summary>Drops empty cells and grows the table when live cells fill a quarter of it.</summary>
    private void Rehash()
    {
        int live = 0;
        for (int s = 0; s < _keys.Length; s++) if (_keys[s] != EmptyKey && _heads[s] >= 0) live++;
        int cap = _keys.Length;
        while (4 * (live + 1) > cap) cap *= 2;
        var oldKeys = _keys; var oldHeads = _heads;
        if (cap != _keys.Length) { _keys = new long[cap]; _heads = new int[cap]; }
        else { oldKeys = (long[])_keys.Clone(); oldHeads = (int[])_heads.Clone(); }
        _keys.AsSpan().Fill(EmptyKey);
        _usedSlots = 0;
        int mask = cap - 1;
        for (int s = 0; s < oldKeys.Length; s++)
        {
            if (oldKeys[s] == EmptyKey || oldHeads[s] < 0) continue;
            int t = Hash(oldKeys[s], mask);
            while (_keys[t] != EmptyKey) t = (t + 1) & mask;
            _keys[t] = oldKeys[s]; _heads[t] = oldHeads[s]; _usedSlots++;
        }
    }

    private void ClearGrid(int n)
    {
        int cap = 256;
        while (cap < 4 * n) cap *= 2;
        if (_keys.Length < cap) { _keys = new long[cap]; _heads = new int[cap]; }
        _keys.AsSpan().Fill(EmptyKey);
        _usedSlots = 0;
    }

    private void GridAdd(int i)
    {
        long key = Pack(CellCoord(_pos[3 * i]), CellCoord(_pos[3 * i + 1]), CellCoord(_pos[3 * i + 2]));
        int s = FindOrAdd(key);
        _next[i] = _heads[s];
        _heads[s] = i;
        _cellOf[i] = key;
    }

    private void GridRemove(int i)
    {
        int s = Find(_cellOf[i]);
        if (s < 0) throw new InvalidOperationException("grid is inconsistent (bead not in its cell)");
        if (_heads[s] == i) { _heads[s] = _next[i]; return; }
        for (int j = _heads[s]; j >= 0; j = _next[j])
            if (_next[j] == i) { _next[j] = _next[i]; return; }
        throw new InvalidOperationException("grid is inconsistent (bead not in its cell chain)");
    }

    private void EnsureAtoms(int n)
    {
        if (_site.Length >= n) return;
        int m = Math.Max(n, 2 * _site.Length);
        Array.Resize(ref _pos, 3 * m); Array.Resize(ref _site, m); Array.Resize(ref _next, m);
        Array.Resize(ref _cellOf, m); Array.Resize(ref _stamp, m);
    }
}
