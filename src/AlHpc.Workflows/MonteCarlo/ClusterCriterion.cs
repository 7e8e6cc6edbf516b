using AlHpc.Geometry;

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
/// as all lost neighbours are reached. Neighbour queries go to a <see cref="CellHash"/> of cell edge
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
    private readonly double _min2;
    private readonly CellHash _grid;
    // Search buffers: stamps instead of clearing, a queue, the lost-neighbour list.
    private int[] _seen = new int[16], _lostMark = new int[16], _newMark = new int[16];
    private int[] _queue = new int[16], _lost = new int[16];
    private int _stamp;

    /// <param name="distance">Bond distance (A) of the Stillinger criterion (default 4.0).</param>
    /// <param name="minDistance">Overlap distance (A): pairs closer than this are rejected; 0 disables it. Must be below <paramref name="distance"/>.</param>
    public ClusterCriterion(double distance = 4.0, double minDistance = 0.0)
    {
        if (!(distance > 0) || !double.IsFinite(distance)) throw new ArgumentOutOfRangeException(nameof(distance), "the criterion distance must be a positive finite number of Angstrom");
        if (!(minDistance >= 0) || minDistance >= distance) throw new ArgumentOutOfRangeException(nameof(minDistance), "the overlap distance must be >= 0 and below the criterion distance");
        Distance = distance;
        MinDistance = minDistance;
        _min2 = minDistance * minDistance;
        _grid = new CellHash(distance);
    }

    /// <summary>Bond distance (A).</summary>
    public double Distance { get; }

    /// <summary>Overlap distance (A); 0 when off.</summary>
    public double MinDistance { get; }

    /// <summary>Current number of beads.</summary>
    public int Count => _grid.Count;

    /// <summary>How many move checks needed the breadth-first search (diagnostics; the rest were decided locally).</summary>
    public long SearchCount { get; private set; }

    /// <summary>The criterion's copy of the positions (A).</summary>
    public ReadOnlySpan<double> Positions => _grid.Positions;

    /// <summary>
    /// Loads a configuration. Returns <see cref="CriterionResult.Ok"/> when it is one connected cluster
    /// without overlaps; otherwise the state is loaded anyway (callers decide what to do with a start
    /// that breaks the criterion).
    /// </summary>
    public CriterionResult Reset(ReadOnlySpan<double> positions)
    {
        _grid.Reset(positions);
        EnsureCapacity(_grid.Count);
        return CheckWhole();
    }

    /// <summary>Full check of the loaded configuration: connected and free of overlaps (O(N)).</summary>
    public CriterionResult CheckWhole()
    {
        int n = _grid.Count;
        if (n == 0) return CriterionResult.Ok;
        var p = _grid.Positions;
        if (_min2 > 0)
            for (int i = 0; i < n; i++)
                if (HasOverlap(p[3 * i], p[3 * i + 1], p[3 * i + 2], i)) return CriterionResult.Overlap;
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
        return tail == n ? CriterionResult.Ok : CriterionResult.Disconnected;
    }

    /// <summary>Would moving bead <paramref name="index"/> to (x, y, z) (A) keep one connected cluster without overlaps?</summary>
    public CriterionResult CheckMove(int index, double x, double y, double z)
    {
        if ((uint)index >= (uint)_grid.Count) throw new ArgumentOutOfRangeException(nameof(index));
        if (_grid.Count == 1) return CriterionResult.Ok;
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
        if (_grid.Count == 0) return CriterionResult.Ok;
        int stamp = NextStamp();
        int count = 0;
        ScanNeighbours(x, y, z, -1, stamp, ref count, out bool overlap);
        if (overlap) return CriterionResult.Overlap;
        return count > 0 ? CriterionResult.Ok : CriterionResult.Disconnected;
    }

    /// <summary>Would removing bead <paramref name="index"/> leave one connected cluster?</summary>
    public CriterionResult CheckRemove(int index)
    {
        if ((uint)index >= (uint)_grid.Count) throw new ArgumentOutOfRangeException(nameof(index));
        if (_grid.Count <= 2) return CriterionResult.Ok;
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
    public void CommitMove(int index, double x, double y, double z) => _grid.Move(index, x, y, z);

    /// <summary>Commits an insertion at (x, y, z) (A); the new bead gets index <see cref="Count"/> - 1.</summary>
    public void CommitInsert(double x, double y, double z)
    {
        EnsureCapacity(_grid.Count + 1);
        _grid.Add(x, y, z);
    }

    /// <summary>Commits removal of bead <paramref name="index"/>: the last bead moves into its slot (swap-remove).</summary>
    public void CommitRemove(int index) => _grid.SwapRemove(index);

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
        if (_seen.Length >= n) return;
        int cap = Math.Max(n, 2 * _seen.Length);
        Array.Resize(ref _seen, cap); Array.Resize(ref _lostMark, cap); Array.Resize(ref _newMark, cap);
        Array.Resize(ref _queue, cap); Array.Resize(ref _lost, cap);
    }

    /// <summary>The beads bonded to (x, y, z): within <see cref="Distance"/>, inclusive.</summary>
    private CellHash.NeighbourEnumerator Bonded(double x, double y, double z) => _grid.WithinInclusive(x, y, z, Distance);

    /// <summary>Marks (with <paramref name="stamp"/> in _newMark) and counts beads bonded to (x, y, z), excluding <paramref name="skip"/>.</summary>
    private void ScanNeighbours(double x, double y, double z, int skip, int stamp, ref int count, out bool overlap)
    {
        overlap = false;
        foreach (var nb in Bonded(x, y, z))
        {
            int j = nb.Index;
            if (j == skip) continue;
            if (nb.R2 < _min2) { overlap = true; return; }
            _newMark[j] = stamp;
            count++;
        }
    }

    private bool HasOverlap(double x, double y, double z, int skip)
    {
        foreach (var nb in _grid.Within(x, y, z, MinDistance))
            if (nb.Index != skip) return true;
        return false;
    }

    /// <summary>Lists in _lost (marked with lostStamp) the beads bonded to bead k's current position and not marked with newStamp.</summary>
    private int CollectLost(int k, int newStamp, int lostStamp)
    {
        var p = _grid.Positions;
        int count = 0;
        foreach (var nb in Bonded(p[3 * k], p[3 * k + 1], p[3 * k + 2]))
        {
            int j = nb.Index;
            if (j == k || _newMark[j] == newStamp) continue;
            _lostMark[j] = lostStamp;
            _lost[count++] = j;
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
        var p = _grid.Positions;
        foreach (var nb in Bonded(p[3 * j], p[3 * j + 1], p[3 * j + 2]))
            if (nb.Index != skip && _newMark[nb.Index] == newStamp) return true;
        return false;
    }

    /// <summary>Enqueues the unseen beads bonded to (x, y, z), except <paramref name="skip"/>.</summary>
    private void ScanInto(double x, double y, double z, int skip, int seen, ref int tail, int lostStamp, ref int lostCount)
    {
        foreach (var nb in Bonded(x, y, z))
        {
            int j = nb.Index;
            if (j == skip || _seen[j] == seen) continue;
            _seen[j] = seen;
            _queue[tail++] = j;
            if (lostStamp >= 0 && _lostMark[j] == lostStamp) lostCount--;
        }
    }

    private int ExpandFrom(int j, int skip, int seen, int tail, int lostStamp, ref int lostCount)
    {
        var p = _grid.Positions;
        ScanInto(p[3 * j], p[3 * j + 1], p[3 * j + 2], skip, seen, ref tail, lostStamp, ref lostCount);
        return tail;
    }
}
