using AlHpc.Descriptors;
using AlHpc.Network;

namespace AlHpc.Potentials;

/// <summary>
/// Monte Carlo energy backend of a network potential with local updates. Moving bead k changes G_i only
/// for i = k and the beads within the cutoff of k's old or new position, so a proposal recomputes just
/// those beads' descriptors (from a hashed cell grid, cell edge = cutoff) and runs the network over them
/// in one batch: the cost does not grow with the cluster size. Insertions and removals likewise.
/// A proposal with a non-finite position, or whose energy is not finite, returns NaN (never throws);
/// such a proposal cannot be accepted (Accept throws), only rejected.
/// </summary>
public sealed class NnMcBackend : IMcEnergyBackend
{
    private const int None = -1;
    private enum Kind { None, Move, Insert, Remove }

    private readonly NnModel _model;
    private readonly DescriptorEngine _engine;
    private readonly NetworkEvaluator _net;
    private readonly int _nf;
    private readonly double _rc, _rc2;
    private readonly double[] _invStd;

    private int _n;
    private double[] _pos = new double[3 * 64];
    private double[] _g = new double[64 * 26];
    private double[] _e = new double[64];
    private double _total;

    // cell hash grid
    private long[] _keys = new long[256];
    private int[] _head = new int[256];
    private int _used;
    private int[] _next = new int[64];
    private int[] _slotOf = new int[64];

    // pending proposal
    private Kind _kind;
    private int _k;
    private double _nx, _ny, _nz, _dE;
    private int[] _aff = new int[64];
    private int _nAff;
    private double[] _newG = new double[64 * 26], _newE = new double[64];
    private int[] _mark = new int[64];
    private int _stamp;
    private double[] _ex = new double[64], _ey = new double[64], _ez = new double[64], _er = new double[64];

    public NnMcBackend(NnModel model)
    {
        _model = model;
        _engine = new DescriptorEngine(model.Setup);
        _net = new NetworkEvaluator(model.Network);
        _nf = model.Setup.Count;
        _rc = model.Setup.Cutoff; _rc2 = _rc * _rc;
        _invStd = new double[_nf];
        _keys.AsSpan().Fill(long.MinValue);
    }

    public int Count => _n;
    public ReadOnlySpan<double> Positions => _pos.AsSpan(0, 3 * _n);
    public double TotalEnergy => _total;

    /// <summary>Per-bead energies (eV) of the current configuration.</summary>
    public ReadOnlySpan<double> AtomEnergies => _e.AsSpan(0, _n);

    /// <summary>Raw descriptors of the current configuration (Count x nF).</summary>
    public ReadOnlySpan<double> Descriptors => _g.AsSpan(0, _n * _nf);

    public double Reset(ReadOnlySpan<double> positions)
    {
        int n = positions.Length / 3;
        _kind = Kind.None;
        EnsureCapacity(n + 1);
        positions.CopyTo(_pos);
        _n = n;
        for (int f = 0; f < _nf; f++) _invStd[f] = 1.0 / _model.DescriptorStd[f];
        RebuildGrid();
        if (n > 0)
        {
            _engine.ComputeValues(positions, _g.AsSpan(0, n * _nf));
            EvaluateRows(_g, n, _e);
        }
        double t = 0;
        for (int i = 0; i < n; i++) t += _e[i];
        _total = t;
        return t;
    }

    public double ProposeMove(int index, double x, double y, double z)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        _kind = Kind.Move; _k = index; _nx = x; _ny = y; _nz = z;
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z)) return Fail();
        BeginAffected();
        AddAffected(index);
        CollectNear(_pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2], index);
        CollectNear(x, y, z, index);
        return Evaluate(exclude: index, extra: true, extraIndex: index);
    }

    public double ProposeInsert(double x, double y, double z)
    {
        _kind = Kind.Insert; _k = _n; _nx = x; _ny = y; _nz = z;
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z)) return Fail();
        EnsureCapacity(_n + 1);
        BeginAffected();
        AddAffected(_n); // the new bead (index Count)
        CollectNear(x, y, z, None);
        return Evaluate(exclude: None, extra: true, extraIndex: _n);
    }

    public double ProposeRemove(int index)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        _kind = Kind.Remove; _k = index;
        BeginAffected();
        CollectNear(_pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2], index);
        double d = Evaluate(exclude: index, extra: false, extraIndex: None);
        _dE = d - _e[index];
        return _dE;
    }

    public void Accept()
    {
        if (_kind == Kind.None) throw new InvalidOperationException("no pending proposal");
        if (!double.IsFinite(_dE)) throw new InvalidOperationException("cannot accept a proposal with a non-finite energy change; reject it");
        int nf = _nf;
        if (_kind == Kind.Insert)
        {
            int k = _n;
            _pos[3 * k] = _nx; _pos[3 * k + 1] = _ny; _pos[3 * k + 2] = _nz;
            _n++;
            GridInsert(k);
        }
        for (int t = 0; t < _nAff; t++)
        {
            int a = _aff[t];
            _newG.AsSpan(t * nf, nf).CopyTo(_g.AsSpan(a * nf, nf));
            _e[a] = _newE[t];
        }
        if (_kind == Kind.Move)
        {
            int k = _k;
            GridRemove(k);
            _pos[3 * k] = _nx; _pos[3 * k + 1] = _ny; _pos[3 * k + 2] = _nz;
            GridInsert(k);
        }
        else if (_kind == Kind.Remove)
        {
            int k = _k, last = _n - 1;
            GridRemove(k);
            if (k != last)
            {
                GridRemove(last);
                _pos[3 * k] = _pos[3 * last]; _pos[3 * k + 1] = _pos[3 * last + 1]; _pos[3 * k + 2] = _pos[3 * last + 2];
                _g.AsSpan(last * nf, nf).CopyTo(_g.AsSpan(k * nf, nf));
                _e[k] = _e[last];
                _n--;
                GridInsert(k);
            }
            else _n--;
        }
        _total += _dE;
        _kind = Kind.None;
    }

    public void Reject() => _kind = Kind.None;

    // ------------------------------------------------------------------ proposal evaluation

    private double Fail()
    {
        _nAff = 0;
        _dE = double.NaN;
        return double.NaN;
    }

    private void BeginAffected()
    {
        _nAff = 0;
        if (++_stamp == int.MaxValue) { _mark.AsSpan().Clear(); _stamp = 1; }
    }

    private void AddAffected(int a)
    {
        if (a < _n && _mark[a] == _stamp) return;
        if (a < _n) _mark[a] = _stamp;
        if (_nAff == _aff.Length) Array.Resize(ref _aff, 2 * _aff.Length);
        _aff[_nAff++] = a;
    }

    /// <summary>Adds every existing bead (other than <paramref name="exclude"/>) within the cutoff of (x, y, z).</summary>
    private void CollectNear(double x, double y, double z, int exclude)
    {
        long cx = Cell(x), cy = Cell(y), cz = Cell(z);
        for (long dz = -1; dz <= 1; dz++)
            for (long dy = -1; dy <= 1; dy++)
                for (long dx = -1; dx <= 1; dx++)
                {
                    int slot = FindSlot(Key(cx + dx, cy + dy, cz + dz));
                    if (slot < 0) continue;
                    for (int j = _head[slot]; j >= 0; j = _next[j])
                    {
                        if (j == exclude) continue;
                        double ddx = _pos[3 * j] - x, ddy = _pos[3 * j + 1] - y, ddz = _pos[3 * j + 2] - z;
                        if (ddx * ddx + ddy * ddy + ddz * ddz < _rc2) AddAffected(j);
                    }
                }
    }

    /// <summary>
    /// Recomputes descriptors and energies of the affected beads in the proposed configuration: bead
    /// <paramref name="exclude"/> is absent at its stored position, and when <paramref name="extra"/> a bead
    /// (index <paramref name="extraIndex"/>) sits at the proposed point. Returns sum(new - old) over them.
    /// </summary>
    private double Evaluate(int exclude, bool extra, int extraIndex)
    {
        int nf = _nf, m = _nAff;
        if (_newG.Length < m * nf) { _newG = new double[2 * m * nf]; _newE = new double[2 * m]; }
        for (int t = 0; t < m; t++)
        {
            int a = _aff[t];
            double xa, ya, za;
            if (extra && a == extraIndex) { xa = _nx; ya = _ny; za = _nz; }
            else { xa = _pos[3 * a]; ya = _pos[3 * a + 1]; za = _pos[3 * a + 2]; }
            int cnt = GatherEnvironment(xa, ya, za, a, exclude);
            if (extra && a != extraIndex)
            {
                double dx = _nx - xa, dy = _ny - ya, dz = _nz - za, r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < _rc2) cnt = AddEnv(cnt, dx, dy, dz, r2);
            }
            _engine.ComputeAtom(_ex.AsSpan(0, cnt), _ey.AsSpan(0, cnt), _ez.AsSpan(0, cnt), _er.AsSpan(0, cnt), _newG.AsSpan(t * nf, nf));
        }
        if (m > 0) EvaluateRows(_newG, m, _newE);
        double d = 0;
        for (int t = 0; t < m; t++)
        {
            int a = _aff[t];
            d += _newE[t] - (a < _n ? _e[a] : 0.0);
        }
        _dE = d;
        if (!double.IsFinite(d)) { _dE = double.NaN; return double.NaN; }
        return d;
    }

    private int GatherEnvironment(double x, double y, double z, int self, int exclude)
    {
        int cnt = 0;
        long cx = Cell(x), cy = Cell(y), cz = Cell(z);
        for (long dz = -1; dz <= 1; dz++)
            for (long dy = -1; dy <= 1; dy++)
                for (long dx = -1; dx <= 1; dx++)
                {
                    int slot = FindSlot(Key(cx + dx, cy + dy, cz + dz));
                    if (slot < 0) continue;
                    for (int j = _head[slot]; j >= 0; j = _next[j])
                    {
                        if (j == self || j == exclude) continue;
                        double ddx = _pos[3 * j] - x, ddy = _pos[3 * j + 1] - y, ddz = _pos[3 * j + 2] - z;
                        double r2 = ddx * ddx + ddy * ddy + ddz * ddz;
                        if (r2 < _rc2) cnt = AddEnv(cnt, ddx, ddy, ddz, r2);
                    }
                }
        return cnt;
    }

    private int AddEnv(int cnt, double dx, double dy, double dz, double r2)
    {
        if (cnt == _ex.Length)
        {
            Array.Resize(ref _ex, 2 * cnt); Array.Resize(ref _ey, 2 * cnt); Array.Resize(ref _ez, 2 * cnt); Array.Resize(ref _er, 2 * cnt);
        }
        _ex[cnt] = dx; _ey[cnt] = dy; _ez[cnt] = dz; _er[cnt] = Math.Sqrt(r2);
        return cnt + 1;
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

    // ------------------------------------------------------------------ storage and cell hash grid

    private void EnsureCapacity(int n)
    {
        if (3 * n <= _pos.Length && n <= _e.Length) return;
        int cap = Math.Max(n, 2 * _e.Length);
        Array.Resize(ref _pos, 3 * cap);
        Array.Resize(ref _g, cap * _nf);
        Array.Resize(ref _e, cap);
        Array.Resize(ref _next, cap);
        Array.Resize(ref _slotOf, cap);
        Array.Resize(ref _mark, cap + 1);
    }

    private long Cell(double v) => (long)Math.Floor(v / _rc);

    private static long Key(long cx, long cy, long cz) =>
        ((cx & 0x1FFFFF) << 42) | ((cy & 0x1FFFFF) << 21) | (cz & 0x1FFFFF);

    private static int Hash(long key, int mask)
    {
        ulong h = (ulong)key * 0x9E3779B97F4A7C15UL;
        return (int)(h >> 40) & mask;
    }

    private int FindSlot(long key)
    {
        int mask = _keys.Length - 1;
        for (int s = Hash(key, mask); ; s = (s + 1) & mask)
        {
            if (_keys[s] == key) return s;
            if (_keys[s] == long.MinValue) return -1;
        }
    }

    private int GetOrAddSlot(long key)
    {
        int mask = _keys.Length - 1;
        for (int s = Hash(key, mask); ; s = (s + 1) & mask)
        {
            if (_keys[s] == key) return s;
            if (_keys[s] == long.MinValue) { _keys[s] = key; _head[s] = -1; _used++; return s; }
        }
    }

    private void RebuildGrid()
    {
        // size the table for the current bead count (cells are never deleted between rebuilds)
        int need = 4;
        while (need < 4 * (_n + 16)) need <<= 1;
        if (_keys.Length < need) { _keys = new long[need]; _head = new int[need]; }
        _keys.AsSpan().Fill(long.MinValue);
        _used = 0;
        for (int i = 0; i < _n; i++) GridInsert(i);
    }

    private void GridInsert(int i)
    {
        if (_used * 2 + 2 > _keys.Length) { _keys = new long[2 * _keys.Length]; _head = new int[_keys.Length]; RebuildGridExcept(i); }
        int s = GetOrAddSlot(Key(Cell(_pos[3 * i]), Cell(_pos[3 * i + 1]), Cell(_pos[3 * i + 2])));
        _next[i] = _head[s];
        _head[s] = i;
        _slotOf[i] = s;
    }

    private void RebuildGridExcept(int skip)
    {
        _keys.AsSpan().Fill(long.MinValue);
        _used = 0;
        for (int i = 0; i < _n; i++)
        {
            if (i == skip) continue;
            int s = GetOrAddSlot(Key(Cell(_pos[3 * i]), Cell(_pos[3 * i + 1]), Cell(_pos[3 * i + 2])));
            _next[i] = _head[s];
            _head[s] = i;
            _slotOf[i] = s;
        }
    }

    private void GridRemove(int i)
    {
        int s = _slotOf[i];
        if (_head[s] == i) { _head[s] = _next[i]; return; }
        for (int j = _head[s]; j >= 0; j = _next[j])
            if (_next[j] == i) { _next[j] = _next[i]; return; }
        throw new InvalidOperationException("grid corrupted");
    }
}
