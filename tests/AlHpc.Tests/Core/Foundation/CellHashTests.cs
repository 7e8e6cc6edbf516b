using AlHpc.Geometry;
using CsCheck;
using Xunit.Abstractions;

namespace AlHpc.Tests.Foundation;

/// <summary>
/// Contract of <see cref="CellHash"/> (the one cell hash of the Monte Carlo backends and the cluster criterion):
/// after any sequence of Reset, Add, Move and SwapRemove, a query returns exactly the beads a brute-force scan
/// finds within the radius, each once, with the same vector bit for bit, in the documented order; beads far
/// outside the grid (clamped into boundary cells) included. CsCheck generates the sequences (and shrinks a failure).
/// </summary>
public class CellHashTests(ITestOutputHelper output)
{
    private const double Edge = 3.55;
    private const long Limit = (1L << 20) - 2; // documented: coordinates beyond about a million cell edges are clamped

    // far beads come in tight groups around these anchors (beyond the clamp, 3.7e6 A, and far beyond it), so they have neighbours
    private static readonly double[] Anchors = [4.2e6, -1.0e7, 3.3e9, -2.5e12, 8.0e13];

    private static readonly Gen<double> Coord = Gen.Frequency(
        (6, Gen.Double[-1.5 * Edge, 1.5 * Edge]),                                       // a dense cluster
        (2, Gen.Double[-300 * Edge, 300 * Edge]),                                       // a gas: new cells (the table compacts and grows)
        (2, Gen.Int[-6, 6].Select(k => k * Edge)),                                       // exactly on cell boundaries
        (1, Gen.Int[-12, 12].Select(k => k * 0.5 * Edge)),
        (1, Gen.Select(Gen.Int[0, Anchors.Length - 1], Gen.Double[-Edge, Edge], (a, d) => Anchors[a] + d)),
        (1, Gen.Select(Gen.Bool, Gen.Double[3, 15], (neg, e) => (neg ? -1 : 1) * Math.Pow(10, e))));

    private static readonly Gen<double> Radius = Gen.Frequency(
        (4, Gen.Double[0, Edge * (1 - 1e-9)]),
        (1, Gen.Const(Edge)));

    /// <summary>Kind: 0 add, 1 move, 2 swap-remove, 3 query (strict), 4 query (radius included); Index modulo the count.</summary>
    private readonly record struct Op(int Kind, int Index, double X, double Y, double Z, double Radius);

    private static readonly Gen<Op> Ops = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 1000], Coord, Coord, Coord, Radius,
        (k, i, x, y, z, r) => new Op(k, i, x, y, z, r));

    private static readonly Gen<(double[] Start, Op[] Ops)> Cases =
        Gen.Select(Coord.Array[0, 120], Ops.Array[1, 600], (s, o) => (s.Take(s.Length / 3 * 3).ToArray(), o));

    [Fact]
    public void QueriesMatchBruteForceAndTheDocumentedOrder()
    {
        long queries = 0, found = 0, far = 0, ordered = 0;
        Cases.Sample(c =>
        {
            var hash = new CellHash(Edge);
            var model = new OrderModel();
            var pos = new List<double>(c.Start);
            hash.Reset(c.Start);
            model.Reset(pos);
            foreach (var op in c.Ops)
            {
                int n = pos.Count / 3;
                switch (op.Kind)
                {
                    case 0:
                        Assert.Equal(n, hash.Add(op.X, op.Y, op.Z));
                        pos.AddRange([op.X, op.Y, op.Z]);
                        model.Add(n, op.X, op.Y, op.Z);
                        break;
                    case 1 when n > 0:
                    {
                        int k = op.Index % n;
                        double x = op.X, y = op.Y, z = op.Z;
                        if (op.Index % 2 == 0) { x = pos[3 * k] + 0.5 * (op.X % 1); y = pos[3 * k + 1] + 0.5 * (op.Y % 1); z = pos[3 * k + 2]; } // a small MC step
                        hash.Move(k, x, y, z);
                        pos[3 * k] = x; pos[3 * k + 1] = y; pos[3 * k + 2] = z;
                        model.Move(k, x, y, z);
                        break;
                    }
                    case 2 when n > 0:
                    {
                        int k = op.Index % n, last = n - 1;
                        hash.SwapRemove(k);
                        model.SwapRemove(k, last, pos[3 * last], pos[3 * last + 1], pos[3 * last + 2]);
                        for (int d = 0; d < 3; d++) pos[3 * k + d] = pos[3 * last + d];
                        pos.RemoveRange(3 * last, 3);
                        break;
                    }
                    case 3 or 4:
                    {
                        // query at a bead (slightly offset) or at a generated point
                        double x = op.X, y = op.Y, z = op.Z;
                        if (n > 0 && op.Index % 3 != 0)
                        {
                            int k = op.Index % n;
                            x = pos[3 * k] + 0.25 * (op.X % 1); y = pos[3 * k + 1]; z = pos[3 * k + 2];
                        }
                        bool inclusive = op.Kind == 4;
                        var got = new List<Neighbour>();
                        foreach (var nb in inclusive ? hash.WithinInclusive(x, y, z, op.Radius) : hash.Within(x, y, z, op.Radius)) got.Add(nb);
                        CheckAgainstBruteForce(pos, x, y, z, op.Radius, inclusive, got);
                        Assert.Equal(model.Query(x, y, z).Where(j => got.Any(g => g.Index == j)), got.Select(g => g.Index));
                        queries++; found += got.Count;
                        if (got.Count > 1) ordered++;
                        if (Math.Abs(x) > 1e6) far += got.Count;
                        break;
                    }
                }
                Assert.Equal(pos.Count / 3, hash.Count);
                Assert.True(pos.SequenceEqual(hash.Positions.ToArray()), "positions (swap-remove order)");
            }
        }, iter: 300, threads: 1);
        output.WriteLine($"{queries} queries, {found} beads found ({far} around far points), {ordered} with more than one bead");
        Assert.True(queries > 5000 && found > 5000 && far > 50, $"{queries} queries, {found} beads found, {far} of them far out");
    }

    /// <summary>
    /// Exactly the brute-force set (each bead once, its vector bit for bit); the one documented exception: with a
    /// radius equal to the cell edge, a bead whose distance differs from the edge by rounding only may be missed.
    /// </summary>
    private static void CheckAgainstBruteForce(List<double> pos, double x, double y, double z, double radius, bool inclusive, List<Neighbour> got)
    {
        Assert.Equal(got.Count, got.Select(g => g.Index).Distinct().Count());
        double bound = radius * radius;
        var expected = new Dictionary<int, (double, double, double, double)>();
        for (int j = 0; j < pos.Count / 3; j++)
        {
            double dx = pos[3 * j] - x, dy = pos[3 * j + 1] - y, dz = pos[3 * j + 2] - z;
            double r2 = dx * dx + dy * dy + dz * dz;
            if (inclusive ? r2 <= bound : r2 < bound) expected[j] = (dx, dy, dz, r2);
        }
        foreach (var g in got)
        {
            Assert.True(expected.TryGetValue(g.Index, out var e), $"bead {g.Index} is not within {radius} A of ({x:R}, {y:R}, {z:R})");
            Assert.Equal(e, (g.Dx, g.Dy, g.Dz, g.R2));
        }
        foreach (var (j, e) in expected)
            if (!got.Any(g => g.Index == j))
                Assert.True(radius == Edge && Math.Abs(e.Item4 - bound) <= 1e-9 * bound, $"bead {j} at r2 = {e.Item4:R} (bound {bound:R}) was missed");
    }

    /// <summary>
    /// The documented order, written out plainly: each cell a list, a bead inserted or moved goes to the front of
    /// its cell; a query lists the 27 cells z-major, then y, then x. Independent of the hash table's size.
    /// </summary>
    private sealed class OrderModel
    {
        private readonly Dictionary<(long, long, long), List<int>> _cells = [];
        private readonly List<(long, long, long)> _cellOf = [];

        private static long C(double v)
        {
            double c = Math.Floor(v * (1.0 / Edge));
            return c >= -Limit ? (c <= Limit ? (long)c : Limit) : -Limit;
        }

        private static (long, long, long) Key(double x, double y, double z) => (C(x), C(y), C(z));

        public void Reset(List<double> p)
        {
            _cells.Clear(); _cellOf.Clear();
            for (int i = 0; i < p.Count / 3; i++) Add(i, p[3 * i], p[3 * i + 1], p[3 * i + 2]);
        }

        public void Add(int i, double x, double y, double z)
        {
            var key = Key(x, y, z);
            if (!_cells.TryGetValue(key, out var list)) _cells[key] = list = [];
            list.Insert(0, i);
            if (i == _cellOf.Count) _cellOf.Add(key); else _cellOf[i] = key;
        }

        public void Move(int i, double x, double y, double z)
        {
            _cells[_cellOf[i]].Remove(i);
            Add(i, x, y, z);
        }

        public void SwapRemove(int k, int last, double lx, double ly, double lz)
        {
            _cells[_cellOf[k]].Remove(k);
            if (k != last)
            {
                _cells[_cellOf[last]].Remove(last);
                Add(k, lx, ly, lz);
            }
            _cellOf.RemoveAt(last);
        }

        public IEnumerable<int> Query(double x, double y, double z)
        {
            var (cx, cy, cz) = Key(x, y, z);
            for (long dz = -1; dz <= 1; dz++)
                for (long dy = -1; dy <= 1; dy++)
                    for (long dx = -1; dx <= 1; dx++)
                        if (_cells.TryGetValue((cx + dx, cy + dy, cz + dz), out var list))
                            foreach (int j in list) yield return j;
        }
    }

    [Fact]
    public void RefusesNonFinitePositionsAndTooLargeRadiiAndFindsNothingAtANonFinitePoint()
    {
        var hash = new CellHash(Edge);
        Assert.Throws<ArgumentException>(() => hash.Reset([0, 0, double.NaN]));
        Assert.Throws<ArgumentException>(() => hash.Reset([0, 0]));
        hash.Reset([0, 0, 0, 1, 0, 0]);
        Assert.Throws<ArgumentException>(() => hash.Add(double.PositiveInfinity, 0, 0));
        Assert.Throws<ArgumentException>(() => hash.Move(0, 0, double.NaN, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => hash.Move(2, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => hash.SwapRemove(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => { foreach (var _ in hash.Within(0, 0, 0, Edge * 1.001)) { } });
        Assert.Equal(2, hash.Count);
        foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            foreach (var _ in hash.Within(bad, 0, 0, Edge)) Assert.Fail("a query at a non-finite point found a bead");
    }

    [Fact]
    public void QueriesAllocateNothing()
    {
        var rng = new Random(5);
        var hash = new CellHash(Edge);
        var start = new double[3 * 500];
        for (int i = 0; i < start.Length; i++) start[i] = 30 * rng.NextDouble();
        hash.Reset(start);
        double sum = 0;
        void Pass()
        {
            for (int i = 0; i < 500; i++)
            {
                double x = start[3 * i], y = start[3 * i + 1], z = start[3 * i + 2];
                foreach (var nb in hash.Within(x, y, z, Edge)) sum += nb.R2;
                hash.Move(i, x + 0.5, y, z);
                foreach (var nb in hash.WithinInclusive(x, y, z, Edge)) sum += nb.R2;
                hash.Move(i, x, y, z);
            }
        }
        Pass(); // warm-up: every cell the pass visits exists from now on
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pass();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }
}
