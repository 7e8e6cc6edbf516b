

namespace AlHpc.Network;

/// <summary>
/// Builds Levenberg-Marquardt Jacobian rows of a training set in scaled units (the convention of the LM
/// trainer): for structure s with N atoms, prediction p_s = (1/N) sum_i NN(Ĝ_i) - (anchor ? NN(Ĝ_0) : 0)
/// and row J[s, w] = d e_s / d w = -(1/N) sum_i dNN(Ĝ_i)/dw + (anchor ? dNN(Ĝ_0)/dw : 0), with
/// Ĝ = (G - mean)/std and Ĝ_0 = -mean/std (the isolated atom, see <see cref="NnModel"/>).
/// Implementations: <see cref="ReferenceJacobianBuilder"/> (plain per-structure passes), <see cref="SimdJacobianBuilder"/>
/// (the rows the trainer computes on the CPU) and AlHpc.OpenCL.Workloads.OpenClJacobian; bound by one contract test.
/// </summary>
public interface IJacobianBuilder : IDisposable
{
    /// <summary>
    /// Sets the training data once: raw descriptors (atoms x featureCount), structure offsets (length S+1),
    /// and the descriptor scaling. A device implementation uploads them here, once.
    /// </summary>
    void SetData(ReadOnlySpan<double> rawDescriptors, int[] offsets, int featureCount, double[] mean, double[] std);

    /// <summary>
    /// Predictions p (one per row) and, when <paramref name="jacobian"/> is not empty, the Jacobian
    /// (rows.Length x net.WeightCount, row-major) of the structures listed in <paramref name="rows"/>.
    /// </summary>
    void Compute(NeuralNetwork net, ReadOnlySpan<int> rows, bool anchor, Span<double> predictions, Span<double> jacobian);
}

/// <summary>
/// The host side shared by the CPU builders: the training descriptors kept scaled, Ĝ = (G - mean)/std, and the
/// isolated atom's input Ĝ_0 = -mean/std.
/// </summary>
public abstract class HostJacobianBuilder : IJacobianBuilder
{
    private protected double[] _x = [];
    private protected int[] _offsets = [0];
    private protected int _f;
    private protected double[] _mean = [], _std = [];

    public virtual void SetData(ReadOnlySpan<double> rawDescriptors, int[] offsets, int featureCount, double[] mean, double[] std)
    {
        _f = featureCount;
        _offsets = offsets;
        _mean = mean;
        _std = std;
        _x = rawDescriptors.ToArray();
        for (int a = 0; a < _x.Length / _f; a++)
            for (int k = 0; k < _f; k++) _x[a * _f + k] = (_x[a * _f + k] - mean[k]) / std[k];
    }

    /// <summary>Ĝ_0 = -mean/std, the scaled input of an isolated atom (all raw descriptors 0).</summary>
    private protected double[] IsolatedInput()
    {
        var z0 = new double[_f];
        for (int k = 0; k < _f; k++) z0[k] = -_mean[k] / _std[k];
        return z0;
    }

    public abstract void Compute(NeuralNetwork net, ReadOnlySpan<int> rows, bool anchor, Span<double> predictions, Span<double> jacobian);

    public void Dispose() { }
}

/// <summary>The reference <see cref="IJacobianBuilder"/>: plain forward/backward per structure with <see cref="NeuralNetwork"/>.</summary>
public sealed class ReferenceJacobianBuilder : HostJacobianBuilder
{
    private NetworkWorkspace? _ws;
    private double[] _out = new double[16], _coef = new double[16];

    public override void Compute(NeuralNetwork net, ReadOnlySpan<int> rows, bool anchor, Span<double> predictions, Span<double> jacobian)
    {
        int p = net.WeightCount;
        _ws ??= net.CreateWorkspace();
        var g0 = new double[p];
        var x0 = IsolatedInput();
        var o0 = new double[1];
        net.Forward(x0, 1, o0, _ws);
        if (anchor && !jacobian.IsEmpty)
        {
            net.Backward(_ws, Span<double>.Empty);
            net.AccumulateWeightGradient([1.0], _ws, g0);
        }
        for (int r = 0; r < rows.Length; r++)
        {
            int s = rows[r], a0 = _offsets[s], n = _offsets[s + 1] - a0;
            if (_out.Length < n) { _out = new double[2 * n]; _coef = new double[2 * n]; }
            net.Forward(_x.AsSpan(a0 * _f, n * _f), n, _out, _ws);
            double sum = 0;
            for (int a = 0; a < n; a++) sum += _out[a];
            predictions[r] = sum / n - (anchor ? o0[0] : 0);
            if (jacobian.IsEmpty) continue;
            var row = jacobian.Slice(r * p, p);
            if (anchor) g0.CopyTo(row); else row.Clear();
            net.Backward(_ws, Span<double>.Empty);
            _coef.AsSpan(0, n).Fill(-1.0 / n);
            net.AccumulateWeightGradient(_coef.AsSpan(0, n), _ws, row);
        }
    }
}

/// <summary>
/// The fast CPU <see cref="IJacobianBuilder"/>: structures gathered in blocks and swept with SIMD over atoms
/// (<see cref="NetworkBlockEvaluator"/>). <see cref="Rows"/> is the very code the Levenberg-Marquardt trainer runs
/// for its energy rows on each thread, so the contract test that binds this builder covers the trainer's path.
/// </summary>
public sealed class SimdJacobianBuilder : HostJacobianBuilder
{
    private NetworkBlockEvaluator? _ev;
    private NeuralNetwork? _evNet;
    private NetworkWorkspace? _ws0;
    private double[] _g0 = [];

    public override void SetData(ReadOnlySpan<double> rawDescriptors, int[] offsets, int featureCount, double[] mean, double[] std)
    {
        base.SetData(rawDescriptors, offsets, featureCount, mean, std);
        _ev = null;
    }

    public override void Compute(NeuralNetwork net, ReadOnlySpan<int> rows, bool anchor, Span<double> predictions, Span<double> jacobian)
    {
        int p = net.WeightCount;
        if (_ev is null || !ReferenceEquals(_evNet, net))
        {
            int largest = 1;
            for (int s = 0; s + 1 < _offsets.Length; s++) largest = Math.Max(largest, _offsets[s + 1] - _offsets[s]);
            int block = Math.Max(512, largest);
            _ev = new NetworkBlockEvaluator(net, block, block);
            _evNet = net;
            _ws0 = net.CreateWorkspace(1);
            _g0 = new double[p];
        }
        double nn0 = 0;
        if (anchor)
        {
            var z0 = IsolatedInput();
            Span<double> o = stackalloc double[1];
            net.Forward(z0, 1, o, _ws0!);
            nn0 = o[0];
            if (!jacobian.IsEmpty)
            {
                net.Backward(_ws0!, Span<double>.Empty);
                _g0.AsSpan().Clear();
                net.AccumulateWeightGradient([1.0], _ws0!, _g0);
            }
        }
        Rows(_ev, _x, _offsets, _f, rows, nn0, anchor, _g0, predictions, jacobian, p);
    }

    /// <summary>
    /// Predictions p_k = mean_i NN(Ĝ_i) - nn0 of the structures <paramref name="rows"/> (scaled descriptors
    /// <paramref name="x"/>, atoms x <paramref name="featureCount"/>, structure s at <paramref name="offsets"/>[s]) and,
    /// when <paramref name="jacobian"/> is not empty, their rows de/dw = -(1/N) sum_i dNN(Ĝ_i)/dw + (anchor ? g0 : 0)
    /// (row k at k x <paramref name="weights"/>). Structures fill blocks of <paramref name="ev"/> in order; a full block
    /// is evaluated and the next one begun, so the result of a structure does not depend on its neighbours.
    /// </summary>
    internal static void Rows(NetworkBlockEvaluator ev, ReadOnlySpan<double> x, int[] offsets, int featureCount, ReadOnlySpan<int> rows,
        double nn0, bool anchor, ReadOnlySpan<double> g0, Span<double> predictions, Span<double> jacobian, int weights)
    {
        ev.Clear();
        int first = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            int s = rows[k];
            int a0 = offsets[s], n = offsets[s + 1] - a0;
            var xs = x.Slice(a0 * featureCount, n * featureCount);
            if (!ev.TryAdd(xs, n))
            {
                Flush(ev, offsets, rows, first, k, nn0, anchor, g0, predictions, jacobian, weights);
                ev.Clear();
                ev.TryAdd(xs, n);
                first = k;
            }
        }
        Flush(ev, offsets, rows, first, rows.Length, nn0, anchor, g0, predictions, jacobian, weights);
    }

    private static void Flush(NetworkBlockEvaluator ev, int[] offsets, ReadOnlySpan<int> rows, int k0, int k1,
        double nn0, bool anchor, ReadOnlySpan<double> g0, Span<double> predictions, Span<double> jacobian, int weights)
    {
        if (k1 <= k0) return;
        ev.Forward();
        for (int j = 0; j < k1 - k0; j++) predictions[k0 + j] = ev.MeanOutput(j) - nn0;
        if (jacobian.IsEmpty) return;
        ev.Backward();
        for (int j = 0; j < k1 - k0; j++)
        {
            int s = rows[k0 + j];
            var row = jacobian.Slice((k0 + j) * weights, weights);
            if (anchor) g0.CopyTo(row); else row.Clear();
            ev.AccumulateGradient(j, -1.0 / (offsets[s + 1] - offsets[s]), row);
        }
    }
}
