using System.Runtime.CompilerServices;

namespace AlHpc.MonteCarlo;

/// <summary>Outcome of a <see cref="ClusterCriterion"/> check.</summary>
public enum CriterionResult
{
    /// <summary>The configuration after the proposal is one connected cluster without overlaps.</summary>
    Ok = 0,
    /// <summary>The proposal would split the cluster (or isolate a bead).</summary>
    Disconnected = 1,
    /// <summary>The proposal would bring two beads closer than <see cref="ClusterCriterion.MinDistance"/>.</summary>
    Overlap = 2,
}

/// <summary>
/// The Stillinger cluster criterion, maintained incrementally for Monte Carlo: two beads are bonded when
/// they are within <see cref="Distance"/> (A, default 4.0) of each other, and the configuration is a
/// cluster when the bond graph is connected (every bead within <see cref="Distance"/> of at least one
/// other bead of ONE connected cluster). Optionally, beads closer than <see cref="MinDistance"/> (A) are an
/// overlap (a hard-core guard against a poor network's collapse holes; 0 disables it).
/// <para>
/// A trial move of bead k only changes the bonds of k. The graph without k has components that each held
/// an old neighbour of k (the old graph was connected), so the new graph is connected iff every "lost"
/// neighbour (bonded to the old k, not to the new k) is reachable from the new k. The check therefore
/// (1) scans the neighbours of the new position (overlap, at least one bond), (2) lists the lost
/// neighbours, and when there are any (3) runs a breadth-first search from the new k that stops as soon
/// as all lost neighbours are reached. Neighbour queries use a spatial hash of cubic cells of edge
/// <see cref="Distance"/> (27 cells per query) that follows the beads wherever they drift. All buffers
/// are reused: no allocation per check after <see cref="Reset"/>.
/// </para>
/// <para>
/// Protocol (mirrors <c>IMcEnergyBackend</c>): <see cref="Reset"/>, then for each proposal a check
/// (<see cref="CheckMove"/>, <see cref="CheckInsert"/>, <see cref="CheckRemove"/>), and when the
/// proposal is accepted the matching commit (<see cref="CommitMove"/>, <see cref="CommitInsert"/>,
/// <see cref="CommitRemove"/>: swap-remove, the last bead takes slot k). Not thread safe.
/// </para>
/// </summary>
public sealed class ClusterCriterion
{
    private readonly double _d2, _min2, _inv;
    private double[] _pos = new double[48];
    private int _n;
    // Spatial hash: bucket heads, per-bead doubly linked lists and the bucket of each bead.
    private int[] _head = new int[64];
    private int _mask = 63;
    private int[] _next = new int[16], _prev = new int[16], _bucketOf = new int[16];
    // Search buffers: stamps instead of clearing, a queue, the lost-neighbour list.
    private int[] _seen = new int[16], _lostMark = new int[16], _newMark = new int[16];
    private int[] _queue = new int[16], _lost = new int[16];
    private int _stamp;
    private readonly int[] _scannedBuckets = new int[27];

    /// <param name="distance">Bond distance (A) of the Stillinger criterion (default 4.0).</param>
    /// <param name="minDistance">Overlap distance (A): pairs closer than this are rejected; 0 disables it. Must be below <paramref name="distance"/>.</param>
    public ClusterCriterion(double distance = 4.0, double minDistance = 0.0)
    {
        if (!(distance > 0) || !double.IsFinite(distance)) throw new ArgumentOutOfRangeException(nameof(distance), "the criterion distance must be a positive finite number of Angstrom");
        if (!(minDistance >= 0) || minDistance >= distance) throw new ArgumentOutOfRangeException(nameof(minDistance), "the overlap distance must be >= 0 and below the criterion distance");
        Distance = distance;
        MinDistance = minDistance;
        _d2 = distance * distance;
        _min2 = minDistance * minDistance;
        _inv = 1.0 / distance;
    }

    /// <summary>Bond distance (A).</summary>
    public double Distance { get; }

    /// <summary>Overlap distance (A); 0 when off.</summary>
    public double MinDistance { get; }

    /// <summary>Current number of beads.</summary>
    public int Count => _n;

    /// <summary>How many move checks needed the breadth-first search (diagnostics; the rest were decided locally).</summary>
    public long SearchCount { get; private set; }

    /// <summary>The criterion's copy of the positions (A).</summary>
    public ReadOnlySpan<double> Positions => _pos.AsSpan(0, 3 * _n);

    /// <summary>
    /// Loads a configuration. Returns <see cref="CriterionResult.Ok"/> when it is one connected cluster
    /// without overlaps; otherwise the state is loaded anyway (callers decide what to do with a start
    /// that breaks the criterion).
    /// </summary>
    public CriterionResult Reset(ReadOnlySpan<double> positions)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3", nameof(positions));
        int n = positions.Length / 3;
        for (int i = 0; i < positions.Length; i++)
            if (!double.IsFinite(positions[i])) throw new ArgumentException($"position of bead {i / 3} is not finite", nameof(positions));
        EnsureCapacity(n);
        int tableSize = 64;
        while (tableSize < 2 * n) tableSize <<= 1;
        if (_head.Length != tableSize) _head = new int[tableSize];
        _mask = tableSize - 1;
        _head.AsSpan().Fill(-1);
        positions.CopyTo(_pos);
        _n = n;
        for (int i = 0; i < n; i++) Link(i, BucketOf(_pos[3 * i], _pos[3 * i + 1], _pos[3 * i + 2]));
        return CheckWhole();
    }

    /// <summary>Full check of the loaded configuration: connected and free of overlaps (O(N)).</summary>
    public CriterionResult CheckWhole()
    {
        if (_n == 0) return CriterionResult.Ok;
        if (_min2 > 0)
            for (int i = 0; i < _n; i++)
                if (HasOverlap(_pos[3 * i], _pos[3 * i + 1], _pos[3 * i + 2], i, -1)) return CriterionResult.Overlap;
        int stamp = NextStamp();
        _seen[0] = stamp;
        _queue[0] = 0;
        int head = 0, tail = 1;
        while (head < tail)
        {
            int j = _queue[head++];
            int none = 0;
            tail = ExpandFrom(j, -1, stamp, tail, -1, ref none);
        }
        return tail == _n ? CriterionResult.Ok : CriterionResult.Disconnected;
    }

    /// <summary>Would moving bead <paramref name="index"/> to (x, y, z) (A) keep one connected cluster without overlaps?</summary>
    public CriterionResult CheckMove(int index, double x, double y, double z)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        if (_n == 1) return CriterionResult.Ok;
        // (1) neighbours of the new position: overlap test, mark them, count them.
        int newStamp = NextStamp();
        int newCount = 0;
        ScanNeighbours(x, y, z, index, newStamp, ref newCount, out bool overlap);
        if (overlap) return CriterionResult.Overlap;
        if (newCount == 0) return CriterionResult.Disconnected;
        // (2) lost neighbours: bonded to the old position, not to the new one.
        int lostStamp = NextStamp();
        int lostCount = CollectLost(index, newStamp, lostStamp);
        if (lostCount == 0) return CriterionResult.Ok;
        // (3a) Cheap common case: a lost neighbour bonded to a new neighbour of k is reachable from k.
        lostCount = DropBridged(index, lostCount, newStamp);
        if (lostCount == 0) return CriterionResult.Ok;
        // (3b) BFS from the new k (k at its new position; edges to k's old grid entry are skipped).
        SearchCount++;
        int seen = NextStamp();
        _seen[index] = seen;
        int tail = 0;
        ScanInto(x, y, z, index, seen, ref tail, lostStamp, ref lostCount);
        if (lostCount == 0) return CriterionResult.Ok;
        int head = 0;
        while (head < tail)
        {
            int j = _queue[head++];
            tail = ExpandFrom(j, index, seen, tail, lostStamp, ref lostCount);
            if (lostCount == 0) return CriterionResult.Ok;
        }
        return CriterionResult.Disconnected;
    }

    /// <summary>Would inserting a bead at (x, y, z) (A) keep the criterion? (It needs one bond and no overlap.)</summary>
    public CriterionResult CheckInsert(double x, double y, double z)
    {
        if (_n == 0) return CriterionResult.Ok;
        int stamp = NextStamp();
        int count = 0;
        ScanNeighbours(x, y, z, -1, stamp, ref count, out bool overlap);
        if (overlap) return CriterionResult.Overlap;
        return count > 0 ? CriterionResult.Ok : CriterionResult.Disconnected;
    }

    /// <summary>Would removing bead <paramref name="index"/> leave one connected cluster?</summary>
    public CriterionResult CheckRemove(int index)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        if (_n <= 2) return CriterionResult.Ok;
        // Every component of G - k holds an old neighbour of k: connected iff all old neighbours meet.
        int lostStamp = NextStamp();
        int lostCount = CollectLost(index, newStamp: -1, lostStamp);
        if (lostCount <= 1) return CriterionResult.Ok;
        int seen = NextStamp();
        _seen[index] = seen;
        int start = _lost[0];
        _seen[start] = seen;
        _queue[0] = start;
        lostCount--;
        int head = 0, tail = 1;
        while (head < tail)
        {
            int j = _queue[head++];
            tail = ExpandFrom(j, index, seen, tail, lostStamp, ref lostCount);
            if (lostCount == 0) return CriterionResult.Ok;
        }
        return CriterionResult.Disconnected;
    }

    /// <summary>Commits a move of bead <paramref name="index"/> to (x, y, z) (A).</summary>
    public void CommitMove(int index, double x, double y, double z)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        _pos[3 * index] = x; _pos[3 * index + 1] = y; _pos[3 * index + 2] = z;
        int b = BucketOf(x, y, z);
        if (b != _bucketOf[index]) { Unlink(index); Link(index, b); }
    }

    /// <summary>Commits an insertion at (x, y, z) (A); the new bead gets index <see cref="Count"/> - 1.</summary>
    public void CommitInsert(double x, double y, double z)
    {
        if (2 * (_n + 1) > _head.Length)
        {
            // Grow the hash table (rebuild); rare.
            var copy = _pos.AsSpan(0, 3 * _n).ToArray();
            var all = new double[copy.Length + 3];
            copy.CopyTo(all, 0);
            all[^3] = x; all[^2] = y; all[^1] = z;
            Reset(all);
            return;
        }
        EnsureCapacity(_n + 1);
        int i = _n++;
        _pos[3 * i] = x; _pos[3 * i + 1] = y; _pos[3 * i + 2] = z;
        Link(i, BucketOf(x, y, z));
    }

    /// <summary>Commits removal of bead <paramref name="index"/>: the last bead moves into its slot (swap-remove).</summary>
    public void CommitRemove(int index)
    {
        if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
        int last = _n - 1;
        Unlink(index);
        if (index != last)
        {
            Unlink(last);
            _pos[3 * index] = _pos[3 * last];
            _pos[3 * index + 1] = _pos[3 * last + 1];
            _pos[3 * index + 2] = _pos[3 * last + 2];
            Link(index, BucketOf(_pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2]));
        }
        _n--;
    }

    /// <summary>
    /// Plain reference (O(N^2) depth-first search, no cells): is the configuration one connected cluster
    /// with bond distance <paramref name="distance"/> (A) and no pair closer than <paramref name="minDistance"/>?
    /// </summary>
    public static CriterionResult CheckReference(ReadOnlySpan<double> positions, double distance, double minDistance = 0)
    {
        int n = positions.Length / 3;
        if (n == 0) return CriterionResult.Ok;
        double d2 = distance * distance, m2 = minDistance * minDistance;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (Dist2(positions, i, j) < m2) return CriterionResult.Overlap;
        var visited = new bool[n];
        var stack = new Stack<int>();
        stack.Push(0);
        visited[0] = true;
        int count = 1;
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            for (int j = 0; j < n; j++)
                if (!visited[j] && Dist2(positions, i, j) <= d2) { visited[j] = true; count++; stack.Push(j); }
        }
        return count == n ? CriterionResult.Ok : CriterionResult.Disconnected;
    }

    private static double Dist2(ReadOnlySpan<double> p, int i, int j)
    {
        double dx = p[3 * i] - p[3 * j], dy = p[3 * i + 1] - p[3 * j + 1], dz = p[3 * i + 2] - p[3 * j + 2];
        return dx * dx + dy * dy + dz * dz;
    }

    // ---- internals ----

    private int NextStamp()
    {
        if (_stamp == int.MaxValue)
        {
            _seen.AsSpan().Clear(); _lostMark.AsSpan().Clear(); _newMark.AsSpan().Clear();
            _stamp = 0;
        }
        return ++_stamp;
    }

    private void EnsureCapacity(int n)
    {
        if (_next.Length >= n && _pos.Length >= 3 * n) return;
        int cap = Math.Max(n, 2 * _next.Length);
        Array.Resize(ref _pos, 3 * cap);
        Array.Resize(ref _next, cap); Array.Resize(ref _prev, cap); Array.Resize(ref _bucketOf, cap);
        Array.Resize(ref _seen, cap); Array.Resize(ref _lostMark, cap); Array.Resize(ref _newMark, cap);
        Array.Resize(ref _queue, cap); Array.Resize(ref _lost, cap);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Cell(double v) => (long)Math.Floor(v * _inv);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hash(long cx, long cy, long cz) =>
        (int)(unchecked((ulong)(cx * 73856093L ^ cy * 19349663L ^ cz * 83492791L) * 0x9E3779B97F4A7C15UL >> 32) & (ulong)_mask);

    private int BucketOf(double x, double y, double z) => Hash(Cell(x), Cell(y), Cell(z));

    private void Link(int i, int b)
    {
        _bucketOf[i] = b;
        int h = _head[b];
        _next[i] = h;
        _prev[i] = -1;
        if (h >= 0) _prev[h] = i;
        _head[b] = i;
    }

    private void Unlink(int i)
    {
        int p = _prev[i], nx = _next[i];
        if (p >= 0) _next[p] = nx; else _head[_bucketOf[i]] = nx;
        if (nx >= 0) _prev[nx] = p;
    }

    /// <summary>The distinct buckets of the 27 cells around (x, y, z); returns their count.</summary>
    private int BucketsAround(double x, double y, double z)
    {
        long cx = Cell(x), cy = Cell(y), cz = Cell(z);
        int count = 0;
        for (long a = cx - 1; a <= cx + 1; a++)
            for (long b = cy - 1; b <= cy + 1; b++)
                for (long c = cz - 1; c <= cz + 1; c++)
                {
                    int h = Hash(a, b, c);
                    bool dup = false;
                    for (int t = 0; t < count; t++) if (_scannedBuckets[t] == h) { dup = true; break; }
                    if (!dup) _scannedBuckets[count++] = h;
                }
        return count;
    }

    /// <summary>Marks (with <paramref name="stamp"/> in _newMark) and counts beads bonded to (x, y, z), excluding <paramref name="skip"/>.</summary>
    private void ScanNeighbours(double x, double y, double z, int skip, int stamp, ref int count, out bool overlap)
    {
        overlap = false;
        int nb = BucketsAround(x, y, z);
        for (int t = 0; t < nb; t++)
            for (int j = _head[_scannedBuckets[t]]; j >= 0; j = _next[j])
            {
                if (j == skip) continue;
                double dx = _pos[3 * j] - x, dy = _pos[3 * j + 1] - y, dz = _pos[3 * j + 2] - z;
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < _min2) { overlap = true; return; }
                if (r2 <= _d2) { _newMark[j] = stamp; count++; }
            }
    }

    private bool HasOverlap(double x, double y, double z, int skip, int skip2)
    {
        int nb = BucketsAround(x, y, z);
        for (int t = 0; t < nb; t++)
            for (int j = _head[_scannedBuckets[t]]; j >= 0; j = _next[j])
            {
                if (j == skip || j == skip2) continue;
                double dx = _pos[3 * j] - x, dy = _pos[3 * j + 1] - y, dz = _pos[3 * j + 2] - z;
                if (dx * dx + dy * dy + dz * dz < _min2) return true;
            }
        return false;
    }

    /// <summary>Lists in _lost (marked with lostStamp) the beads bonded to bead k's current position and not marked with newStamp.</summary>
    private int CollectLost(int k, int newStamp, int lostStamp)
    {
        double x = _pos[3 * k], y = _pos[3 * k + 1], z = _pos[3 * k + 2];
        int count = 0;
        int nb = BucketsAround(x, y, z);
        for (int t = 0; t < nb; t++)
            for (int j = _head[_scannedBuckets[t]]; j >= 0; j = _next[j])
            {
                if (j == k || _newMark[j] == newStamp) continue;
                double dx = _pos[3 * j] - x, dy = _pos[3 * j + 1] - y, dz = _pos[3 * j + 2] - z;
                if (dx * dx + dy * dy + dz * dz <= _d2) { _lostMark[j] = lostStamp; _lost[count++] = j; }
            }
        return count;
    }

    /// <summary>
    /// Removes from _lost (and unmarks) every lost bead bonded to a bead marked with <paramref name="newStamp"/>
    /// (a new neighbour of the moved bead <paramref name="k"/>); returns how many remain.
    /// </summary>
    private int DropBridged(int k, int lostCount, int newStamp)
    {
        int kept = 0;
        for (int t = 0; t < lostCount; t++)
        {
            int j = _lost[t];
            if (BondedToMarked(j, k, newStamp)) _lostMark[j] = 0;
            else _lost[kept++] = j;
        }
        return kept;
    }

    private bool BondedToMarked(int j, int skip, int newStamp)
    {
        double x = _pos[3 * j], y = _pos[3 * j + 1], z = _pos[3 * j + 2];
        int nb = BucketsAround(x, y, z);
        for (int t = 0; t < nb; t++)
            for (int i = _head[_scannedBuckets[t]]; i >= 0; i = _next[i])
            {
                if (i == skip || _newMark[i] != newStamp) continue;
                double dx = _pos[3 * i] - x, dy = _pos[3 * i + 1] - y, dz = _pos[3 * i + 2] - z;
                if (dx * dx + dy * dy + dz * dz <= _d2) return true;
            }
        return false;
    }

    /// <summary>Enqueues the unseen beads bonded to (x, y, z), except <paramref name="skip"/>.</summary>
    private void ScanInto(double x, double y, double z, int skip, int seen, ref int tail, int lostStamp, ref int lostCount)
    {
        int nb = BucketsAround(x, y, z);
        for (int t = 0; t < nb; t++)
            for (int j = _head[_scannedBuckets[t]]; j >= 0; j = _next[j])
            {
                if (j == skip || _seen[j] == seen) continue;
                double dx = _pos[3 * j] - x, dy = _pos[3 * j + 1] - y, dz = _pos[3 * j + 2] - z;
                if (dx * dx + dy * dy + dz * dz <= _d2)
                {
                    _seen[j] = seen;
                    _queue[tail++] = j;
                    if (lostStamp >= 0 && _lostMark[j] == lostStamp) lostCount--;
                }
            }
    }

    private int ExpandFrom(int j, int skip, int seen, int tail, int lostStamp, ref int lostCount)
    {
        ScanInto(_pos[3 * j], _pos[3 * j + 1], _pos[3 * j + 2], skip, seen, ref tail, lostStamp, ref lostCount);
        return tail;
    }
}
