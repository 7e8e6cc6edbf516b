using System.Globalization;
using AlHpc.Descriptors;
using AlHpc.Network;

namespace AlHpc.OpenCL.Workloads;

/// <summary>Prelude #defines that size the descriptor and network kernels (NF, NN_L, NN_SIZES, ...).</summary>
internal static class NetworkDefines
{
    public static KeyValuePair<string, string>[] For(DescriptorSetup setup, NeuralNetwork? net)
    {
        var d = new List<KeyValuePair<string, string>> { new("NF", setup.Count.ToString(CultureInfo.InvariantCulture)) };
        if (net is null) return d.ToArray();
        int L = net.LayerCount - 1;
        var aoff = new int[net.LayerCount];
        for (int l = 1; l < net.LayerCount; l++) aoff[l] = aoff[l - 1] + net.LayerSizes[l - 1];
        int total = aoff[^1] + net.LayerSizes[^1];
        static string List(IEnumerable<int> v) => "{" + string.Join(",", v.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "}";
        d.Add(new("NN_L", L.ToString(CultureInfo.InvariantCulture)));
        d.Add(new("NN_SIZES", List(net.LayerSizes)));
        d.Add(new("NN_ACTS", List(net.Activations.Select(a => (int)a))));
        d.Add(new("NN_WOFF", List(Enumerable.Range(1, L).Select(net.WeightOffset))));
        d.Add(new("NN_AOFF", List(aoff)));
        d.Add(new("NN_TOTAL", total.ToString(CultureInfo.InvariantCulture)));
        d.Add(new("NN_NW", net.WeightCount.ToString(CultureInfo.InvariantCulture)));
        return d.ToArray();
    }

    /// <summary>
    /// The function table of descriptors.cl (SF_W = 8 values per function): kind, eta, Rs, lambda, zeta, Rc,
    /// 2^(1-zeta), integer zeta (pown) or -1.
    /// </summary>
    public static double[] FunctionTable(DescriptorSetup setup)
    {
        const int W = 8;
        var t = new double[W * setup.Count];
        for (int f = 0; f < setup.Count; f++)
        {
            var s = setup.Functions[f];
            t[W * f] = (int)s.Kind; t[W * f + 1] = s.Eta; t[W * f + 2] = s.Rs;
            t[W * f + 3] = s.Lambda; t[W * f + 4] = s.Zeta; t[W * f + 5] = s.Rc;
            t[W * f + 6] = Math.Pow(2.0, 1.0 - s.Zeta);
            t[W * f + 7] = s.Kind == SymmetryFunctionKind.G5 && s.Zeta == Math.Floor(s.Zeta) && s.Zeta is >= 1 and <= 64 ? s.Zeta : -1;
        }
        return t;
    }

    /// <summary>The isolated-atom/anchor and activation codes must match network.cl's switch.</summary>
    static NetworkDefines()
    {
        if ((int)Activation.Linear != 0 || (int)Activation.Tanh != 1 || (int)Activation.Sigmoid != 2 || (int)Activation.MTanh != 3 || (int)Activation.Twist != 4)
            throw new InvalidOperationException("Activation enum codes changed: update network.cl nn_activate");
    }
}
