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

    /// <summary>The function table of descriptors.cl: 6 values per function (kind, eta, Rs, lambda, zeta, Rc).</summary>
    public static double[] FunctionTable(DescriptorSetup setup)
    {
        var t = new double[6 * setup.Count];
        for (int f = 0; f < setup.Count; f++)
        {
            var s = setup.Functions[f];
            t[6 * f] = (int)s.Kind; t[6 * f + 1] = s.Eta; t[6 * f + 2] = s.Rs;
            t[6 * f + 3] = s.Lambda; t[6 * f + 4] = s.Zeta; t[6 * f + 5] = s.Rc;
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
