using System.Collections.Immutable;
using AlHpc.Descriptors;

namespace AlHpc.Network;

/// <summary>
/// A complete Behler-Parrinello model for one element: descriptor setup, descriptor scaling (z-score,
/// as aenet), energy scaling, the atomic network and provenance.
/// <para>
/// Atomic energy (eV): E_i = EnergyShift + NN(Ĝ_i) / EnergyScale, with Ĝ_i = (G_i - DescriptorMean) / DescriptorStd.
/// Total energy: sum over atoms. Training targets per-atom energies E/N mapped to about [-1, 1]:
/// EnergyScale = 2 / (Emax - Emin), shift = (Emax + Emin) / 2 (aenet's convention).
/// </para>
/// <para>
/// Isolated-atom anchoring (<see cref="AnchorIsolatedAtom"/>, default on): an isolated bead has all
/// descriptors 0, so its energy is EnergyShift + NN(Ĝ_0)/EnergyScale whatever the training saw. With the
/// anchor the trainer fits E_i = IsolatedAtomEnergy + (NN(Ĝ_i) - NN(Ĝ_0)) / EnergyScale, and stores
/// EnergyShift = IsolatedAtomEnergy - NN(Ĝ_0)/EnergyScale; a monomer then gets IsolatedAtomEnergy exactly,
/// by construction (0 eV for ML-BOP; the isolated molecule's energy for a quantum oracle).
/// </para>
/// <para>
/// Immutable: a model never changes after construction (its network is frozen, its arrays are immutable), so
/// potentials, evaluators and threads may share it; changes make new models (<c>with</c>, <see cref="WithScaling"/>,
/// <see cref="WithProvenance"/>). The trainer trains its own copy of the network and returns a new model.
/// </para>
/// </summary>
public sealed record NnModel
{
    private readonly NeuralNetwork _network = null!;
    private readonly ImmutableArray<double> _mean, _std;
    private readonly ImmutableArray<double>? _min, _max;
    private readonly IReadOnlyDictionary<string, string> _provenance = new Dictionary<string, string>();

    public NnModel(DescriptorSetup setup, NeuralNetwork network, double[]? descriptorMean = null, double[]? descriptorStd = null)
    {
        Setup = setup;
        Network = network;
        DescriptorMean = [.. descriptorMean ?? new double[setup.Count]];
        DescriptorStd = [.. descriptorStd ?? Enumerable.Repeat(1.0, setup.Count).ToArray()];
    }

    public DescriptorSetup Setup { get; }

    /// <summary>The atomic network (frozen: a network given here is copied unless it is frozen already).</summary>
    public NeuralNetwork Network
    {
        get => _network;
        init
        {
            if (value.InputCount != Setup.Count)
                throw new ArgumentException($"network has {value.InputCount} inputs but the setup has {Setup.Count} functions");
            _network = value.IsFrozen ? value : value.Clone().Freeze();
        }
    }

    /// <summary>Mean of each raw descriptor over all atoms of the training set.</summary>
    public ImmutableArray<double> DescriptorMean { get => _mean; init => _mean = PerDescriptor(value, "mean"); }

    /// <summary>Standard deviation of each raw descriptor (1 where it was 0).</summary>
    public ImmutableArray<double> DescriptorStd { get => _std; init => _std = PerDescriptor(value, "standard deviation"); }

    /// <summary>Smallest value of each raw descriptor over the training set (optional; n2p2's scaling.data wants it).</summary>
    public ImmutableArray<double>? DescriptorMin { get => _min; init => _min = value is { } v ? PerDescriptor(v, "minimum") : null; }

    /// <summary>Largest value of each raw descriptor over the training set (optional).</summary>
    public ImmutableArray<double>? DescriptorMax { get => _max; init => _max = value is { } v ? PerDescriptor(v, "maximum") : null; }

    private ImmutableArray<double> PerDescriptor(ImmutableArray<double> v, string what) =>
        v.IsDefault || v.Length != Setup.Count ? throw new ArgumentException($"one {what} per descriptor ({Setup.Count})") : v;

    /// <summary>Network output units per eV (per atom).</summary>
    public double EnergyScale { get; init; } = 1.0;

    /// <summary>Per-atom energy offset (eV).</summary>
    public double EnergyShift { get; init; }

    /// <summary>Energy of an isolated bead (eV); 0 for ML-BOP.</summary>
    public double IsolatedAtomEnergy { get; init; }

    /// <summary>Whether training anchors the isolated-bead energy (see class remarks).</summary>
    public bool AnchorIsolatedAtom { get; init; } = true;

    /// <summary>Free-form provenance: training-set hash, date, program version, settings (insertion order kept).</summary>
    public IReadOnlyDictionary<string, string> Provenance { get => _provenance; init => _provenance = new Dictionary<string, string>(value); }

    /// <summary>A copy with these provenance entries added (or replaced).</summary>
    public NnModel WithProvenance(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var d = new Dictionary<string, string>(_provenance);
        foreach (var kv in entries) d[kv.Key] = kv.Value;
        return this with { Provenance = d };
    }

    /// <summary>A copy with one provenance entry added (or replaced).</summary>
    public NnModel WithProvenance(string key, string value) => WithProvenance([new KeyValuePair<string, string>(key, value)]);

    /// <summary>A copy whose network has <paramref name="weights"/> (same architecture).</summary>
    public NnModel WithWeights(ReadOnlySpan<double> weights) =>
        this with { Network = new NeuralNetwork(Network.LayerSizes, Network.Activations, weights.ToArray()) };

    /// <summary>Scales raw descriptors in place: (G - mean) / std, rows of Setup.Count values.</summary>
    public void ScaleDescriptors(Span<double> g)
    {
        int n = Setup.Count;
        var mean = _mean.AsSpan();
        var std = _std.AsSpan();
        for (int a = 0; a < g.Length / n; a++)
        {
            var row = g.Slice(a * n, n);
            for (int k = 0; k < n; k++) row[k] = (row[k] - mean[k]) / std[k];
        }
    }

    /// <summary>Atomic energy (eV) from a network output.</summary>
    public double AtomEnergy(double networkOutput) => EnergyShift + networkOutput / EnergyScale;

    /// <summary>
    /// Z-score statistics of raw descriptors (rows of <paramref name="featureCount"/> values): the mean and the
    /// population standard deviation of each function over all rows; a constant function (std below 1e-12
    /// relative) gets std 1, since it carries no information. This is the trainer's descriptor scaling.
    /// </summary>
    public static (double[] Mean, double[] Std) DescriptorStatistics(ReadOnlySpan<double> descriptors, int featureCount)
    {
        int f = featureCount, rows = descriptors.Length / f;
        var mean = new double[f];
        var m2 = new double[f];
        // two passes: the mean, then squared deviations (numerically safer than a sum of squares)
        for (int a = 0; a < rows; a++)
            for (int k = 0; k < f; k++) mean[k] += descriptors[a * f + k];
        for (int k = 0; k < f; k++) mean[k] /= Math.Max(1, rows);
        for (int a = 0; a < rows; a++)
            for (int k = 0; k < f; k++) { double d = descriptors[a * f + k] - mean[k]; m2[k] += d * d; }
        var std = new double[f];
        for (int k = 0; k < f; k++)
        {
            double sd = Math.Sqrt(m2[k] / Math.Max(1, rows));
            std[k] = sd > 1e-12 * Math.Max(1.0, Math.Abs(mean[k])) ? sd : 1.0;
        }
        return (mean, std);
    }

    /// <summary>
    /// A copy with new descriptor scaling (<paramref name="mean"/>, <paramref name="std"/>) and energy scaling
    /// (<paramref name="energyScale"/>, <paramref name="energyShift"/>) whose network weights are transformed so
    /// that it computes the same atomic energies (exact up to rounding): the first layer absorbs the change of
    /// the descriptor z-score, W'[o,k] = W[o,k] std'_k/std_k and b'_o = b_o + sum_k W[o,k] (mean'_k - mean_k)/std_k;
    /// the linear output layer absorbs the energy scaling, NN' = (S'/S) NN + S' (shift - shift'). Used to warm-start
    /// training on a grown data set with the scaling that data set calls for. Requires a linear output layer.
    /// </summary>
    public NnModel WithScaling(double[] mean, double[] std, double energyScale, double energyShift)
    {
        int f = Setup.Count;
        if (mean.Length != f || std.Length != f) throw new ArgumentException("one mean and one standard deviation per descriptor");
        foreach (var s in std) if (!(s > 0) || !double.IsFinite(s)) throw new ArgumentException("standard deviations must be positive and finite");
        if (!(energyScale > 0) || !double.IsFinite(energyScale) || !double.IsFinite(energyShift)) throw new ArgumentException("energy scale must be positive and finite, the shift finite");
        if (Network.Activations[^1] != Activation.Linear) throw new NotSupportedException("rescaling needs a linear output layer");
        var net = Network.Clone();
        var w = net.Weights;
        var sizes = net.LayerSizes;
        // first layer: inputs x_old = (x_new std' + mean' - mean) / std
        int n1 = sizes[1], off1 = net.WeightOffset(1), stride1 = f + 1;
        for (int o = 0; o < n1; o++)
        {
            var row = w.AsSpan(off1 + o * stride1, stride1);
            double bias = row[f];
            for (int k = 0; k < f; k++)
            {
                bias += row[k] * (mean[k] - DescriptorMean[k]) / DescriptorStd[k];
                row[k] *= std[k] / DescriptorStd[k];
            }
            row[f] = bias;
        }
        // output layer (one linear node): NN' = r NN + S' (shift - shift')
        int last = sizes.Length - 1, nin = sizes[last - 1], offL = net.WeightOffset(last);
        double r = energyScale / EnergyScale;
        var outRow = w.AsSpan(offL, nin + 1);
        for (int i = 0; i <= nin; i++) outRow[i] *= r;
        outRow[nin] += energyScale * (EnergyShift - energyShift);
        return this with
        {
            Network = net,
            DescriptorMean = [.. mean],
            DescriptorStd = [.. std],
            EnergyScale = energyScale,
            EnergyShift = energyShift,
            DescriptorMin = null,
            DescriptorMax = null,
        };
    }
}
