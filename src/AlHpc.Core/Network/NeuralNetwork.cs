using System.Numerics;

namespace AlHpc.Network;

/// <summary>
/// A feed-forward atomic network in aenet's layout: layer l maps n_{l-1} inputs to n_l outputs with
/// W_l of shape (n_l, n_{l-1} + 1), bias in the last column. <see cref="Weights"/> holds all layers in
/// order, each row-major: W_l[o, i] at WeightOffset(l) + o * (n_{l-1} + 1) + i, bias at i = n_{l-1}.
/// The output layer has one node (the atomic energy, in scaled units). Default 26-10-10-1 twist: 391 weights.
/// Forward/backward run over many atoms at once (rows of an atoms x features matrix).
/// </summary>
public sealed class NeuralNetwork
{
    private readonly int[] _offsets;

    public NeuralNetwork(int[] layerSizes, Activation[] activations, double[]? weights = null)
    {
        if (layerSizes.Length < 2) throw new ArgumentException("a network needs an input and an output layer", nameof(layerSizes));
        if (activations.Length != layerSizes.Length - 1) throw new ArgumentException("one activation per non-input layer", nameof(activations));
        if (layerSizes[^1] != 1) throw new ArgumentException("the output layer must have exactly one node", nameof(layerSizes));
        foreach (var s in layerSizes) if (s < 1) throw new ArgumentException("layer sizes must be >= 1", nameof(layerSizes));
        LayerSizes = (int[])layerSizes.Clone();
        Activations = (Activation[])activations.Clone();
        _offsets = new int[layerSizes.Length];
        long total = 0;
        for (int l = 1; l < layerSizes.Length; l++)
        {
            _offsets[l] = (int)total;
            total += (long)layerSizes[l] * ((long)layerSizes[l - 1] + 1);
            if (total > MaxWeights) throw new ArgumentException($"the layer sizes [{string.Join(", ", layerSizes)}] need more than {MaxWeights} weights", nameof(layerSizes));
        }
        int off = (int)total;
        WeightCount = off;
        if (weights != null && weights.Length != off) throw new ArgumentException($"expected {off} weights, got {weights.Length}", nameof(weights));
        _w = weights ?? new double[off];
    }

    /// <summary>The most weights a network may have (beyond it: an argument error, never an overflow).</summary>
    public const int MaxWeights = 100_000_000;

    /// <summary>26-10-10-1 with twist hidden layers and a linear output, as in the paper.</summary>
    public static NeuralNetwork CreateDefault(int inputs = 26) =>
        new([inputs, 10, 10, 1], [Activation.Twist, Activation.Twist, Activation.Linear]);

    public int[] LayerSizes { get; }
    public Activation[] Activations { get; }
    private readonly double[] _w;

    /// <summary>
    /// All weights, writable (training, tests). A frozen network (one that belongs to an <see cref="NnModel"/>)
    /// refuses: read it through <see cref="WeightValues"/>, or <see cref="Clone"/> it to change weights.
    /// </summary>
    public double[] Weights => IsFrozen
        ? throw new InvalidOperationException("this network belongs to an immutable model: read WeightValues, or Clone() it to change weights")
        : _w;

    /// <summary>All weights, read-only (any network, frozen or not).</summary>
    public ReadOnlySpan<double> WeightValues => _w;

    /// <summary>The weight array itself, for the evaluators' hot loops and device uploads, which only read it.</summary>
    internal double[] WeightStorage => _w;

    /// <summary>Whether the weights are fixed (<see cref="Freeze"/>).</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>Fixes the weights for good (an <see cref="NnModel"/> freezes its network); returns this network.</summary>
    public NeuralNetwork Freeze()
    {
        IsFrozen = true;
        return this;
    }
    public int WeightCount { get; }
    public int InputCount => LayerSizes[0];
    public int LayerCount => LayerSizes.Length;

    /// <summary>Offset of layer l's matrix in <see cref="Weights"/> (l = 1 .. LayerCount-1).</summary>
    public int WeightOffset(int layer) => _offsets[layer];

    /// <summary>An unfrozen copy.</summary>
    public NeuralNetwork Clone() => new(LayerSizes, Activations, (double[])_w.Clone());

    /// <summary>
    /// Random initialisation (Nguyen-Widrow-like uniform in +-1/sqrt(n_in) for weights, zero bias),
    /// deterministic for a seed.
    /// </summary>
    public void InitializeRandom(int seed)
    {
        var rng = new Random(seed);
        for (int l = 1; l < LayerCount; l++)
        {
            int nin = LayerSizes[l - 1], nout = LayerSizes[l];
            double a = 1.0 / Math.Sqrt(nin);
            for (int o = 0; o < nout; o++)
                for (int i = 0; i <= nin; i++)
                    Weights[_offsets[l] + o * (nin + 1) + i] = i == nin ? 0.0 : a * (2 * rng.NextDouble() - 1);
        }
    }

    public NetworkWorkspace CreateWorkspace(int maxAtoms = 256) => new(this, maxAtoms);

    /// <summary>
    /// Forward pass for <paramref name="nAtoms"/> atoms: <paramref name="inputs"/> is nAtoms x InputCount
    /// row-major (scaled descriptors); <paramref name="outputs"/> receives one value per atom. The
    /// workspace keeps what <see cref="Backward"/> needs.
    /// </summary>
    public void Forward(ReadOnlySpan<double> inputs, int nAtoms, Span<double> outputs, NetworkWorkspace ws)
    {
        if (inputs.Length < nAtoms * InputCount) throw new ArgumentException("inputs too short", nameof(inputs));
        if (outputs.Length < nAtoms) throw new ArgumentException("outputs too short", nameof(outputs));
        ws.Ensure(nAtoms);
        ws.AtomCount = nAtoms;
        inputs[..(nAtoms * InputCount)].CopyTo(ws.A[0]);
        ReadOnlySpan<double> w = _w;
        for (int l = 1; l < LayerCount; l++)
        {
            int nin = LayerSizes[l - 1], nout = LayerSizes[l], stride = nin + 1;
            var prev = ws.A[l - 1].AsSpan();
            var act = ws.A[l].AsSpan();
            var der = ws.D[l].AsSpan();
            var wl = w.Slice(_offsets[l], nout * stride);
            var f = Activations[l - 1];
            for (int a = 0; a < nAtoms; a++)
            {
                var x = prev.Slice(a * nin, nin);
                for (int o = 0; o < nout; o++)
                {
                    var row = wl.Slice(o * stride, stride);
                    double z = row[nin] + Dot(row[..nin], x);
                    act[a * nout + o] = ActivationFunctions.Evaluate(f, z, out double d);
                    der[a * nout + o] = d;
                }
            }
        }
        ws.A[LayerCount - 1].AsSpan(0, nAtoms).CopyTo(outputs);
    }

    /// <summary>
    /// Backward pass after <see cref="Forward"/>: fills the workspace deltas (dOut_a/dz_l) for every layer,
    /// and when <paramref name="inputGradient"/> is not empty writes dOut_a/dInput (nAtoms x InputCount).
    /// </summary>
    public void Backward(NetworkWorkspace ws, Span<double> inputGradient)
    {
        int nAtoms = ws.AtomCount;
        int L = LayerCount - 1;
        ReadOnlySpan<double> w = _w;
        // output layer: one node
        var dL = ws.Delta[L].AsSpan();
        var derL = ws.D[L].AsSpan();
        for (int a = 0; a < nAtoms; a++) dL[a] = derL[a];
        for (int l = L; l >= 1; l--)
        {
            int nin = LayerSizes[l - 1], nout = LayerSizes[l], stride = nin + 1;
            var wl = w.Slice(_offsets[l], nout * stride);
            var delta = ws.Delta[l].AsSpan();
            bool toInput = l == 1;
            if (toInput && inputGradient.IsEmpty) break;
            Span<double> target = toInput ? inputGradient : ws.Delta[l - 1].AsSpan();
            for (int a = 0; a < nAtoms; a++)
            {
                var t = target.Slice(a * nin, nin);
                t.Clear();
                for (int o = 0; o < nout; o++)
                {
                    double g = delta[a * nout + o];
                    var row = wl.Slice(o * stride, nin);
                    for (int i = 0; i < nin; i++) t[i] += g * row[i];
                }
                if (!toInput)
                {
                    var dprev = ws.D[l - 1].AsSpan(a * nin, nin);
                    for (int i = 0; i < nin; i++) t[i] *= dprev[i];
                }
            }
        }
    }

    /// <summary>
    /// After <see cref="Forward"/> and <see cref="Backward"/>: grad += sum_a coeff[a] * dOut_a/dWeights.
    /// </summary>
    public void AccumulateWeightGradient(ReadOnlySpan<double> coeff, NetworkWorkspace ws, Span<double> grad)
    {
        int nAtoms = ws.AtomCount;
        for (int l = 1; l < LayerCount; l++)
        {
            int nin = LayerSizes[l - 1], nout = LayerSizes[l], stride = nin + 1;
            var g = grad.Slice(_offsets[l], nout * stride);
            var prev = ws.A[l - 1].AsSpan();
            var delta = ws.Delta[l].AsSpan();
            for (int a = 0; a < nAtoms; a++)
            {
                double c = coeff[a];
                if (c == 0) continue;
                var x = prev.Slice(a * nin, nin);
                for (int o = 0; o < nout; o++)
                {
                    double s = c * delta[a * nout + o];
                    var row = g.Slice(o * stride, stride);
                    for (int i = 0; i < nin; i++) row[i] += s * x[i];
                    row[nin] += s;
                }
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
                acc += new Vector<double>(a.Slice(i)) * new Vector<double>(b.Slice(i));
            s = Vector.Sum(acc);
        }
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }
}

/// <summary>Scratch memory of one thread's forward/backward passes (grows on demand, never shrinks).</summary>
public sealed class NetworkWorkspace
{
    private readonly int[] _sizes;

    internal NetworkWorkspace(NeuralNetwork net, int maxAtoms)
    {
        _sizes = net.LayerSizes;
        A = new double[_sizes.Length][];
        D = new double[_sizes.Length][];
        Delta = new double[_sizes.Length][];
        Capacity = 0;
        Ensure(Math.Max(1, maxAtoms));
    }

    public int Capacity { get; private set; }
    public int AtomCount { get; internal set; }

    /// <summary>Activations per layer (A[0] = inputs), nAtoms x n_l.</summary>
    public double[][] A { get; }
    /// <summary>Activation derivatives f'(z) per layer, nAtoms x n_l (index 0 unused).</summary>
    public double[][] D { get; }
    /// <summary>dOut/dz per layer after Backward, nAtoms x n_l (index 0 unused).</summary>
    public double[][] Delta { get; }

    public void Ensure(int nAtoms)
    {
        if (nAtoms <= Capacity) return;
        int cap = Math.Max(nAtoms, 2 * Capacity);
        for (int l = 0; l < _sizes.Length; l++)
        {
            A[l] = new double[cap * _sizes[l]];
            D[l] = new double[cap * _sizes[l]];
            Delta[l] = new double[cap * _sizes[l]];
        }
        Capacity = cap;
    }
}
