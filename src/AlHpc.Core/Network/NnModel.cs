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
/// </summary>
public sealed class NnModel
{
    public NnModel(DescriptorSetup setup, NeuralNetwork network, double[]? descriptorMean = null, double[]? descriptorStd = null)
    {
        if (network.InputCount != setup.Count)
            throw new ArgumentException($"network has {network.InputCount} inputs but the setup has {setup.Count} functions");
        Setup = setup;
        Network = network;
        DescriptorMean = descriptorMean ?? new double[setup.Count];
        DescriptorStd = descriptorStd ?? Enumerable.Repeat(1.0, setup.Count).ToArray();
        if (DescriptorMean.Length != setup.Count || DescriptorStd.Length != setup.Count)
            throw new ArgumentException("one mean and one standard deviation per descriptor");
    }

    public DescriptorSetup Setup { get; }
    public NeuralNetwork Network { get; }

    /// <summary>Mean of each raw descriptor over all atoms of the training set.</summary>
    public double[] DescriptorMean { get; }

    /// <summary>Standard deviation of each raw descriptor (1 where it was 0).</summary>
    public double[] DescriptorStd { get; }

    /// <summary>Smallest value of each raw descriptor over the training set (optional; n2p2's scaling.data wants it).</summary>
    public double[]? DescriptorMin { get; set; }

    /// <summary>Largest value of each raw descriptor over the training set (optional).</summary>
    public double[]? DescriptorMax { get; set; }

    /// <summary>Network output units per eV (per atom).</summary>
    public double EnergyScale { get; set; } = 1.0;

    /// <summary>Per-atom energy offset (eV).</summary>
    public double EnergyShift { get; set; }

    /// <summary>Energy of an isolated bead (eV); 0 for ML-BOP.</summary>
    public double IsolatedAtomEnergy { get; set; }

    /// <summary>Whether training anchors the isolated-bead energy (see class remarks).</summary>
    public bool AnchorIsolatedAtom { get; set; } = true;

    /// <summary>Free-form provenance: training-set hash, date, program version, settings.</summary>
    public Dictionary<string, string> Provenance { get; } = new();

    /// <summary>Scales raw descriptors in place: (G - mean) / std, rows of Setup.Count values.</summary>
    public void ScaleDescriptors(Span<double> g)
    {
        int n = Setup.Count;
        for (int a = 0; a < g.Length / n; a++)
        {
            var row = g.Slice(a * n, n);
            for (int k = 0; k < n; k++) row[k] = (row[k] - DescriptorMean[k]) / DescriptorStd[k];
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
        var m = Clone();
        var w = m.Network.Weights;
        var sizes = m.Network.LayerSizes;
        // first layer: inputs x_old = (x_new std' + mean' - mean) / std
        int n1 = sizes[1], off1 = m.Network.WeightOffset(1), stride1 = f + 1;
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
        int last = sizes.Length - 1, nin = sizes[last - 1], offL = m.Network.WeightOffset(last);
        double r = energyScale / EnergyScale;
        var outRow = w.AsSpan(offL, nin + 1);
        for (int i = 0; i <= nin; i++) outRow[i] *= r;
        outRow[nin] += energyScale * (EnergyShift - energyShift);
        mean.CopyTo(m.DescriptorMean, 0);
        std.CopyTo(m.DescriptorStd, 0);
        m.EnergyScale = energyScale;
        m.EnergyShift = energyShift;
        m.DescriptorMin = null;
        m.DescriptorMax = null;
        return m;
    }

    public NnModel Clone()
    {
        var m = new NnModel(Setup, Network.Clone(), (double[])DescriptorMean.Clone(), (double[])DescriptorStd.Clone())
        {
            EnergyScale = EnergyScale,
            EnergyShift = EnergyShift,
            IsolatedAtomEnergy = IsolatedAtomEnergy,
            AnchorIsolatedAtom = AnchorIsolatedAtom,
            DescriptorMin = (double[]?)DescriptorMin?.Clone(),
            DescriptorMax = (double[]?)DescriptorMax?.Clone(),
        };
        foreach (var kv in Provenance) m.Provenance[kv.Key] = kv.Value;
        return m;
    }
}
