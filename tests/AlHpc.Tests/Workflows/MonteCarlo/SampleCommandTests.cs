using AlHpc.Cli;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Potentials;

namespace AlHpc.Tests.MonteCarlo;

public class SampleCommandTests
{
    [Theory]
    [InlineData("metropolis")]
    [InlineData("nested")]
    public void WritesReproducibleTrajectoryWithEnergies(string method)
    {
        var dir = TestPaths.NewTempDir();
        string a = Path.Combine(dir, "a.xyz"), b = Path.Combine(dir, "b.xyz");
        string[] Args(string o) => ["sample", method, "--size", "12", "--cycles", "200", "--seed", "9", "--every", "20", "-o", o];
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(Args(a)));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(Args(b)));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        var frames = ExtXyz.Read(a).ToList();
        Assert.Equal(method == "metropolis" ? 9 : 10, frames.Count); // Metropolis writes production frames only (cycles 21-200)
        var eval = TersoffPotential.MlBop.CreateEvaluator();
        foreach (var f in frames)
        {
            Assert.Equal(12, f.Count);
            Assert.Equal(eval.Compute(f.Positions, default, default), f.Energy!.Value, 1e-9);
            Assert.Equal(method, f.GetInfo("sampler"));
            Assert.Equal(CriterionResult.Ok, ClusterCriterion.CheckReference(f.Positions, 4.0));
        }
    }

    [Fact]
    public void StartsFromAFile()
    {
        var dir = TestPaths.NewTempDir();
        string o = Path.Combine(dir, "t.xyz");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "--start", TestPaths.RepoData("struct_min_25.xsf"), "--cycles", "50", "--every", "0", "-o", o]));
        var frames = ExtXyz.Read(o).ToList();
        Assert.Single(frames); // --every 0: the final structure only
        Assert.Equal(25, frames[0].Count);
        Assert.InRange(frames[0].Energy!.Value, -8.26, -7.0);
    }

    [Fact]
    public void RelaxedRandomStartIsLowerInEnergy()
    {
        var dir = TestPaths.NewTempDir();
        string raw = Path.Combine(dir, "raw.xyz"), relaxed = Path.Combine(dir, "relaxed.xyz");
        // 0 cycles, --every 0: the output is the (relaxed or not) start structure itself.
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "--size", "10", "--cycles", "0", "--every", "0", "-o", raw]));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "--size", "10", "--cycles", "0", "--every", "0", "--relax", "-o", relaxed]));
        double e0 = ExtXyz.Read(raw).Single().Energy!.Value, e1 = ExtXyz.Read(relaxed).Single().Energy!.Value;
        Assert.True(e1 < e0 - 0.1, $"relaxation {e0} -> {e1} eV");
        Assert.Equal(TersoffPotential.MlBop.CreateEvaluator().Compute(ExtXyz.Read(relaxed).Single().Positions, default, default), e1, 1e-9);
    }

    [Fact]
    public void BadUsageGivesExitCode2AndNoOutput()
    {
        var dir = TestPaths.NewTempDir();
        string o = Path.Combine(dir, "t.xyz");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "-o", o]));                                   // neither --size nor --start
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "--size", "5", "--start", "x.xyz", "-o", o])); // both
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["sample", "gibbs", "--size", "5", "-o", o]));                         // unknown method
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "--size", "5", "--temperature", "-3", "-o", o]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["sample", "metropolis", "--size", "5", "-o", Path.Combine(dir, "t.xsf")]));
        string split = Path.Combine(dir, "split.xyz");
        File.WriteAllText(split, "2\nProperties=species:S:1:pos:R:3 pbc=\"F F F\"\nO 0 0 0\nO 9 0 0\n");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["sample", "nested", "--start", split, "-o", o]));                     // not a cluster
        Assert.False(File.Exists(o));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }
}
