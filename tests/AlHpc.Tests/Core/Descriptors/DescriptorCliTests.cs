using System.Globalization;
using AlHpc.Cli;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Tests.Network;
using Xunit;

namespace AlHpc.Tests.Descriptors;

[Collection("console")]
public class DescriptorCliTests
{
    [Fact]
    public void DescriptorsCsvMatchesReference()
    {
        var dir = TestPaths.NewTempDir();
        var csv = Path.Combine(dir, "d.csv");
        string data = TestPaths.Data("mlbop_lammps.extxyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["descriptors", data, "-o", csv]));
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("structure,atom,G2:eta=12.5:Rs=2.3:Rc=3.5,", lines[0]);
        Assert.Equal(28, lines[0].Split(',').Length);
        var clusters = StructureFile.Read(data).ToList();
        Assert.Equal(clusters.Sum(c => c.Count) + 1, lines.Length);
        // spot-check a structure against the reference implementation
        int s = clusters.FindIndex(c => c.Count >= 10);
        var reference = ReferenceDescriptors.Compute(DefaultSetups.Water26, clusters[s].Positions);
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(r => r[0] == s.ToString(CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(clusters[s].Count, rows.Length);
        for (int a = 0; a < rows.Length; a++)
            for (int f = 0; f < 26; f++)
                Assert.True(Math.Abs(double.Parse(rows[a][2 + f], CultureInfo.InvariantCulture) - reference[a * 26 + f]) < 1e-13);
    }

    [Fact]
    public void SetupFileIsUsedAndBadSetupGivesExit2()
    {
        var dir = TestPaths.NewTempDir();
        var stp = Path.Combine(dir, "s.stp");
        File.WriteAllLines(stp, ["ATOM O", "SYMMFUNC type=Behler2011", "2", "G=2 type2=O eta=0.5 Rs=0 Rc=3.0", "G=5 type2=O type3=O eta=0.1 lambda=1 zeta=2 Rc=3.0"]);
        var csv = Path.Combine(dir, "d.csv");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["descriptors", TestPaths.RepoData("struct_min_25.xsf"), "--setup", stp, "-o", csv]));
        Assert.Equal(26, File.ReadAllLines(csv).Length);
        Assert.Equal(4, File.ReadAllLines(csv)[0].Split(',').Length);
        File.AppendAllLines(stp, ["G=3 type2=O kappa=1 Rc=3"]);
        var bad = Path.Combine(dir, "bad.csv");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["descriptors", TestPaths.RepoData("struct_min_25.xsf"), "--setup", stp, "-o", bad]));
        Assert.False(File.Exists(bad));
    }

    [Fact]
    public void SetupCommandWritesDefault()
    {
        var stp = Path.Combine(TestPaths.NewTempDir(), "d.stp");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["setup", "--write-default", "-o", stp]));
        Assert.True(AenetSetupFile.Read(stp).SameFunctionsAs(DefaultSetups.Water26));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["setup", stp]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["setup"]));
    }

    [Fact]
    public void ExportN2p2Command()
    {
        var dir = TestPaths.NewTempDir();
        var tanh = Path.Combine(dir, "tanh.json");
        ModelFile.Save(tanh, TestModels.Random(3, Activation.Tanh));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["export-n2p2", tanh, "-o", Path.Combine(dir, "out")]));
        Assert.True(File.Exists(Path.Combine(dir, "out", "input.nn")));
        Assert.True(File.Exists(Path.Combine(dir, "out", "scaling.data")));
        Assert.True(File.Exists(Path.Combine(dir, "out", "weights.008.data")));
        var twist = Path.Combine(dir, "twist.json");
        ModelFile.Save(twist, TestModels.Random(3, Activation.Twist));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["export-n2p2", twist, "-o", Path.Combine(dir, "out2")]));
        Assert.False(File.Exists(Path.Combine(dir, "out2", "input.nn")));
        File.WriteAllText(Path.Combine(dir, "broken.json"), "{ \"format\": ");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["export-n2p2", Path.Combine(dir, "broken.json"), "-o", Path.Combine(dir, "out3")]));
    }
}

[Collection("console")]
public class EnergyModelCliTests
{
    [Fact]
    public void EnergyWithModelMatchesPotential()
    {
        var dir = TestPaths.NewTempDir();
        var model = TestModels.Random(8);
        var mpath = Path.Combine(dir, "m.json");
        ModelFile.Save(mpath, model);
        string data = TestPaths.Data("mlbop_lammps.extxyz");
        var outPath = Path.Combine(dir, "out.xyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", data, "--model", mpath, "--forces", "-o", outPath]));
        var got = StructureFile.Read(outPath).ToList();
        var input = StructureFile.Read(data).ToList();
        var ev = new AlHpc.Potentials.NnPotential(model).CreateEvaluator();
        Assert.Equal(input.Count, got.Count);
        for (int c = 0; c < input.Count; c++)
        {
            var f = new double[3 * input[c].Count];
            double e = ev.Compute(input[c].Positions, f, default);
            Assert.True(Math.Abs(got[c].Energy!.Value - e) <= 1e-9 * (1 + Math.Abs(e)));
            for (int k = 0; k < f.Length; k++) Assert.True(Math.Abs(got[c].Forces![k] - f[k]) <= 1e-9 * (1 + Math.Abs(f[k])));
        }
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", data, "--model", Path.Combine(dir, "missing.json"), "-o", Path.Combine(dir, "x.xyz")]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", data, "--model", mpath, "--potential", mpath, "-o", Path.Combine(dir, "y.xyz")]));
    }
}
