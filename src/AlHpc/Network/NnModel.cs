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
