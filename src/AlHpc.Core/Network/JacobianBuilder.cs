

namespace AlHpc.Network;

/// <summary>
/// Builds Levenberg-Marquardt Jacobian rows of a training set in scaled units (the convention of the LM
/// trainer): for structure s with N atoms, prediction p_s = (1/N) sum_i NN(Ĝ_i) - (anchor ? NN(Ĝ_0) : 0)
/// and row J[s, w] = d e_s / d w = -(1/N) sum_i dNN(Ĝ_i)/dw + (anchor ? dNN(Ĝ_0)/dw : 0), with
/// Ĝ = (G - mean)/std and Ĝ_0 = -mean/std (the isolated atom, see <see cref="NnModel"/>).
/// Implementations: <see cref="CpuJacobianBuilder"/> (reference) and AlHpc.OpenCL.Workloads.OpenClJacobian.
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

/// <summary>The plain CPU <see cref="IJacobianBuilder"/>: forward/backward per structure with <see cref="NeuralNetwork"/>.</summary>
public sealed class CpuJacobianBuilder : IJacobianBuilder
{
    private double[] _x = [];
    private int[] _offsets = [0];
    private int _f;
    private double[] _mean = [], _std = [];
    private NetworkWorkspace? _ws;
    private double[] _out = new double[16], _coef = new double[16];

    public void SetData(ReadOnlySpan<double> rawDescriptors, int[] offsets, int featureCount, double[] mean, double[] std)
    {
        _f = featureCount;
        _offsets = offsets;
        _mean = mean;
        _std = std;
        _x = rawDescriptors.ToArray();
        for (int a = 0; a < _x.Length / _f; a++)
            for (int k = 0; k < _f; k++) _x[a * _f + k] = (_x[a * _f + k] - mean[k]) / std[k];
    }

    public void Compute(NeuralNetwork net, ReadOnlySpan<int> rows, bool anchor, Span<double> predictions, Span<double> jacobian)
    {
        int p = net.WeightCount;
        _ws ??= net.CreateWorkspace();
        var g0 = new double[p];
        var x0 = new double[_f];
        for (int k = 0; k < _f; k++) x0[k] = -_mean[k] / _std[k];
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

    public void Dispose() { }
}
