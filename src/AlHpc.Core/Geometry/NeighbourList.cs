using System.Runtime.CompilerServices;

namespace AlHpc.Geometry;

/// <summary>
/// Full (both directions) neighbour list of a non-periodic cluster within a cutoff (A), built with a
/// cell list so the cost grows linearly with the bead count. CSR layout: neighbours of atom i are
/// entries Start[i] .. Start[i+1]-1 of <see cref="Index"/>, with the vector r_j - r_i in
/// <see cref="Dx"/>/<see cref="Dy"/>/<see cref="Dz"/> and its length in <see cref="R"/>.
/// Entries of one atom are in increasing j. Reuse one instance: <see cref="Build"/> allocates only when
/// a cluster is larger than any seen before. Not thread safe: one per thread.
/// </summary>
public sealed class NeighbourList
{
    private int[] _start = new int[1];
    private int[] _index = new int[16];
    private double[] _dx = new double[16], _dy = new double[16], _dz = new double[16], _r = new double[16];
    private int[] _cellHead = new int[1];
    private int[] _next = new int[1];
    private int[] _cellOf = new int[1];

    public int AtomCount { get; private set; }
    public int PairCount { get; private set; }
    public double Cutoff { get; private set; }

    public ReadOnlySpan<int> Start => _start.AsSpan(0, AtomCount + 1);
    public ReadOnlySpan<int> Index => _index.AsSpan(0, PairCount);
    public ReadOnlySpan<double> Dx => _dx.AsSpan(0, PairCount);
    public ReadOnlySpan<double> Dy => _dy.AsSpan(0, PairCount);
    public ReadOnlySpan<double> Dz => _dz.AsSpan(0, PairCount);
    public ReadOnlySpan<double> R => _r.AsSpan(0, PairCount);

    public int CountOf(int i) => _start[i + 1] - _start[i];

    /// <summary>Builds the list for flat positions (A) x0,y0,z0,... and a cutoff (A).</summary>
    public void Build(ReadOnlySpan<double> positions, double cutoff)
    {
        if (!(cutoff > 0)) throw new ArgumentOutOfRangeException(nameof(cutoff));
        int n = positions.Length / 3;
        AtomCount = n;
        Cutoff = cutoff;
        if (_start.Length < n + 1) _start = new int[Math.Max(n + 1, 2 * _start.Length)];
        PairCount = 0;
        if (n == 0) { _start[0] = 0; return; }

        double minX = double.MaxValue, minY = double.MaxValue, minZ = double.MaxValue;
        double maxX = double.MinValue, maxY = double.MinValue, maxZ = double.MinValue;
        for (int i = 0; i < n; i++)
        {
            double x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
            if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z))
                throw new ArgumentException($"position of atom {i} is not finite", nameof(positions));
            minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
            minY = Math.Min(minY, y); maxY = Math.Max(maxY, y);
            minZ = Math.Min(minZ, z); maxZ = Math.Max(maxZ, z);
        }

        // Cell edge >= cutoff; grow it for sparse (exploded) clusters so the grid stays O(n) cells.
        double cell = cutoff;
        long nx, ny, nz;
        while (true)
        {
            nx = Math.Max(1, (long)((maxX - minX) / cell) + 1);
            ny = Math.Max(1, (long)((maxY - minY) / cell) + 1);
            nz = Math.Max(1, (long)((maxZ - minZ) / cell) + 1);
            if (nx * ny * nz <= 4L * n + 64) break;
            cell *= 1.5;
        }
        int nCells = (int)(nx * ny * nz);
        if (_cellHead.Length < nCells) _cellHead = new int[Math.Max(nCells, 2 * _cellHead.Length)];
        if (_next.Length < n) { _next = new int[Math.Max(n, 2 * _next.Length)]; _cellOf = new int[_next.Length]; }
        _cellHead.AsSpan(0, nCells).Fill(-1);
        double inv = 1.0 / cell;
        // Insert in reverse order so each cell's chain runs in increasing atom index.
        for (int i = n - 1; i >= 0; i--)
        {
            int cx = (int)Math.Min(nx - 1, (long)((positions[3 * i] - minX) * inv));
            int cy = (int)Math.Min(ny - 1, (long)((positions[3 * i + 1] - minY) * inv));
            int cz = (int)Math.Min(nz - 1, (long)((positions[3 * i + 2] - minZ) * inv));
            int c = (int)((cz * ny + cy) * nx + cx);
            _cellOf[i] = c;
            _next[i] = _cellHead[c];
            _cellHead[c] = i;
        }

        double rc2 = cutoff * cutoff;
        int p = 0;
        for (int i = 0; i < n; i++)
        {
            _start[i] = p;
            double xi = positions[3 * i], yi = positions[3 * i + 1], zi = positions[3 * i + 2];
            int c = _cellOf[i];
            int cx = (int)(c % nx), cy = (int)(c / nx % ny), cz = (int)(c / (nx * ny));
            int first = p;
            for (int dz = -1; dz <= 1; dz++)
            {
                int zz = cz + dz; if (zz < 0 || zz >= nz) continue;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int yy = cy + dy; if (yy < 0 || yy >= ny) continue;
                    for (int dxc = -1; dxc <= 1; dxc++)
                    {
                        int xx = cx + dxc; if (xx < 0 || xx >= nx) continue;
                        for (int j = _cellHead[(int)((zz * ny + yy) * nx + xx)]; j >= 0; j = _next[j])
                        {
                            if (j == i) continue;
                            double ddx = positions[3 * j] - xi, ddy = positions[3 * j + 1] - yi, ddz = positions[3 * j + 2] - zi;
                            double r2 = ddx * ddx + ddy * ddy + ddz * ddz;
                            if (r2 >= rc2) continue;
                            if (p == _index.Length) Grow();
                            _index[p] = j; _dx[p] = ddx; _dy[p] = ddy; _dz[p] = ddz; _r[p] = Math.Sqrt(r2);
                            p++;
                        }
                    }
                }
            }
            SortRange(first, p);
        }
        _start[n] = p;
        PairCount = p;
    }

    private void SortRange(int lo, int hi)
    {
        // insertion sort by neighbour index: lists are short (a handful of neighbours)
        for (int a = lo + 1; a < hi; a++)
        {
            int j = _index[a]; double x = _dx[a], y = _dy[a], z = _dz[a], r = _r[a];
            int b = a - 1;
            while (b >= lo && _index[b] > j)
            {
                _index[b + 1] = _index[b]; _dx[b + 1] = _dx[b]; _dy[b + 1] = _dy[b]; _dz[b + 1] = _dz[b]; _r[b + 1] = _r[b];
                b--;
            }
            _index[b + 1] = j; _dx[b + 1] = x; _dy[b + 1] = y; _dz[b + 1] = z; _r[b + 1] = r;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        int m = _index.Length * 2;
        Array.Resize(ref _index, m); Array.Resize(ref _dx, m); Array.Resize(ref _dy, m); Array.Resize(ref _dz, m); Array.Resize(ref _r, m);
    }
}
