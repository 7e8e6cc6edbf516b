using System.Runtime.CompilerServices;

namespace AlHpc.Geometry;

/// <summary>A bead found by a <see cref="CellHash"/> query: its index, the vector from the query point to it
/// (A; bead minus point) and its squared length (A^2).</summary>
public readonly struct Neighbour(int index, double dx, double dy, double dz, double r2)
{
    public int Index { get; } = index;
    public double Dx { get; } = dx;
    public double Dy { get; } = dy;
    public double Dz { get; } = dz;
    public double R2 { get; } = r2;
}

/// <summary>
/// Incremental spatial hash of a changing set of beads (A) for Monte Carlo: it owns the flat positions, puts
/// every bead in a cubic cell of edge <see cref="CellEdge"/> and finds the beads within a radius (at most one
/// edge) of any point by scanning the 27 cells around it. Beads are inserted at index <see cref="Count"/>
/// (<see cref="Add"/>), moved (<see cref="Move"/>) and removed by swap-remove (<see cref="SwapRemove"/>: the
/// last bead takes the freed index), each in O(1); the grid follows the beads wherever they drift.
/// <para>
/// Cells live in an open-addressing table keyed by their integer coordinates (21 bits each); a bead farther
/// than about one million cell edges from the origin on an axis is clamped into the boundary cell of that
/// axis. Clamping only merges cells, so a query still finds every bead within the radius: far beads cost
/// more candidates, never a wrong answer. Non-finite positions are refused (ArgumentException); a query at a
/// non-finite point finds nothing.
/// </para>
/// <para>
/// Order (the contract the Monte Carlo backends' bit-for-bit reproducibility rests on): a query visits the 27
/// cells z-major, then y, then x (offsets -1, 0, +1), and within a cell the beads most recently inserted or
/// moved into it first. That order depends only on the sequence of Reset/Add/Move/SwapRemove calls, never
/// on the table size: growing or compacting the table keeps every cell's chain as it is.
/// </para>
/// Allocation-free after warm-up (arrays grow by doubling). Not thread safe.
/// </summary>
public sealed class CellHash
{
    /// <summary>Cell coordinates are clamped to [-Limit, Limit], so that a neighbour cell (+-1) still packs into 21 bits.</summary>
    private const long Limit = (1L << 20) - 2;
    private const long Bias = 1L << 20;
    private const long EmptyKey = long.MinValue;

    /// <summary>Key offsets of the 27 cells of a query from the cell (cx-1, cy-1, cz-1), in visiting order.</summary>
    private static readonly long[] CellOffsets = BuildOffsets();

    private readonly double _edge, _inv;
    private double[] _pos = new double[3 * 64];
    private int _n;
    private int[] _next = new int[64], _prev = new int[64], _slotOf = new int[64];
    private long[] _keys = new long[256], _spareKeys = [];
    private int[] _heads = new int[256], _spareHeads = [];
    private int _usedSlots;

    /// <param name="cellEdge">Cell edge (A): the largest query radius.</param>
    public CellHash(double cellEdge)
    {
        if (!(cellEdge > 0) || !double.IsFinite(cellEdge)) throw new ArgumentOutOfRangeException(nameof(cellEdge), "the cell edge must be a positive finite number of Angstrom");
        _edge = cellEdge;
        _inv = 1.0 / cellEdge;
        _keys.AsSpan().Fill(EmptyKey);
    }

    /// <summary>Cell edge (A); also the largest radius a query accepts.</summary>
    public double CellEdge => _edge;

    /// <summary>Number of beads.</summary>
    public int Count => _n;

    /// <summary>Flat positions (A) x0, y0, z0, x1, ... of the beads; valid until the next change.</summary>
    public ReadOnlySpan<double> Positions => _pos.AsSpan(0, 3 * _n);

    /// <summary>Loads <paramref name="positions"/> (flat, A) as beads 0..n-1, inserted in index order.</summary>
    public void Reset(ReadOnlySpan<double> positions)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3", nameof(positions));
        for (int i = 0; i < positions.Length; i++)
            if (!double.IsFinite(positions[i])) throw new ArgumentException($"position of bead {i / 3} is not finite", nameof(positions));
        int n = positions.Length / 3;
        EnsureCapacity(n);
        positions.CopyTo(_pos);
        int cap = 256;
        while (cap < 4 * n) cap *= 2;
        if (_keys.Length < cap) { _keys = new long[cap]; _heads = new int[cap]; }
        _keys.AsSpan().Fill(EmptyKey);
        _usedSlots = 0;
        _n = n;
        for (int i = 0; i < n; i++) Link(i, SlotFor(i));
    }

    /// <summary>Appends a bead at (x, y, z) (A); returns its index (the old <see cref="Count"/>).</summary>
    public int Add(double x, double y, double z)
    {
        CheckFinite(x, y, z);
        EnsureCapacity(_n + 1);
        int i = _n++;
        _pos[3 * i] = x; _pos[3 * i + 1] = y; _pos[3 * i + 2] = z;
        Link(i, SlotFor(i));
        return i;
    }

    /// <summary>Moves bead <paramref name="index"/> to (x, y, z) (A); it becomes the first of its cell.</summary>
    public void Move(int index, double x, double y, double z)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        CheckFinite(x, y, z);
        Unlink(index);
        _pos[3 * index] = x; _pos[3 * index + 1] = y; _pos[3 * index + 2] = z;
        Link(index, SlotFor(index));
    }

    /// <summary>Removes bead <paramref name="index"/>: the last bead moves into its index (and becomes the first of its cell).</summary>
    public void SwapRemove(int index)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        int last = _n - 1;
        Unlink(index);
        if (index != last)
        {
            int slot = _slotOf[last];
            Unlink(last);
            _pos[3 * index] = _pos[3 * last]; _pos[3 * index + 1] = _pos[3 * last + 1]; _pos[3 * index + 2] = _pos[3 * last + 2];
            Link(index, slot);
        }
        _n--;
    }

    /// <summary>The beads closer than <paramref name="radius"/> (A, at most <see cref="CellEdge"/>) to (x, y, z): squared distance &lt; radius^2.</summary>
    public NeighbourEnumerator Within(double x, double y, double z, double radius)
    {
        CheckRadius(radius);
        return new NeighbourEnumerator(this, x, y, z, radius * radius);
    }

    /// <summary>The beads within <paramref name="radius"/> (A, at most <see cref="CellEdge"/>) of (x, y, z), the radius included: squared distance &lt;= radius^2.</summary>
    public NeighbourEnumerator WithinInclusive(double x, double y, double z, double radius)
    {
        CheckRadius(radius);
        // r2 <= d2 is r2 < the next double above d2 (no double lies between them)
        return new NeighbourEnumerator(this, x, y, z, Math.BitIncrement(radius * radius));
    }

    /// <summary>
    /// Enumerates the beads of a query in the documented order (see <see cref="CellHash"/>), with the vector
    /// from the query point to each. Do not change the hash while enumerating.
    /// </summary>
    public ref struct NeighbourEnumerator
    {
        private readonly CellHash _h;
        private readonly double[] _pos;
        private readonly int[] _next;
        private readonly double _x, _y, _z, _bound;
        private readonly long _firstKey;
        private int _cell, _j;
        private double _dx, _dy, _dz, _r2;

        internal NeighbourEnumerator(CellHash h, double x, double y, double z, double bound)
        {
            _h = h; _pos = h._pos; _next = h._next;
            _x = x; _y = y; _z = z; _bound = bound;
            _firstKey = Pack(h.Cell(x) - 1, h.Cell(y) - 1, h.Cell(z) - 1);
            _cell = -1;
            _j = -1;
        }

        public readonly Neighbour Current
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => new(_j, _dx, _dy, _dz, _r2);
        }

        public readonly NeighbourEnumerator GetEnumerator() => this;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext()
        {
            double[] pos = _pos;
            int[] next = _next;
            int j = _j >= 0 ? next[_j] : -1;
            while (true)
            {
                if (j < 0 && (j = NextChain()) < 0) { _j = -1; return false; }
                double dx = pos[3 * j] - _x, dy = pos[3 * j + 1] - _y, dz = pos[3 * j + 2] - _z;
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < _bound)
                {
                    _j = j; _dx = dx; _dy = dy; _dz = dz; _r2 = r2;
                    return true;
                }
                j = next[j];
            }
        }

        /// <summary>The first bead of the next non-empty cell of the 27, or -1 when none is left.</summary>
        private int NextChain()
        {
            while (_cell < 26)
            {
                int slot = _h.Find(_firstKey + CellOffsets[++_cell]);
                if (slot >= 0 && _h._heads[slot] >= 0) return _h._heads[slot];
            }
            return -1;
        }
    }

    // ------------------------------------------------------------------ cells and table

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Cell(double v)
    {
        double c = Math.Floor(v * _inv);
        return c >= -Limit ? (c <= Limit ? (long)c : Limit) : -Limit; // NaN: -Limit (a query there finds nothing)
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pack(long cx, long cy, long cz) => ((cx + Bias) << 42) | ((cy + Bias) << 21) | (cz + Bias);

    private static long[] BuildOffsets()
    {
        var o = new long[27];
        int t = 0;
        for (long dz = 0; dz < 3; dz++)
            for (long dy = 0; dy < 3; dy++)
                for (long dx = 0; dx < 3; dx++)
                    o[t++] = (dx << 42) + (dy << 21) + dz;
        return o;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(long key, int mask) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 40) & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(long key)
    {
        long[] keys = _keys;
        int mask = keys.Length - 1;
        for (int s = Hash(key, mask); ; s = (s + 1) & mask)
        {
            long k = keys[s];
            if (k == key) return s;
            if (k == EmptyKey) return -1;
        }
    }

    private int SlotFor(int i)
    {
        long key = Pack(Cell(_pos[3 * i]), Cell(_pos[3 * i + 1]), Cell(_pos[3 * i + 2]));
        while (true)
        {
            int mask = _keys.Length - 1;
            for (int s = Hash(key, mask); ; s = (s + 1) & mask)
            {
                long k = _keys[s];
                if (k == key) return s;
                if (k != EmptyKey) continue;
                if (2 * (_usedSlots + 1) > _keys.Length) break; // full: compact (and maybe grow), then probe again
                _keys[s] = key; _heads[s] = -1; _usedSlots++;
                return s;
            }
            Rehash();
        }
    }

    /// <summary>Drops the empty cells and doubles the table while live cells would fill more than a quarter of it;
    /// every chain moves with its cell unchanged.</summary>
    private void Rehash()
    {
        int live = 0;
        for (int s = 0; s < _keys.Length; s++) if (_keys[s] != EmptyKey && _heads[s] >= 0) live++;
        int cap = _keys.Length;
        while (4 * (live + 1) > cap) cap *= 2;
        if (_spareKeys.Length != cap) { _spareKeys = new long[cap]; _spareHeads = new int[cap]; }
        (long[] oldKeys, int[] oldHeads) = (_keys, _heads);
        (_keys, _heads, _spareKeys, _spareHeads) = (_spareKeys, _spareHeads, oldKeys, oldHeads);
        _keys.AsSpan().Fill(EmptyKey);
        _usedSlots = 0;
        int mask = cap - 1;
        for (int s = 0; s < oldKeys.Length; s++)
        {
            if (oldKeys[s] == EmptyKey || oldHeads[s] < 0) continue;
            int t = Hash(oldKeys[s], mask);
            while (_keys[t] != EmptyKey) t = (t + 1) & mask;
            _keys[t] = oldKeys[s]; _heads[t] = oldHeads[s]; _usedSlots++;
            for (int j = oldHeads[s]; j >= 0; j = _next[j]) _slotOf[j] = t;
        }
    }

    private void Link(int i, int slot)
    {
        int h = _heads[slot];
        _next[i] = h;
        _prev[i] = -1;
        if (h >= 0) _prev[h] = i;
        _heads[slot] = i;
        _slotOf[i] = slot;
    }

    private void Unlink(int i)
    {
        int p = _prev[i], nx = _next[i];
        if (p >= 0) _next[p] = nx; else _heads[_slotOf[i]] = nx;
        if (nx >= 0) _prev[nx] = p;
    }

    private void EnsureCapacity(int n)
    {
        if (_next.Length >= n) return;
        int cap = Math.Max(n, 2 * _next.Length);
        Array.Resize(ref _pos, 3 * cap);
        Array.Resize(ref _next, cap); Array.Resize(ref _prev, cap); Array.Resize(ref _slotOf, cap);
    }

    private void CheckRadius(double radius)
    {
        if (!(radius >= 0 && radius <= _edge)) throw new ArgumentOutOfRangeException(nameof(radius), $"the query radius must be in [0, {_edge}] A (the cell edge)");
    }

    private static void CheckFinite(double x, double y, double z)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z)) throw new ArgumentException("a bead position must be finite");
    }
}
