using AlHpc.Descriptors;
using AlHpc.Network;

namespace AlHpc.Training;

/// <summary>
/// Network force predictions of one structure and their weight derivatives, in the trainer's scaled
/// units (docs/training.md, "Force residuals"). Plain per-atom loops, no cleverness.
/// <para>
/// Model: E_i = shift + NN(x_i)/S with x_i = (G_i - mean)/std, so the force on atom a, direction c, is
/// F_{a,c} = -(1/S) q_{a,c} with
///     q_{a,c} = sum_i ∇NN(x_i) · t_{i,(a,c)},   t_{i,(a,c)}[k] = (1/std_k) dG_{i,k}/dr_{a,c}.
/// Only atoms i whose descriptors depend on a contribute (i = a and its neighbours within the cutoff):
/// exactly the entries of the sparse <see cref="DescriptorDerivatives"/>. (The anchor term NN(x_0) does
/// not depend on positions and has no force.)
/// </para>
/// <para>
/// Weight derivative of one term ∇NN(x_i)·t (a Hessian-vector product, Pearlmutter's R-operator): with the
/// layer pass z_l = W_l a_{l-1} + b_l, a_l = f(z_l), a_0 = x_i and the ordinary back-propagated
/// sensitivities δ_l = dNN/dz_l (ǡ_L = 1, δ_l = f'(z_l) ǡ_l, ǡ_{l-1} = W_l^T δ_l), the tangent pass
///     ȧ_0 = t,  ż_l = W_l ȧ_{l-1} (no bias),  ȧ_l = f'(z_l) ż_l      (so ∇NN·t = ȧ_L)
/// is differentiated in reverse, starting from ā_L = 0:
///     z̄_l = f'(z_l) ā_l + f''(z_l) ż_l ǡ_l
///     d/dW_l[o, i] += δ_l[o] ȧ_{l-1}[i] + z̄_l[o] a_{l-1}[i],   d/db_l[o] += z̄_l[o]
///     ā_{l-1} = W_l^T z̄_l
/// (the adjoint of the tangent ż_l is δ_l itself, which does not depend on t).
/// </para>
/// One instance per thread; buffers grow to the largest structure and are then reused (no allocation
/// per call). Reads the weights of the network passed at every call.
/// </summary>
internal sealed class ForceResiduals
{
    private readonly int[] _sizes;
    private readonly int _layers;                 // weight layers L
    private readonly int _p;
    // per atom of the current structure, per layer l = 0..L: a_l, f'(z_l), f''(z_l), ǡ_l, δ_l (atoms x n_l)
    private readonly double[][] _a, _d1, _d2, _up, _delta;
    // one tangent direction: ȧ_l, ż_l, z̄_l, ā_l (n_l each)
    private readonly double[][] _aDot, _zDot, _zBar, _aBar;
    private double[] _gs = [];                    // per atom: ∇NN(x_i)_k / std_k (atoms x nF)
    private int _capacity;

    public ForceResiduals(int[] layerSizes)
    {
        _sizes = (int[])layerSizes.Clone();
        _layers = _sizes.Length - 1;
        for (int l = 1; l <= _layers; l++) _p += _sizes[l] * (_sizes[l - 1] + 1);
        _a = new double[_layers + 1][];
        _d1 = new double[_layers + 1][];
        _d2 = new double[_layers + 1][];
        _up = new double[_layers + 1][];
        _delta = new double[_layers + 1][];
        _aDot = new double[_layers + 1][];
        _zDot = new double[_layers + 1][];
        _zBar = new double[_layers + 1][];
        _aBar = new double[_layers + 1][];
        for (int l = 0; l <= _layers; l++)
        {
            _aDot[l] = new double[_sizes[l]];
            _zDot[l] = new double[_sizes[l]];
            _zBar[l] = new double[_sizes[l]];
            _aBar[l] = new double[_sizes[l]];
        }
        Ensure(1);
    }

    private void Ensure(int atoms)
    {
        if (atoms <= _capacity) return;
        int cap = Math.Max(atoms, 2 * _capacity);
        for (int l = 0; l <= _layers; l++)
        {
            _a[l] = new double[cap * _sizes[l]];
            _d1[l] = new double[cap * _sizes[l]];
            _d2[l] = new double[cap * _sizes[l]];
            _up[l] = new double[cap * _sizes[l]];
            _delta[l] = new double[cap * _sizes[l]];
        }
        _gs = new double[cap * _sizes[0]];
        _capacity = cap;
    }

    /// <summary>
    /// q[3a + c] = sum_i ∇NN(x_i) · t_{i,(a,c)} = -S F_NN[a, c] for the n atoms of one structure.
    /// <paramref name="x"/>: scaled descriptors (n x nF, row-major); <paramref name="derivatives"/>: raw
    /// dG/dr of the structure; <paramref name="invStd"/>: 1/std per descriptor.
    /// </summary>
    public void Predict(NeuralNetwork net, ReadOnlySpan<double> x, DescriptorDerivatives derivatives, ReadOnlySpan<double> invStd, Span<double> q)
    {
        int n = derivatives.AtomCount, nf = _sizes[0];
        Ensure(n);
        for (int i = 0; i < n; i++) AtomPasses(net, x.Slice(i * nf, nf), i);
        for (int i = 0; i < n; i++)
        {
            var gs = _gs.AsSpan(i * nf, nf);
            var g = _up[0].AsSpan(i * nf, nf);
            for (int k = 0; k < nf; k++) gs[k] = g[k] * invStd[k];
        }
        q[..(3 * n)].Clear();
        var start = derivatives.Start;
        var index = derivatives.Index;
        for (int i = 0; i < n; i++)
        {
            var gs = _gs.AsSpan(i * nf, nf);
            for (int e = start[i]; e < start[i + 1]; e++)
            {
                var block = derivatives.Entry(e);   // [k * 3 + c] = dG_{i,k}/dr_{j,c}
                int j = index[e];
                for (int c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (int k = 0; k < nf; k++) s += gs[k] * block[k * 3 + c];
                    q[3 * j + c] += s;
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Predict"/> (same arithmetic, same q) and the Jacobian rows
    /// jacobian[(3a + c) * p + w] = rowScale * d q[3a + c] / d w (3n rows of p weights, overwritten).
    /// </summary>
    public void PredictWithJacobian(NeuralNetwork net, ReadOnlySpan<double> x, DescriptorDerivatives derivatives, ReadOnlySpan<double> invStd,
        Span<double> q, double rowScale, Span<double> jacobian)
    {
        int n = derivatives.AtomCount, nf = _sizes[0], p = _p;
        if (net.WeightCount != p) throw new ArgumentException("network does not match the workspace");
        Predict(net, x, derivatives, invStd, q);
        var rows = jacobian[..(3 * n * p)];
        rows.Clear();
        var t = _aDot[0];
        var start = derivatives.Start;
        var index = derivatives.Index;
        for (int i = 0; i < n; i++)
            for (int e = start[i]; e < start[i + 1]; e++)
            {
                var block = derivatives.Entry(e);
                int j = index[e];
                for (int c = 0; c < 3; c++)
                {
                    for (int k = 0; k < nf; k++) t[k] = block[k * 3 + c] * invStd[k];
                    TangentGradient(net, i, rows.Slice((3 * j + c) * p, p));
                }
            }
        if (rowScale != 1.0)
            for (int k = 0; k < rows.Length; k++) rows[k] *= rowScale;
    }

    /// <summary>
    /// <see cref="Predict"/> (same q) and the Jacobian rows of R random force projections:
    /// jacobian[r * p + w] = rowScale * d/dw sum_{a,c} v_r[3a + c] q[3a + c] (R rows of p weights, overwritten),
    /// <paramref name="signs"/> = v_0 .. v_{R-1} (R x 3n). Since q_{a,c} = sum_i ∇NN(x_i)·t_{i,(a,c)}, the projection is
    /// sum_i ∇NN(x_i)·t_i with the ONE tangent per atom t_i[k] = (1/std_k) sum_{entries e of i, neighbour j} sum_c v[3j + c] dG_{i,k}/dr_{j,c}:
    /// n Hessian-vector products per projection instead of 3 per derivative entry.
    /// </summary>
    public void PredictProjectedWithJacobian(NeuralNetwork net, ReadOnlySpan<double> x, DescriptorDerivatives derivatives, ReadOnlySpan<double> invStd,
        Span<double> q, ReadOnlySpan<double> signs, int projections, double rowScale, Span<double> jacobian)
    {
        int n = derivatives.AtomCount, nf = _sizes[0], p = _p, n3 = 3 * n;
        if (net.WeightCount != p) throw new ArgumentException("network does not match the workspace");
        if (signs.Length < projections * n3) throw new ArgumentException("fewer signs than projections x 3n");
        Predict(net, x, derivatives, invStd, q);
        var rows = jacobian[..(projections * p)];
        rows.Clear();
        var t = _aDot[0].AsSpan(0, nf);
        var start = derivatives.Start;
        var index = derivatives.Index;
        for (int r = 0; r < projections; r++)
        {
            var v = signs.Slice(r * n3, n3);
            var row = rows.Slice(r * p, p);
            for (int i = 0; i < n; i++)
            {
                t.Clear();
                for (int e = start[i]; e < start[i + 1]; e++)
                {
                    var block = derivatives.Entry(e);   // [k * 3 + c] = dG_{i,k}/dr_{j,c}
                    int j = index[e];
                    double v0 = v[3 * j], v1 = v[3 * j + 1], v2 = v[3 * j + 2];
                    for (int k = 0; k < nf; k++) t[k] += v0 * block[k * 3] + v1 * block[k * 3 + 1] + v2 * block[k * 3 + 2];
                }
                for (int k = 0; k < nf; k++) t[k] *= invStd[k];
                TangentGradient(net, i, row);
            }
        }
        if (rowScale != 1.0)
            for (int k = 0; k < rows.Length; k++) rows[k] *= rowScale;
    }

    /// <summary>Forward and backward pass of one atom (slot i): a_l, f', f'', ǡ_l, δ_l; ǡ_0 = ∇NN(x).</summary>
    private void AtomPasses(NeuralNetwork net, ReadOnlySpan<double> x, int i)
    {
        var w = net.WeightStorage;
        var acts = net.Activations;
        x.CopyTo(_a[0].AsSpan(i * _sizes[0], _sizes[0]));
        for (int l = 1; l <= _layers; l++)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], off = net.WeightOffset(l);
            var prev = _a[l - 1].AsSpan(i * nin, nin);
            for (int o = 0; o < nout; o++)
            {
                var row = w.AsSpan(off + o * (nin + 1), nin + 1);
                double z = row[nin];
                for (int k = 0; k < nin; k++) z += row[k] * prev[k];
                _a[l][i * nout + o] = ActivationFunctions.Evaluate(acts[l - 1], z, out _d1[l][i * nout + o], out _d2[l][i * nout + o]);
            }
        }
        // ǡ_L = 1; δ_l = f'(z_l) ǡ_l; ǡ_{l-1} = W_l^T δ_l
        _up[_layers][i] = 1.0;
        for (int l = _layers; l >= 1; l--)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], off = net.WeightOffset(l);
            var up = _up[l].AsSpan(i * nout, nout);
            var delta = _delta[l].AsSpan(i * nout, nout);
            var d1 = _d1[l].AsSpan(i * nout, nout);
            for (int o = 0; o < nout; o++) delta[o] = d1[o] * up[o];
            var below = _up[l - 1].AsSpan(i * nin, nin);
            below.Clear();
            for (int o = 0; o < nout; o++)
            {
                var row = w.AsSpan(off + o * (nin + 1), nin);
                for (int k = 0; k < nin; k++) below[k] += row[k] * delta[o];
            }
        }
    }

    /// <summary>grad += d/dw [∇NN(x_i) · t] for atom slot i and the tangent t in _aDot[0] (after AtomPasses).</summary>
    private void TangentGradient(NeuralNetwork net, int i, Span<double> grad)
    {
        var w = net.WeightStorage;
        // tangent forward: ż_l = W_l ȧ_{l-1}, ȧ_l = f'(z_l) ż_l
        for (int l = 1; l <= _layers; l++)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], off = net.WeightOffset(l);
            var aDotPrev = _aDot[l - 1];
            var zDot = _zDot[l];
            var aDot = _aDot[l];
            var d1 = _d1[l].AsSpan(i * nout, nout);
            for (int o = 0; o < nout; o++)
            {
                var row = w.AsSpan(off + o * (nin + 1), nin);
                double z = 0;
                for (int k = 0; k < nin; k++) z += row[k] * aDotPrev[k];
                zDot[o] = z;
                aDot[o] = d1[o] * z;
            }
        }
        // reverse over the combined graph, ā_L = 0
        _aBar[_layers].AsSpan().Clear();
        for (int l = _layers; l >= 1; l--)
        {
            int nin = _sizes[l - 1], nout = _sizes[l], off = net.WeightOffset(l);
            var d1 = _d1[l].AsSpan(i * nout, nout);
            var d2 = _d2[l].AsSpan(i * nout, nout);
            var up = _up[l].AsSpan(i * nout, nout);
            var delta = _delta[l].AsSpan(i * nout, nout);
            var zDot = _zDot[l];
            var zBar = _zBar[l];
            var aBar = _aBar[l];
            for (int o = 0; o < nout; o++) zBar[o] = d1[o] * aBar[o] + d2[o] * zDot[o] * up[o];
            var aDotPrev = _aDot[l - 1];
            var aPrev = _a[l - 1].AsSpan(i * nin, nin);
            for (int o = 0; o < nout; o++)
            {
                var g = grad.Slice(off + o * (nin + 1), nin + 1);
                double dOut = delta[o], zb = zBar[o];
                for (int k = 0; k < nin; k++) g[k] += dOut * aDotPrev[k] + zb * aPrev[k];
                g[nin] += zb;
            }
            if (l > 1)
            {
                var aBarPrev = _aBar[l - 1];
                Array.Clear(aBarPrev);
                for (int o = 0; o < nout; o++)
                {
                    var row = w.AsSpan(off + o * (nin + 1), nin);
                    double zb = zBar[o];
                    for (int k = 0; k < nin; k++) aBarPrev[k] += row[k] * zb;
                }
            }
        }
    }
}
