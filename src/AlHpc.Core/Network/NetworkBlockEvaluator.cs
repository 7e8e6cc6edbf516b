using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlHpc.Network;

/// <summary>
/// The fast network evaluation of the trainer's Jacobian rows (<see cref="SimdJacobianBuilder"/>): a block of whole structures is gathered feature-major
/// (one row per feature, one column per atom) so that every layer is a SIMD sweep over atoms, with a
/// vectorized activation. Each structure starts at a multiple of the vector width and is zero-padded to
/// one, and padded columns carry zero output sensitivity: every atom's arithmetic and every structure's
/// reductions are then identical wherever the structure lands in a block, so results do not depend on
/// how structures are split among threads. <see cref="NeuralNetwork"/>'s Forward/Backward is the plain
/// reference this is tested against. One instance per thread; no allocation after construction.
/// </summary>
internal sealed class NetworkBlockEvaluator
{
    private static readonly int Vw = Vector<double>.Count;
    private readonly NeuralNetwork _net;
    private readonly int[] _sizes;
    private readonly Activation[] _acts;
    private readonly int _layers;        // number of weight layers
    private readonly int _stride;        // row stride (columns + padding, avoids cache-set aliasing)
    private readonly int _capacity;      // usable columns
    private readonly double[][] _a;      // activations per layer, n_l rows x stride
    private readonly double[][] _d;      // activation derivatives per layer
    private readonly double[][] _delta;  // d(output)/dz per layer
    private readonly double[] _mask;     // 1 for real atoms, 0 for padding
    private readonly int[] _colStart;
    private readonly int[] _count;
    private int _structures;
    private int _cols;

    public NetworkBlockEvaluator(NeuralNetwork net, int capacityAtoms, int maxStructures)
    {
        _net = net;
        _sizes = net.LayerSizes;
        _acts = net.Activations;
        _layers = _sizes.Length - 1;
        _capacity = RoundUp(Math.Max(capacityAtoms, 1));
        _stride = _capacity + Vw;
        _a = new double[_sizes.Length][];
        _d = new double[_sizes.Length][];
        _delta = new double[_sizes.Length][];
        for (int l = 0; l < _sizes.Length; l++)
        {
            _a[l] = new double[_sizes[l] * _stride];
            _d[l] = new double[_sizes[l] * _stride];
            _delta[l] = new double[_sizes[l] * _stride];
        }
        _mask = new double[_stride];
        _colStart = new int[maxStructures];
        _count = new int[maxStructures];
    }

    public int StructureCount => _structures;

    private static int RoundUp(int n) => (n + Vw - 1) / Vw * Vw;

    public void Clear()
    {
        _structures = 0;
        _cols = 0;
    }

    /// <summary>Adds one structure (n atoms x F scaled descriptors, row-major). False when the block is full.</summary>
    public bool TryAdd(ReadOnlySpan<double> x, int n)
    {
        int f = _sizes[0];
        int width = RoundUp(n);
        if (_structures == _colStart.Length || (_cols + width > _capacity && _structures > 0)) return false;
        if (width > _capacity) throw new InvalidOperationException("structure larger than the evaluator block");
        int c0 = _cols;
        var a0 = _a[0];
        for (int k = 0; k < f; k++)
        {
            var dst = a0.AsSpan(k * _stride + c0, width);
            for (int a = 0; a < n; a++) dst[a] = x[a * f + k];
            dst[n..].Clear();
        }
        _mask.AsSpan(c0, n).Fill(1.0);
        _mask.AsSpan(c0 + n, width - n).Clear();
        _colStart[_structures] = c0;
        _count[_structures] = n;
        _structures++;
        _cols += width;
        return true;
    }

    /// <summary>Forward pass of every column with the network's current weights.</summary>
    public void Forward()
    {
        var w = _net.WeightStorage;
        int nv = _cols / Vw;
        for (int l = 1; l <= _layers; l++)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], wstride = nin + 1, woff = _net.WeightOffset(l);
            var prev = MemoryMarshal.Cast<double, Vector<double>>(_a[l - 1].AsSpan());
            var act = MemoryMarshal.Cast<double, Vector<double>>(_a[l].AsSpan());
            var der = MemoryMarshal.Cast<double, Vector<double>>(_d[l].AsSpan());
            int rs = _stride / Vw;
            var f = _acts[l - 1];
            for (int o = 0; o < nout; o++)
            {
                var row = w.AsSpan(woff + o * wstride, wstride);
                var bias = new Vector<double>(row[nin]);
                int v = 0;
                // four independent accumulators hide the add latency; every column sees the same operations
                for (; v + 4 <= nv; v += 4)
                {
                    Vector<double> z0 = bias, z1 = bias, z2 = bias, z3 = bias;
                    for (int i = 0; i < nin; i++)
                    {
                        var wi = new Vector<double>(row[i]);
                        int b = i * rs + v;
                        z0 += wi * prev[b];
                        z1 += wi * prev[b + 1];
                        z2 += wi * prev[b + 2];
                        z3 += wi * prev[b + 3];
                    }
                    int t = o * rs + v;
                    act[t] = ActivationFunctions.Evaluate(f, z0, out var d0); der[t] = d0;
                    act[t + 1] = ActivationFunctions.Evaluate(f, z1, out var d1); der[t + 1] = d1;
                    act[t + 2] = ActivationFunctions.Evaluate(f, z2, out var d2); der[t + 2] = d2;
                    act[t + 3] = ActivationFunctions.Evaluate(f, z3, out var d3); der[t + 3] = d3;
                }
                for (; v < nv; v++)
                {
                    var z = bias;
                    for (int i = 0; i < nin; i++) z += new Vector<double>(row[i]) * prev[i * rs + v];
                    act[o * rs + v] = ActivationFunctions.Evaluate(f, z, out var dz);
                    der[o * rs + v] = dz;
                }
            }
        }
    }

    /// <summary>Mean network output over the atoms of block structure j (after <see cref="Forward"/>).</summary>
    public double MeanOutput(int j)
    {
        var outRow = _a[_layers].AsSpan(_colStart[j], _count[j]);
        double s = 0;
        foreach (var v in outRow) s += v;
        return s / _count[j];
    }

    /// <summary>Backward pass: output sensitivities of every real atom (padding gets zero).</summary>
    public void Backward()
    {
        var w = _net.WeightStorage;
        int nv = _cols / Vw, rs = _stride / Vw;
        {
            var dl = MemoryMarshal.Cast<double, Vector<double>>(_delta[_layers].AsSpan());
            var der = MemoryMarshal.Cast<double, Vector<double>>(_d[_layers].AsSpan());
            var mask = MemoryMarshal.Cast<double, Vector<double>>(_mask.AsSpan());
            for (int v = 0; v < nv; v++) dl[v] = der[v] * mask[v];
        }
        for (int l = _layers; l >= 2; l--)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], wstride = nin + 1, woff = _net.WeightOffset(l);
            var delta = MemoryMarshal.Cast<double, Vector<double>>(_delta[l].AsSpan());
            var target = MemoryMarshal.Cast<double, Vector<double>>(_delta[l - 1].AsSpan());
            var dprev = MemoryMarshal.Cast<double, Vector<double>>(_d[l - 1].AsSpan());
            for (int i = 0; i < nin; i++)
            {
                int v = 0;
                for (; v + 4 <= nv; v += 4)
                {
                    Vector<double> a0 = Vector<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
                    for (int o = 0; o < nout; o++)
                    {
                        var wo = new Vector<double>(w[woff + o * wstride + i]);
                        int b = o * rs + v;
                        a0 += wo * delta[b];
                        a1 += wo * delta[b + 1];
                        a2 += wo * delta[b + 2];
                        a3 += wo * delta[b + 3];
                    }
                    int t = i * rs + v;
                    target[t] = a0 * dprev[t];
                    target[t + 1] = a1 * dprev[t + 1];
                    target[t + 2] = a2 * dprev[t + 2];
                    target[t + 3] = a3 * dprev[t + 3];
                }
                for (; v < nv; v++)
                {
                    var acc = Vector<double>.Zero;
                    for (int o = 0; o < nout; o++) acc += new Vector<double>(w[woff + o * wstride + i]) * delta[o * rs + v];
                    target[i * rs + v] = acc * dprev[i * rs + v];
                }
            }
        }
    }

    /// <summary>row += coeff * d(sum of outputs of block structure j)/d(weights), after <see cref="Backward"/>.</summary>
    public void AccumulateGradient(int j, double coeff, Span<double> row)
    {
        int c0 = _colStart[j], width = RoundUp(_count[j]);
        int vc = width / Vw, v0 = c0 / Vw, rs = _stride / Vw;
        for (int l = 1; l <= _layers; l++)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], wstride = nin + 1, woff = _net.WeightOffset(l);
            var delta = MemoryMarshal.Cast<double, Vector<double>>(_delta[l].AsSpan());
            var prev = MemoryMarshal.Cast<double, Vector<double>>(_a[l - 1].AsSpan());
            for (int o = 0; o < nout; o++)
            {
                var dRow = delta.Slice(o * rs + v0, vc);
                var g = row.Slice(woff + o * wstride, wstride);
                for (int i = 0; i < nin; i++)
                {
                    var pRow = prev.Slice(i * rs + v0, vc);
                    // two accumulators (even/odd vectors): the order depends only on the structure's size
                    Vector<double> acc0 = Vector<double>.Zero, acc1 = Vector<double>.Zero;
                    int v = 0;
                    for (; v + 2 <= vc; v += 2) { acc0 += dRow[v] * pRow[v]; acc1 += dRow[v + 1] * pRow[v + 1]; }
                    if (v < vc) acc0 += dRow[v] * pRow[v];
                    g[i] += coeff * Vector.Sum(acc0 + acc1);
                }
                var bacc = Vector<double>.Zero;
                for (int v = 0; v < vc; v++) bacc += dRow[v];
                g[nin] += coeff * Vector.Sum(bacc);
            }
        }
    }
}
