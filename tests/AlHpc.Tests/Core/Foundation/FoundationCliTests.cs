using AlHpc.Cli;
using AlHpc.IO;
using AlHpc.Optimization;
using AlHpc.Potentials;

namespace AlHpc.Tests.Foundation;

public class FoundationCliTests
{
    [Fact]
    public void EnergyLabelsTheLammpsFileWithForces()
    {
        var dir = TestPaths.NewTempDir();
        var input = TestPaths.Data("mlbop_lammps.extxyz");
        var output = Path.Combine(dir, "out.xyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", input, "--forces", "-o", output]));
        var expected = ExtXyz.Read(input).ToList();
        var got = ExtXyz.Read(output).ToList();
        Assert.Equal(expected.Count, got.Count);
        for (int c = 0; c < got.Count; c++)
        {
            Assert.Equal(expected[c].Positions, got[c].Positions);
            Assert.Equal(expected[c].Energy!.Value, got[c].Energy!.Value, 1e-9);
            for (int i = 0; i < got[c].Forces!.Length; i++) Assert.Equal(expected[c].Forces![i], got[c].Forces![i], 1e-9);
            Assert.Equal(expected[c].GetInfo("style"), got[c].GetInfo("style"));
        }
    }

    [Fact]
    public void EnergyOfXsfWithoutForcesAndWithAPotentialFile()
    {
        var dir = TestPaths.NewTempDir();
        var output = Path.Combine(dir, "seed.extxyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["energy", TestPaths.RepoData("struct_min_25.xsf"), "--potential", TestPaths.RepoData("mlbop.tersoff"), "-o", output]));
        var c = ExtXyz.Read(output).Single();
        Assert.Equal(-8.2503244532, c.Energy!.Value, 1e-9);
        Assert.Null(c.Forces);
    }

    [Fact]
    public void MalformedInputGivesExit2AndNoOutput()
    {
        var dir = TestPaths.NewTempDir();
        var bad = Path.Combine(dir, "bad.xyz");
        File.WriteAllText(bad, "2\n\nO 0 0 0\nO 1 nan 0\n");
        var output = Path.Combine(dir, "out.xyz");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", bad, "-o", output]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["minimize", bad, "-o", output]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", Path.Combine(dir, "missing.xyz"), "-o", output]));
        var badPot = Path.Combine(dir, "bad.tersoff");
        File.WriteAllText(badPot, "O O Si 1 2 3\n");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", TestPaths.RepoData("struct_min_25.xsf"), "--potential", badPot, "-o", output]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", TestPaths.RepoData("struct_min_25.xsf"), "-o", Path.Combine(dir, "out.pdb")]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["minimize", TestPaths.RepoData("struct_min_25.xsf"), "--fmax", "-1", "-o", output]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["energy", TestPaths.RepoData("struct_min_25.xsf")])); // -o missing
        // nothing written: no output, no leftover temporary file
        Assert.Equal(new[] { bad, badPot }.Order(), Directory.GetFiles(dir).Order());
    }

    [Fact]
    public void MinimizeWritesARelaxedStructure()
    {
        var dir = TestPaths.NewTempDir();
        var output = Path.Combine(dir, "min.xsf");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["minimize", TestPaths.RepoData("struct_min_25.xsf"), "--fmax", "1e-5", "-o", output]));
        var c = Xsf.Read(output);
        var f = new double[c.Positions.Length];
        double e = TersoffPotential.MlBop.CreateEvaluator().Compute(c.Positions, f, default);
        Assert.Equal(e, c.Energy!.Value, 1e-12);
        Assert.True(Fire.MaxForce(f) < 1e-5);
        Assert.True(e < -8.2503244532);

        var xyz = Path.Combine(dir, "min.xyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["minimize", TestPaths.RepoData("struct_min_25.xsf"), "--max-steps", "2", "-o", xyz]));
        var partial = ExtXyz.Read(xyz).Single();
        Assert.Equal("F", partial.GetInfo("converged"));
        Assert.Equal("2", partial.GetInfo("steps"));
    }
}
