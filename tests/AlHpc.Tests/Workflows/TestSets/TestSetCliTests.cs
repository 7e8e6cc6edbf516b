using AlHpc.Cli;
using AlHpc.TestSets;

namespace AlHpc.Tests.TestSets;

/// <summary>The test-set commands end to end through the in-process CLI.</summary>
[Collection("console")]
public class TestSetCliTests
{
    [Fact]
    public void Testset_Convert_Evaluate_Info_EndToEnd()
    {
        var dir = TestPaths.NewTempDir();
        var h5 = Path.Combine(dir, "set.h5");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["testset", "--count", "30", "--sizes", "1-60", "--seed", "5", "-o", h5,
            "--recipe", "snapshots_per_chain=3 equilibration_cycles=4 cycles_between_snapshots=2 nested_adjust_cycles=2"]));
        using (var r = TestSetReader.Open(h5))
        {
            Assert.Equal(30, r.ClusterCount);
            Assert.True(r.HasForces);
            Assert.Equal(5, r.Metadata.Seed);
            Assert.Contains("snapshots_per_chain=3", r.Metadata.Recipe);
            Assert.Contains("ML-BOP", r.Metadata.Reference);
            Assert.Contains("nested", r.ColumnNames());
            Assert.Equal(30, r.ReadColumn("temperature_K")!.Length);
        }

        // h5 -> xyz -> h5 keeps positions, energies and forces exactly.
        var xyz = Path.Combine(dir, "set.xyz");
        var back = Path.Combine(dir, "back.hdf5");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["convert", h5, "-o", xyz]));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["convert", xyz, "-o", back]));
        var a = TestSetFile.Read(h5);
        var b = TestSetFile.Read(back, out var meta);
        Assert.Equal(a.Offsets, b.Offsets);
        Assert.Equal(a.Positions, b.Positions);
        Assert.Equal(a.Energies, b.Energies);
        Assert.Equal(a.Forces, b.Forces);
        Assert.Contains("converted from set.xyz", meta.Recipe);

        // The reference scores zero on its own set, from both formats.
        var outDir = Path.Combine(dir, "eval");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--reference", "--testset", h5, "--out", outDir]));
        var csv = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        var all = csv[1].Split(',');
        Assert.Equal("all", all[0]);
        Assert.Equal(0.0, double.Parse(all[5], System.Globalization.CultureInfo.InvariantCulture)); // energy MAE
        Assert.Equal(0.0, double.Parse(all[10], System.Globalization.CultureInfo.InvariantCulture)); // force MAE
        foreach (var png in new[] { "energy-parity.png", "mae-vs-size.png", "force-parity.png" })
            TestSetEvaluatorTests.AssertPng(Path.Combine(outDir, png));
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--reference", "--testset", xyz, "--no-figures"]));

        var figs = Path.Combine(dir, "figs");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["testset-info", h5, "--figures", figs]));
        TestSetEvaluatorTests.AssertPng(Path.Combine(figs, AlHpc.Reporting.TestSetFigures.EnergyHistogramFile));
    }

    [Fact]
    public void Evaluate_NetworkModel_AnchoredMonomersScoreZero()
    {
        var dir = TestPaths.NewTempDir();
        var set = Path.Combine(dir, "set.h5");
        var reference = Potentials.TersoffPotential.MlBop;
        var batch = TestSetTestData.Label(TestSetTestData.RandomBatch([1, 1, 2, 5, 24, 30, 60], 8), reference);
        TestSetFile.Write(set, batch);
        var modelPath = Path.Combine(dir, "model.json");
        // Anchor the random model as the trainer does: a monomer (all descriptors 0) gets exactly 0 eV.
        var nn = AlHpc.Tests.Network.TestModels.Random(3);
        double e0 = new Potentials.NnPotential(nn).CreateEvaluator().Compute(new double[3], Span<double>.Empty, Span<double>.Empty);
        Assert.NotEqual(0.0, e0);
        nn = nn with { EnergyShift = nn.EnergyShift - e0 };
        AlHpc.Network.ModelFile.Save(modelPath, nn);
        var outDir = Path.Combine(dir, "eval");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--model", modelPath, "--testset", set, "--out", outDir, "--no-figures"]));
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var overall = json.RootElement.GetProperty("overall");
        Assert.True(overall.GetProperty("energy_mae").GetDouble() > 0);
        Assert.True(overall.GetProperty("force_mae").GetDouble() > 0);
        var mono = json.RootElement.GetProperty("by_size")[0];
        Assert.Equal(1, mono.GetProperty("min_size").GetInt32());
        Assert.True(mono.GetProperty("energy_mae").GetDouble() < 1e-9); // anchored: E(monomer) = 0 = ML-BOP
    }

    [Fact]
    public void BadInputs_ExitWith2()
    {
        var dir = TestPaths.NewTempDir();
        var truncated = Path.Combine(dir, "cut.h5");
        var good = Path.Combine(dir, "good.h5");
        TestSetFile.Write(good, TestSetTestData.RandomBatch([500, 600, 700, 800], 3));
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--reference", "--testset", truncated]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--reference", "--testset", Path.Combine(dir, "missing.h5")]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--testset", good])); // no model
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["convert", truncated, "-o", Path.Combine(dir, "x.xyz")]));
        Assert.False(File.Exists(Path.Combine(dir, "x.xyz")));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["testset", "--count", "10", "--sizes", "5-2", "-o", Path.Combine(dir, "t.h5")]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["testset", "--count", "10", "--recipe", "colour=blue", "-o", Path.Combine(dir, "t.h5")]));
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["evaluate", "--reference", "--testset", good, "--ranges", "20-1"]));
        Assert.Empty(Directory.GetFiles(dir, "t.h5"));
    }
}
