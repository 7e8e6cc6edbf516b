using System.Globalization;
using System.Text;
using AlHpc.Descriptors;
using AlHpc.IO;

namespace AlHpc.Network;

/// <summary>
/// Writes a model as n2p2 files (input.nn, scaling.data, weights.ZZZ.data) so LAMMPS (pair_style nnp) and
/// n2p2's tools can run it. Mapping (exact, no refit):
/// <list type="bullet">
/// <item>G2 -> symfunction_short type 2 (exp(-eta (r - rs)^2) fc); G5 -> type 9 ("wide" angular,
/// 2^(1-zeta) (1 + lambda cos)^zeta exp(-eta (r_ij^2 + r_ik^2)) fc fc, rs = 0); cutoff_type 1 (cosine, alpha 0).</item>
/// <item>Descriptor z-score -> scale_symmetry_functions_sigma with scale_min_short 0, scale_max_short 1:
/// n2p2 computes Smin + (Smax - Smin)(G - Gmean)/Gsigma = (G - mean)/std.</item>
/// <item>Energy scaling -> n2p2 normalisation: mean_energy = EnergyShift (eV per atom), conv_energy = EnergyScale,
/// conv_length = 1: n2p2 then gives E = sum_i NN_i / conv_energy + N mean_energy, ours exactly.</item>
/// <item>Weights: n2p2's order per layer (for each previous node j, for each node k: w_kj; then the biases).</item>
/// <item>Activations: linear "l", tanh "t", sigmoid "s"; aenet's mtanh, a tanh(b x) with a = 1.7159 and b = 2/3,
/// is written as "t" with the layer's weights and bias times b and the next layer's weights times a (exact).
/// twist (mtanh + 0.1 x) is a sum of two activations in one node, which n2p2 cannot express: refused.</item>
/// </list>
/// Limits: scaling.data's Gmin/Gmax are only used by n2p2 for extrapolation warnings; when the model has no
/// DescriptorMin/Max they are written as mean -/+ 5 std (stated in a comment). Element symbol and
/// units are carried over unchanged (eV, A).
/// </summary>
public static class N2p2Export
{
    /// <summary>The hidden activations n2p2 can take (directly, or mtanh rewritten as tanh).</summary>
    public const string ExportableActivations = "tanh, sigmoid or mtanh";

    /// <summary>
    /// Why a model cannot be exported, or null when it can. <paramref name="instead"/>: what to do about a hidden
    /// activation n2p2 lacks, in the caller's terms (the CLI names its commands and options); default in the library's.
    /// </summary>
    public static string? WhyNot(NnModel model, string? instead = null)
    {
        foreach (var a in model.Network.Activations)
            if (ToN2p2(a) == null && a != Activation.MTanh)
                return $"n2p2 has no '{a.ToAenetName()}' activation and it cannot be rewritten as one (it offers linear, tanh, sigmoid, ...); "
                       + (instead ?? $"export to aenet instead (AenetExport), or train with the hidden activation {ExportableActivations}");
        if (model.Network.Activations[^1] != Activation.Linear)
            return "the output layer must be linear for n2p2";
        return null;
    }

    /// <summary>Writes input.nn, scaling.data and weights.ZZZ.data (ZZZ = atomic number, 008 for O) into a folder.</summary>
    public static void Export(NnModel model, string directory)
    {
        var why = WhyNot(model);
        if (why != null) throw new NotSupportedException(why);
        int z = AtomicNumber(model.Setup.Element);
        // All three files are formatted (and every number checked) before the first is written.
        string inputNn = InputNn(model), scaling = ScalingData(model), weights = WeightsData(model);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteText(Path.Combine(directory, "input.nn"), w => w.Write(inputNn));
        AtomicFile.WriteText(Path.Combine(directory, "scaling.data"), w => w.Write(scaling));
        AtomicFile.WriteText(Path.Combine(directory, $"weights.{z:000}.data"), w => w.Write(weights));
    }

    /// <summary>
    /// The network as n2p2 evaluates it: each mtanh layer (a tanh(b x)) becomes a tanh layer with its weights
    /// and bias times b, and the next layer's weights (not its bias) times a. Same function, exactly.
    /// </summary>
    public static NeuralNetwork N2p2Network(NeuralNetwork net)
    {
        const double a = 1.7159, b = 2.0 / 3.0;
        var w = net.WeightValues.ToArray();
        var acts = (Activation[])net.Activations.Clone();
        for (int l = 1; l < net.LayerCount; l++)
        {
            if (acts[l - 1] != Activation.MTanh) continue;
            int nin = net.LayerSizes[l - 1], nout = net.LayerSizes[l], off = net.WeightOffset(l);
            for (int i = 0; i < nout * (nin + 1); i++) w[off + i] *= b;
            if (l + 1 < net.LayerCount)
            {
                int nnext = net.LayerSizes[l + 1], offNext = net.WeightOffset(l + 1);
                for (int k = 0; k < nnext; k++)
                    for (int j = 0; j < nout; j++) w[offNext + k * (nout + 1) + j] *= a;
            }
            acts[l - 1] = Activation.Tanh;
        }
        return new NeuralNetwork(net.LayerSizes, acts, w);
    }

    public static string? ToN2p2(Activation a) => a switch
    {
        Activation.Linear => "l",
        Activation.Tanh => "t",
        Activation.Sigmoid => "s",
        _ => null,
    };

    private static string R(double v) => FiniteOutput.Format(v, "an n2p2 parameter");
    private static string E(double v) => FiniteOutput.Format(v, "an n2p2 weight or scaling value", "E16");

    public static string InputNn(NnModel model)
    {
        var sb = new StringBuilder();
        var net = N2p2Network(model.Network);
        string el = model.Setup.Element;
        sb.Append("# n2p2 input.nn written by AlHpc (alhpc export-n2p2). Units: eV, Angstrom.\n");
        foreach (var kv in model.Provenance) sb.Append("# provenance ").Append(kv.Key).Append(": ").Append(kv.Value.Replace('\n', ' ')).Append('\n');
        sb.Append("# energy normalisation: E = sum_i NN_i / conv_energy + N * mean_energy (= AlHpc EnergyShift + NN / EnergyScale per atom)\n");
        sb.Append("mean_energy ").Append(R(model.EnergyShift)).Append('\n');
        sb.Append("conv_energy ").Append(R(model.EnergyScale)).Append('\n');
        sb.Append("conv_length ").Append(R(1.0)).Append('\n');
        sb.Append("number_of_elements 1\n");
        sb.Append("elements ").Append(el).Append('\n');
        sb.Append("cutoff_type 1\n");
        sb.Append("cutoff_alpha 0.0\n");
        sb.Append("scale_symmetry_functions_sigma\n");
        sb.Append("scale_min_short 0.0\n");
        sb.Append("scale_max_short 1.0\n");
        sb.Append("global_hidden_layers_short ").Append(net.LayerCount - 2).Append('\n');
        sb.Append("global_nodes_short ").Append(string.Join(' ', net.LayerSizes.Skip(1).Take(net.LayerCount - 2))).Append('\n');
        sb.Append("global_activation_short ").Append(string.Join(' ', net.Activations.Select(a => ToN2p2(a)))).Append('\n');
        sb.Append("use_short_forces\n");
        sb.Append("# symmetry functions, in AlHpc's setup order (the order of the network inputs)\n");
        foreach (var f in model.Setup.Functions)
        {
            if (f.Kind == SymmetryFunctionKind.G2)
                sb.Append($"symfunction_short {el} 2 {el} {R(f.Eta)} {R(f.Rs)} {R(f.Rc)}\n");
            else
                sb.Append($"symfunction_short {el} 9 {el} {el} {R(f.Eta)} {R(f.Lambda)} {R(f.Zeta)} {R(f.Rc)} 0.0\n");
        }
        return sb.ToString();
    }

    public static string ScalingData(NnModel model)
    {
        var sb = new StringBuilder();
        int nf = model.Setup.Count;
        bool haveRange = model.DescriptorMin != null && model.DescriptorMax != null;
        sb.Append("# n2p2 scaling.data written by AlHpc: element function Gmin Gmax Gmean Gsigma\n");
        if (!haveRange) sb.Append("# Gmin/Gmax unknown to the model: written as mean -/+ 5 sigma (used only for extrapolation warnings)\n");
        for (int f = 0; f < nf; f++)
        {
            double mean = model.DescriptorMean[f], sd = model.DescriptorStd[f];
            double mn = haveRange ? model.DescriptorMin!.Value[f] : mean - 5 * sd;
            double mx = haveRange ? model.DescriptorMax!.Value[f] : mean + 5 * sd;
            sb.Append($"1 {f + 1} {E(mn)} {E(mx)} {E(mean)} {E(sd)}\n");
        }
        return sb.ToString();
    }

    public static string WeightsData(NnModel model)
    {
        var sb = new StringBuilder();
        var net = N2p2Network(model.Network);
        sb.Append("# n2p2 weights written by AlHpc: value, a (weight) or b (bias), index, layer/node indices\n");
        int count = 0;
        for (int l = 1; l < net.LayerCount; l++)
        {
            int nin = net.LayerSizes[l - 1], nout = net.LayerSizes[l], off = net.WeightOffset(l);
            for (int j = 0; j < nin; j++)
                for (int k = 0; k < nout; k++)
                {
                    count++;
                    sb.Append($"{E(net.WeightValues[off + k * (nin + 1) + j])} a {count,9} {l - 1,5} {j + 1,5} {l,5} {k + 1,5}\n");
                }
            for (int k = 0; k < nout; k++)
            {
                count++;
                sb.Append($"{E(net.WeightValues[off + k * (nin + 1) + nin])} b {count,9} {l,5} {k + 1,5}\n");
            }
        }
        return sb.ToString();
    }

    private static int AtomicNumber(string symbol)
    {
        var t = Elements.ByAtomicNumber;
        for (int z = 1; z < t.Count; z++)
            if (t[z].Equals(symbol, StringComparison.OrdinalIgnoreCase)) return z;
        throw new NotSupportedException($"element '{symbol}' is not a chemical element symbol; n2p2 names weight files by atomic number");
    }
}
