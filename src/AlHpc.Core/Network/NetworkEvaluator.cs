using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlHpc.Network;

/// <summary>
/// Fast inference for a <see cref="NeuralNetwork"/>: forward pass and dOut/dInput for many atoms at once,
/// feature-major ("transposed") so the inner loop runs over atoms with <see cref="Vector{T}"/> and every
/// weight is loaded once per block of atoms (matrix-matrix). Activations are vectorised (tanh from a
/// vector exp). Same results as <see cref="NeuralNetwork.Forward"/>/<see cref="NeuralNetwork.Backward"/> up
/// to rounding (tested). Reads the network's weights at every call, so weight updates are seen at once.
/// One per thread; nothing allocated per call after warm-up.
/// </summary>
public sealed class NetworkEvaluator
{
    private static readonly int VC = Vector<double>.Count;
    private readonly NeuralNetwork _net;
    private readonly int[] _sizes;
    private double[][] _a = [], _d = [], _delta = [];
    private int _cap; // padded atom capacity (multiple of VC)
    private int _n, _stride;

    public NetworkEvaluator(NeuralNetwork network)
    {
        _net = network;
        _sizes = network.LayerSizes;
        _a = new double[_sizes.Length][]; _d = new double[_sizes.Length][]; _delta = new double[_sizes.Length][];
        Ensure(64);
    }

    public NeuralNetwork Network => _net;

    /// <summary>Distance between consecutive features in the feature-major buffers (atoms, padded).</summary>
    public int Stride => _stride;

    /// <summary>
    /// Prepares for <paramref name="nAtoms"/> atoms and returns the feature-major input buffer:
    /// input f of atom a at [f * Stride + a]. Fill it, then call <see cref="Forward(Span{double})"/>.
    /// </summary>
    public Span<double> BeginInput(int nAtoms)
    {
        int padded = (nAtoms + VC - 1) / VC * VC;
        if (padded == 0) padded = VC;
        Ensure(padded);
        _n = nAtoms; _stride = padded;
        var x = _a[0].AsSpan(0, _sizes[0] * padded);
        // clear padding lanes so they stay finite
        for (int f = 0; f < _sizes[0]; f++) x.Slice(f * padded + nAtoms, padded - nAtoms).Clear();
        return x;
    }

    /// <summary>Forward pass over the atoms of <see cref="BeginInput"/>: one output per atom.</summary>
    public void Forward(Span<double> outputs)
    {
        int L = _sizes.Length - 1, s = _stride;
        var w = _net.WeightStorage;
        var acts = _net.Activations;
        for (int l = 1; l <= L; l++)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], rowLen = nin + 1;
            int off = _net.WeightOffset(l);
            var x = MemoryMarshal.Cast<double, Vector<double>>(_a[l - 1].AsSpan(0, nin * s));
            var y = MemoryMarshal.Cast<double, Vector<double>>(_a[l].AsSpan(0, nout * s));
            var dy = MemoryMarshal.Cast<double, Vector<double>>(_d[l].AsSpan(0, nout * s));
            int nb = s / VC;
            var act = acts[l - 1];
            // four outputs at a time: four independent FMA chains (each z sums its inputs in order i = 0..nin-1)
            int o = 0;
            for (; o + 4 <= nout; o += 4)
            {
                var r0 = w.AsSpan(off + o * rowLen, rowLen);
                var r1 = w.AsSpan(off + (o + 1) * rowLen, rowLen);
                var r2 = w.AsSpan(off + (o + 2) * rowLen, rowLen);
                var r3 = w.AsSpan(off + (o + 3) * rowLen, rowLen);
                for (int b = 0; b < nb; b++)
                {
                    var z0 = new Vector<double>(r0[nin]); var z1 = new Vector<double>(r1[nin]);
                    var z2 = new Vector<double>(r2[nin]); var z3 = new Vector<double>(r3[nin]);
                    for (int i = 0; i < nin; i++)
                    {
                        var xi = x[i * nb + b];
                        z0 += new Vector<double>(r0[i]) * xi; z1 += new Vector<double>(r1[i]) * xi;
                        z2 += new Vector<double>(r2[i]) * xi; z3 += new Vector<double>(r3[i]) * xi;
                    }
                    y[o * nb + b] = ActivationFunctions.Evaluate(act, z0, out var d0); dy[o * nb + b] = d0;
                    y[(o + 1) * nb + b] = ActivationFunctions.Evaluate(act, z1, out var d1); dy[(o + 1) * nb + b] = d1;
                    y[(o + 2) * nb + b] = ActivationFunctions.Evaluate(act, z2, out var d2); dy[(o + 2) * nb + b] = d2;
                    y[(o + 3) * nb + b] = ActivationFunctions.Evaluate(act, z3, out var d3); dy[(o + 3) * nb + b] = d3;
                }
            }
            for (; o < nout; o++)
            {
                var row = w.AsSpan(off + o * rowLen, rowLen);
                var bias = new Vector<double>(row[nin]);
                for (int b = 0; b < nb; b++)
                {
                    var z = bias;
                    for (int i = 0; i < nin; i++) z += new Vector<double>(row[i]) * x[i * nb + b];
                    y[o * nb + b] = ActivationFunctions.Evaluate(act, z, out var dd);
                    dy[o * nb + b] = dd;
                }
            }
        }
        _a[L].AsSpan(0, _n).CopyTo(outputs);
    }

    /// <summary>
    /// After <see cref="Forward(Span{double})"/>: dOut/dInput, feature-major like the input buffer
    /// (input f of atom a at [f * Stride + a]). Valid until the next call.
    /// </summary>
    public ReadOnlySpan<double> BackwardToInput()
    {
        int L = _sizes.Length - 1, s = _stride, nb = s / VC;
        var w = _net.WeightStorage;
        // output layer: one node, delta = f'(z)
        _d[L].AsSpan(0, s).CopyTo(_delta[L]);
        for (int l = L; l >= 1; l--)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], rowLen = nin + 1;
            int off = _net.WeightOffset(l);
            var delta = MemoryMarshal.Cast<double, Vector<double>>(_delta[l].AsSpan(0, nout * s));
            var target = MemoryMarshal.Cast<double, Vector<double>>(_delta[l - 1].AsSpan(0, nin * s));
            bool input = l == 1;
            var dprev = input ? default : MemoryMarshal.Cast<double, Vector<double>>(_d[l - 1].AsSpan(0, nin * s));
            // four inputs at a time: four independent FMA chains (each sums over o = 0..nout-1 in order)
            int i = 0;
            for (; i + 4 <= nin; i += 4)
            {
                for (int b = 0; b < nb; b++)
                {
                    var a0 = Vector<double>.Zero; var a1 = Vector<double>.Zero; var a2 = Vector<double>.Zero; var a3 = Vector<double>.Zero;
                    for (int o = 0; o < nout; o++)
                    {
                        var d = delta[o * nb + b];
                        int wo = off + o * rowLen + i;
                        a0 += new Vector<double>(w[wo]) * d; a1 += new Vector<double>(w[wo + 1]) * d;
                        a2 += new Vector<double>(w[wo + 2]) * d; a3 += new Vector<double>(w[wo + 3]) * d;
                    }
                    if (!input)
                    {
                        a0 *= dprev[i * nb + b]; a1 *= dprev[(i + 1) * nb + b];
                        a2 *= dprev[(i + 2) * nb + b]; a3 *= dprev[(i + 3) * nb + b];
                    }
                    target[i * nb + b] = a0; target[(i + 1) * nb + b] = a1;
                    target[(i + 2) * nb + b] = a2; target[(i + 3) * nb + b] = a3;
                }
            }
            for (; i < nin; i++)
            {
                for (int b = 0; b < nb; b++)
                {
                    var acc = Vector<double>.Zero;
                    for (int o = 0; o < nout; o++) acc += new Vector<double>(w[off + o * rowLen + i]) * delta[o * nb + b];
                    target[i * nb + b] = input ? acc : acc * dprev[i * nb + b];
                }
            }
        }
        return _delta[0].AsSpan(0, _sizes[0] * s);
    }

    /// <summary>
    /// Convenience: row-major inputs (nAtoms x InputCount) to outputs, and when <paramref name="inputGradient"/>
    /// is not empty, dOut/dInput row-major (nAtoms x InputCount).
    /// </summary>
    public void Evaluate(ReadOnlySpan<double> inputs, int nAtoms, Span<double> outputs, Span<double> inputGradient = default)
    {
        int nin = _sizes[0];
        var x = BeginInput(nAtoms);
        int s = _stride;
        for (int a = 0; a < nAtoms; a++)
            for (int f = 0; f < nin; f++) x[f * s + a] = inputs[a * nin + f];
        Forward(outputs);
        if (inputGradient.IsEmpty) return;
        var g = BackwardToInput();
        for (int a = 0; a < nAtoms; a++)
            for (int f = 0; f < nin; f++) inputGradient[a * nin + f] = g[f * s + a];
    }

    private void Ensure(int padded)
    {
        if (padded <= _cap) return;
        int cap = Math.Max(padded, 2 * _cap);
        cap = (cap + VC - 1) / VC * VC;
        for (int l = 0; l < _sizes.Length; l++)
        {
            _a[l] = new double[_sizes[l] * cap];
            _d[l] = new double[_sizes[l] * cap];
            _delta[l] = new double[_sizes[l] * cap];
        }
        _cap = cap;
    }
}
