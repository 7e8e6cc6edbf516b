using System.Text;
using System.Text.RegularExpressions;
using AlHpc.Evaluation;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Structures;
using AlHpc.Tests.Network;
using AlHpc.Tests.TestSets;
using AlHpc.TestSets;
using PureHDF;

namespace AlHpc.Tests.Integrity;

/// <summary>
/// Issue 17, Why 5 / What 3: inputs that parse but give NaN or Infinity are refused (exit 2, the file named,
/// nothing written), and no writer ever writes NaN or Infinity (one check, <see cref="FiniteOutput"/>).
/// </summary>
[Collection("console")]
public class WrongNumbersTests
{
    private static string Seed => TestPaths.RepoData("struct_min_25.xsf");

    private static void AssertNothingWritten(string dir, params string[] names)
    {
        foreach (var n in names) Assert.False(File.Exists(Path.Combine(dir, n)) || Directory.Exists(Path.Combine(dir, n)), $"{n} was written");
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void CoincidentAtomsAreBadInputNotNaNForces()
    {
        var dir = TestPaths.NewTempDir();
        var xyz = Path.Combine(dir, "two.xyz");
        File.WriteAllText(xyz, "3\nenergy=-1\nO 0 0 0\nO 2.8 0 0\nO 2.8 0 0\n");
        var (code, _, err) = CliRunner.Run("energy", xyz, "--forces", "-o", Path.Combine(dir, "out.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("two.xyz:5", err);
        Assert.Contains("coincident", err);
        AssertNothingWritten(dir, "out.xyz");

        var xsf = Path.Combine(dir, "two.xsf");
        File.WriteAllText(xsf, "ATOMS\nO 0 0 0\nO 0.05 0 0\n");
        (code, _, err) = CliRunner.Run("energy", xsf, "-o", Path.Combine(dir, "out2.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("two.xsf:3", err);
        AssertNothingWritten(dir, "out2.xyz");
    }

    private static readonly string MlBop = File.ReadAllText(TestPaths.RepoData("mlbop.tersoff"));

    /// <summary>ML-BOP with one of its 14 numbers replaced (index in LAMMPS order m gamma lambda3 c d costheta0 ...).</summary>
    private static string Tersoff(int index, string value)
    {
        var lines = MlBop.Split('\n');
        int at = Array.FindIndex(lines, l => l.TrimStart().StartsWith("O O O", StringComparison.Ordinal));
        var words = lines[at].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        words[3 + index] = value;
        lines[at] = string.Join(' ', words);
        return string.Join('\n', lines);
    }

    [Theory]
    [InlineData(3, "1e200", "c")]
    [InlineData(1, "1e308", "gamma")]
    [InlineData(4, "1e-300", "d")]
    [InlineData(5, "1e308", "costheta0")]
    [InlineData(6, "1e-3", "n")]
    [InlineData(13, "1e300", "A")]
    public void OverflowingTersoffParametersAreRefused(int index, string value, string name)
    {
        var dir = TestPaths.NewTempDir();
        var pot = Path.Combine(dir, "bad.tersoff");
        File.WriteAllText(pot, Tersoff(index, value));
        var (code, _, err) = CliRunner.Run("energy", Seed, "--potential", pot, "--forces", "-o", Path.Combine(dir, "out.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("bad.tersoff:", err);
        Assert.Contains($" {name} = ", err);
        AssertNothingWritten(dir, "out.xyz");
        // the unchanged file still works
        File.WriteAllText(pot, MlBop);
        Assert.Equal(0, CliRunner.Run("energy", Seed, "--potential", pot, "-o", Path.Combine(dir, "ok.xyz")).Code);
    }

    [Fact]
    public void ASetupWithAHugeZetaIsRefused()
    {
        var dir = TestPaths.NewTempDir();
        var stp = Path.Combine(dir, "s.stp");
        Assert.Equal(0, CliRunner.Run("setup", "--write-default", "-o", stp).Code);
        var text = File.ReadAllText(stp);
        File.WriteAllText(stp, Regex.Replace(text, "zeta=[0-9.]+", "zeta=2000"));
        var (code, _, err) = CliRunner.Run("descriptors", Seed, "--setup", stp, "-o", Path.Combine(dir, "d.csv"));
        Assert.Equal(2, code);
        Assert.Contains("s.stp:", err);
        Assert.Contains("zeta", err);
        AssertNothingWritten(dir, "d.csv");
    }

    private static string ModelText()
    {
        var ms = new MemoryStream();
        ModelFile.Write(ms, TestModels.Random(4, Activation.Tanh));
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [Theory]
    [InlineData("weights", "\"NaN\"")]
    [InlineData("weights", "\"Infinity\"")]
    [InlineData("energyShift", "\"NaN\"")]
    [InlineData("energyShift", "\"-Infinity\"")]
    public void AModelWithNonFiniteNumbersIsRefusedAndNotExported(string field, string value)
    {
        var dir = TestPaths.NewTempDir();
        var text = ModelText();
        text = field == "weights"
            ? Regex.Replace(text, "(\"weights\": \\[\\s*)[^,\\s]+", m => m.Groups[1].Value + value)
            : Regex.Replace(text, "\"energyShift\": [^,\\s]+", "\"energyShift\": " + value);
        var model = Path.Combine(dir, "m.json");
        File.WriteAllText(model, text);
        var (code, _, err) = CliRunner.Run("export-n2p2", model, "-o", Path.Combine(dir, "n2p2"));
        Assert.Equal(2, code);
        Assert.Contains("m.json", err);
        Assert.Contains(field, err);
        AssertNothingWritten(dir, "n2p2");
        (code, _, err) = CliRunner.Run("energy", Seed, "--model", model, "-o", Path.Combine(dir, "e.xyz"));
        Assert.Equal(2, code);
        AssertNothingWritten(dir, "e.xyz");
    }

    /// <summary>A test set written past the library's checks (raw PureHDF), as another program could.</summary>
    private static string RawSet(string dir, Action<ClusterBatch> spoil, bool emptyCluster = false)
    {
        var b = TestSetTestData.RandomBatch([3, 5, 4], 9);
        spoil(b);
        int n = b.ClusterCount;
        var offsets = new long[n + 1];
        for (int c = 0; c <= n; c++) offsets[c] = b.Offsets[c];
        if (emptyCluster) offsets[1] = offsets[0];
        var f = new H5File();
        f.Attributes["format"] = TestSetFile.FormatName;
        f.Attributes["format_version"] = (long)TestSetFile.CurrentVersion;
        f["positions"] = new H5Dataset(b.Positions, fileDims: [(ulong)b.AtomCount, 3UL]);
        f["energies"] = new H5Dataset(b.Energies, fileDims: [(ulong)n]);
        f["offsets"] = new H5Dataset(offsets, fileDims: [(ulong)(n + 1)]);
        if (b.Forces is { } ff) f["forces"] = new H5Dataset(ff, fileDims: [(ulong)b.AtomCount, 3UL]);
        var path = Path.Combine(dir, $"set{Guid.NewGuid():N}.h5");
        f.Write(path);
        return path;
    }

    [Fact]
    public void TestSetsWithInfiniteEnergiesNaNCoordinatesOrEmptyClustersAreRefused()
    {
        var dir = TestPaths.NewTempDir();
        var sets = new (string Path, string Why)[]
        {
            (RawSet(dir, b => b.Energies[1] = double.PositiveInfinity), "infinite energy"),
            (RawSet(dir, b => b.Positions[4] = double.NaN), "non-finite coordinate"),
            (RawSet(dir, _ => { }, emptyCluster: true), "empty"),
            (RawSet(dir, b => { b.Positions[3] = b.Positions[0]; b.Positions[4] = b.Positions[1]; b.Positions[5] = b.Positions[2]; }), "coincident"),
        };
        foreach (var (path, why) in sets)
        {
            var (code, _, err) = CliRunner.Run("evaluate", "--reference", "--testset", path, "--out", Path.Combine(dir, "eval"));
            Assert.True(code == 2, err);
            Assert.Contains(Path.GetFileName(path), err);
            Assert.Contains(why, err);
            (code, _, err) = CliRunner.Run("convert", path, "-o", Path.Combine(dir, "c.xyz"));
            Assert.Equal(2, code);
        }
        AssertNothingWritten(dir, "eval", "c.xyz");
    }

    [Fact]
    public void TheSizesDatasetAndTheChecksumAreChecked()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "s.h5");
        var b = TestSetTestData.RandomBatch([3, 5, 4], 2);
        TestSetFile.Write(path, b);
        Assert.Equal(b.Energies, TestSetFile.Read(path).Energies);
        // Flip one byte of the energies' raw data: the checksum catches it.
        var bytes = File.ReadAllBytes(path);
        var e1 = BitConverter.GetBytes(b.Energies[1]);
        int at = bytes.AsSpan().IndexOf(e1);
        Assert.True(at > 0);
        bytes[at] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InputFormatException>(() => TestSetFile.Read(path));
        Assert.Contains("checksum", e.Message);

        // sizes that disagree with the offsets
        var f = new H5File();
        f.Attributes["format"] = TestSetFile.FormatName;
        f.Attributes["format_version"] = (long)TestSetFile.CurrentVersion;
        f["positions"] = new H5Dataset(b.Positions, fileDims: [(ulong)b.AtomCount, 3UL]);
        f["energies"] = new H5Dataset(b.Energies, fileDims: [3UL]);
        f["offsets"] = new H5Dataset(new long[] { 0, 3, 8, 12 }, fileDims: [4UL]);
        f["sizes"] = new H5Dataset(new[] { 3, 4, 5 }, fileDims: [3UL]);
        var p2 = Path.Combine(dir, "sizes.h5");
        f.Write(p2);
        Assert.Contains("sizes[1] = 4", Assert.Throws<InputFormatException>(() => TestSetFile.Read(p2)).Message);
    }

    [Fact]
    public void ConvertSaysWhenEnergiesAreUnknownAndEvaluateRefusesThem()
    {
        // issue 17: a NaN (unknown) energy was dropped silently by convert.
        var dir = TestPaths.NewTempDir();
        var b = TestSetTestData.RandomBatch([2, 3, 4], 1);
        b.Energies[1] = double.NaN;
        var set = Path.Combine(dir, "s.h5");
        TestSetFile.Write(set, b);
        var r = Cli.CliHarness.Run("convert", set, "-o", Path.Combine(dir, "s.xyz"));
        Assert.Equal(0, r.Code);
        Assert.Contains("1 of 3 clusters have no reference energy (NaN, unknown)", r.Err);
        Assert.Equal(2, File.ReadAllText(Path.Combine(dir, "s.xyz")).Split('\n').Count(l => l.Contains("energy=")));
        var e = Cli.CliHarness.Run("evaluate", "--reference", "--testset", set, "--no-figures");
        Assert.Equal(2, e.Code);
        Assert.Contains("cluster 1 (size 3) has no reference energy", e.Err);
    }

    [Fact]
    public void NoWriterWritesNaNOrInfinity()
    {
        var dir = TestPaths.NewTempDir();
        // structures
        var c = new Cluster([0, 0, 0, 2.8, 0, 0]) { Energy = double.NaN };
        var ex = Assert.Throws<NonFiniteOutputException>(() => ExtXyz.Write(Path.Combine(dir, "a.xyz"), [c]));
        Assert.Contains("a.xyz", ex.Message);
        c.Energy = -1; c.Forces = [0, 0, double.PositiveInfinity, 0, 0, 0];
        Assert.Throws<NonFiniteOutputException>(() => Xsf.Write(Path.Combine(dir, "a.xsf"), c));
        using (var w = new ExtXyzWriter(Path.Combine(dir, "t.xyz")))
            Assert.Throws<NonFiniteOutputException>(() => { w.Write(c); });
        // test sets: infinities never (NaN is the format's "unknown")
        var b = TestSetTestData.RandomBatch([2, 3], 1);
        b.Energies[0] = double.NegativeInfinity;
        Assert.Throws<NonFiniteOutputException>(() => { TestSetFile.Write(Path.Combine(dir, "s.h5"), b); });
        // n2p2 export of a model with a NaN weight: not one of the three files
        var m0 = TestModels.Random(3, Activation.Tanh);
        var m = TestModels.WithWeight(m0, m0.Network.WeightCount - 1, double.NaN);
        Assert.Throws<NonFiniteOutputException>(() => N2p2Export.Export(m, Path.Combine(dir, "n2p2")));
        // metrics: NaN (not applicable) is an empty field, an infinity is refused
        var metrics = EvaluationMetrics.Compute(TestSetTestData.RandomBatch([2, 3], 1, withForces: false), new[] { double.PositiveInfinity, -2.0 }, null);
        Assert.Throws<NonFiniteOutputException>(() => { MetricsReport.WriteCsv(Path.Combine(dir, "m.csv"), metrics); });
        Assert.Throws<NonFiniteOutputException>(() => { MetricsReport.WriteJson(Path.Combine(dir, "m.json"), metrics); });
        AssertNothingWritten(dir, "a.xyz", "a.xsf", "t.xyz", "s.h5", "n2p2", "m.csv", "m.json");
    }
}
