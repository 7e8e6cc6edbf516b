using System.Text;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Tests.Descriptors;
using Xunit;

namespace AlHpc.Tests.Network;

public class ModelFileTests
{
    private static NnModel Sample()
    {
        var m = TestModels.Random(42);
        var rng = new Random(9);
        // awkward doubles: subnormal, tiny, huge, negative zero, many digits
        var w = m.Network.WeightValues.ToArray();
        w[0] = 4.9406564584124654E-324;
        w[1] = -0.0;
        w[2] = 1.0 / 3.0;
        w[3] = 99999999.999999985; // the largest magnitude a model may hold is 1e8 (ModelFile.MaxMagnitude)
        for (int k = 4; k < w.Length; k++) w[k] = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 8));
        return m.WithWeights(w) with
        {
            EnergyScale = 2.0 / 0.0371234567891,
            EnergyShift = -0.2961234567890123,
            IsolatedAtomEnergy = -1e-17,
            AnchorIsolatedAtom = false,
            DescriptorMin = [.. m.DescriptorMean.Select(x => x - 1.0 / 7)],
            DescriptorMax = [.. m.DescriptorMean.Select(x => x + 1.0 / 7)],
            Provenance = new Dictionary<string, string>
            {
                [ModelFile.Keys.TrainingSetHash] = "abc123",
                [ModelFile.Keys.Created] = "2026-11-24T02:00:00Z",
                ["note"] = "quote \" and newline \n kept",
            },
        };
    }

    [Fact]
    public void RoundTripIsBitExact()
    {
        var m = Sample();
        var path = Path.Combine(TestPaths.NewTempDir(), "model.json");
        ModelFile.Save(path, m);
        var b = ModelFile.Load(path);
        Assert.True(b.Setup.SameFunctionsAs(m.Setup));
        Assert.Equal(m.Network.LayerSizes, b.Network.LayerSizes);
        Assert.Equal(m.Network.Activations, b.Network.Activations);
        for (int k = 0; k < m.Network.WeightCount; k++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(m.Network.WeightValues[k]), BitConverter.DoubleToInt64Bits(b.Network.WeightValues[k]));
        Assert.Equal(Bits(m.DescriptorMean), Bits(b.DescriptorMean));
        Assert.Equal(Bits(m.DescriptorStd), Bits(b.DescriptorStd));
        Assert.Equal(Bits(m.DescriptorMin!.Value), Bits(b.DescriptorMin!.Value));
        Assert.Equal(Bits(m.DescriptorMax!.Value), Bits(b.DescriptorMax!.Value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(m.EnergyScale), BitConverter.DoubleToInt64Bits(b.EnergyScale));
        Assert.Equal(BitConverter.DoubleToInt64Bits(m.EnergyShift), BitConverter.DoubleToInt64Bits(b.EnergyShift));
        Assert.Equal(BitConverter.DoubleToInt64Bits(m.IsolatedAtomEnergy), BitConverter.DoubleToInt64Bits(b.IsolatedAtomEnergy));
        Assert.Equal(m.AnchorIsolatedAtom, b.AnchorIsolatedAtom);
        Assert.Equal(m.Provenance, b.Provenance);
        // saving the loaded model gives the same bytes
        var path2 = Path.Combine(Path.GetDirectoryName(path)!, "again.json");
        ModelFile.Save(path2, b);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(path2));
        // and the same energies
        var p = TestClusters.Random(15, 4);
        Assert.Equal(new NnPotential(m).CreateEvaluator().Compute(p, default, default), new NnPotential(b).CreateEvaluator().Compute(p, default, default));
    }

    [Fact]
    public void NonFiniteValuesAreNeitherWrittenNorRead()
    {
        // Issue 17: a model never holds NaN or Infinity (it made NaN energies and NaN n2p2 exports).
        var m = TestModels.WithWeight(TestModels.Random(1), 5, double.NaN);
        Assert.Throws<NonFiniteOutputException>(() => ModelFile.Write(new MemoryStream(), m));
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "m.json");
        Assert.Throws<NonFiniteOutputException>(() => ModelFile.Save(path, m));
        Assert.Empty(Directory.GetFiles(dir)); // nothing written, no temporary left
        m = TestModels.WithWeight(m, 5, 0.5);
        var ms = new MemoryStream();
        ModelFile.Write(ms, m);
        var text = Encoding.UTF8.GetString(ms.ToArray());
        foreach (var bad in new[] { "\"NaN\"", "\"Infinity\"", "\"-Infinity\"" })
        {
            var weightsAt = text.IndexOf("\"weights\"", StringComparison.Ordinal);
            int first = text.IndexOf('[', weightsAt) + 1;
            int comma = text.IndexOf(',', first);
            var broken = text[..first] + bad + text[comma..];
            var e = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(broken), "bad.json"));
            Assert.Contains("bad.json", e.Message);
            Assert.Contains("$.network.weights[0]", e.Message);
        }
        var shifted = System.Text.RegularExpressions.Regex.Replace(text, "\"energyShift\": [^,]*,", "\"energyShift\": \"NaN\",");
        Assert.Contains("energyShift", Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(shifted), "s.json")).Message);
    }

    [Fact]
    public void NewerVersionIsRefused()
    {
        var ms = new MemoryStream();
        ModelFile.Write(ms, TestModels.Random(2));
        var text = Encoding.UTF8.GetString(ms.ToArray()).Replace($"\"version\": {ModelFile.CurrentVersion}", $"\"version\": {ModelFile.CurrentVersion + 1}");
        var e = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(text), "future.json"));
        Assert.Contains("newer", e.Message);
        Assert.Contains("future.json", e.Message);
    }

    [Fact]
    public void MalformedFilesNameTheProblem()
    {
        var ms = new MemoryStream();
        ModelFile.Write(ms, TestModels.Random(2));
        string good = Encoding.UTF8.GetString(ms.ToArray());
        // syntax error: line number
        var lines = good.Split('\n');
        lines[5] = lines[5] + " }}";
        var e1 = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(string.Join('\n', lines)), "m.json"));
        Assert.True(e1.Line >= 6, $"line {e1.Line}");
        // wrong weight count
        int i = good.IndexOf("\"weights\": [", StringComparison.Ordinal);
        int j = good.IndexOf(',', i);
        string fewer = good[..(i + "\"weights\": [".Length)] + good[(j + 1)..];
        var e2 = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(fewer), "m.json"));
        Assert.Contains("weights", e2.Message);
        // unknown activation
        var e3 = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(good.Replace("\"twist\"", "\"relu\"")), "m.json"));
        Assert.Contains("relu", e3.Message);
        // not a model
        Assert.Throws<InputFormatException>(() => ModelFile.Parse("{\"format\": \"other\", \"version\": 1}"u8, "m.json"));
    }

    [Fact]
    public void N2p2ExportWritesConsistentFiles()
    {
        var m = TestModels.Random(5, Activation.Tanh);
        var dir = TestPaths.NewTempDir();
        N2p2Export.Export(m, dir);
        var input = File.ReadAllLines(Path.Combine(dir, "input.nn"));
        Assert.Contains("global_activation_short t t l", input);
        Assert.Contains("global_nodes_short 10 10", input);
        Assert.Equal(8, input.Count(l => l.StartsWith("symfunction_short O 2 O ")));
        Assert.Equal(18, input.Count(l => l.StartsWith("symfunction_short O 9 O O ")));
        var scaling = File.ReadAllLines(Path.Combine(dir, "scaling.data")).Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(26, scaling.Length);
        Assert.Equal(m.DescriptorStd[3], double.Parse(scaling[3].Split(' ', StringSplitOptions.RemoveEmptyEntries)[5], System.Globalization.CultureInfo.InvariantCulture));
        var w = File.ReadAllLines(Path.Combine(dir, "weights.008.data")).Where(l => !l.StartsWith('#'))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(m.Network.WeightCount, w.Length);
        // n2p2 order, first layer: w[j * 10 + k] = W1[k, j]; then 10 biases
        Assert.Equal(m.Network.WeightValues[3 * 27 + 5], w[5 * 10 + 3]);
        Assert.Equal(m.Network.WeightValues[2 * 27 + 26], w[26 * 10 + 2]);
        Assert.Equal(w.Select(BitConverter.DoubleToInt64Bits).OrderBy(x => x), m.Network.WeightValues.ToArray().Select(BitConverter.DoubleToInt64Bits).OrderBy(x => x));
    }

    [Fact]
    public void N2p2ExportRefusesTwist()
    {
        var m = TestModels.Random(5, Activation.Twist);
        var e = Assert.Throws<NotSupportedException>(() => N2p2Export.Export(m, TestPaths.NewTempDir()));
        Assert.Contains("twist", e.Message);
        Assert.Contains("hidden activation tanh, sigmoid or mtanh", e.Message); // in the library's terms: no CLI option
        Assert.DoesNotContain("--", e.Message);
    }

    private static long[] Bits(IEnumerable<double> a) => a.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
