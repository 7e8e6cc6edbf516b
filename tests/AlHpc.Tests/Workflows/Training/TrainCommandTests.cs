using AlHpc.Cli;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Training;

namespace AlHpc.Tests.Training;

public class TrainCommandTests
{
    [Fact]
    public void TrainsFromExtxyzAndWritesModelAndCurve()
    {
        var dir = TestPaths.NewTempDir();
        var data = Path.Combine(dir, "pool.extxyz");
        var clusters = MlBopData.ThermalClusters(12, seed: 3);
        ExtXyz.Write(data, clusters);
        string model = Path.Combine(dir, "model.json"), curve = Path.Combine(dir, "curve.csv");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["train", "--data", data, "--epochs", "6", "--batch", "0", "--seed", "4", "--threads", "1", "-o", model, "--curve", curve]));
        var m = ModelFile.Load(model);
        Assert.Equal(26, m.Setup.Count);
        Assert.Equal(391, m.Network.WeightCount);
        var lines = File.ReadAllLines(curve);
        Assert.StartsWith("epoch,train_mae_meV_per_molecule,holdout_mae_meV_per_molecule", lines[0]);
        Assert.Equal(1 + 7, lines.Length);
        // the CLI's defaults are the settings' own: the library gives the same network for the same data and seed
        var set = TrainingSet.FromClusters(AlHpc.Structures.ClusterBatch.FromClusters(clusters), AlHpc.Descriptors.DefaultSetups.Water26);
        var lib = LmTrainer.Train(set, new TrainingSettings { Epochs = 6, Seed = 4 });
        Assert.Equal(lib.Model.Network.WeightValues.ToArray(), m.Network.WeightValues.ToArray());
        Assert.Equal(lib.Model.EnergyShift, m.EnergyShift);
        // warm start from the written model
        string model2 = Path.Combine(dir, "model2.json");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["train", "--data", data, "--epochs", "2", "--batch", "0", "--init", model, "-o", model2]));
        Assert.Equal("yes", ModelFile.Load(model2).Provenance["warm_start"]);
    }

    [Fact]
    public void RefusesDataWithoutEnergies()
    {
        var dir = TestPaths.NewTempDir();
        var data = Path.Combine(dir, "pool.extxyz");
        var clusters = MlBopData.ThermalClusters(3, seed: 5);
        clusters[1].Energy = null;
        ExtXyz.Write(data, clusters);
        var model = Path.Combine(dir, "model.json");
        var (rc, _, err) = AlHpc.Tests.Cli.CliHarness.Run(["train", "--data", data, "--epochs", "2", "-o", model]);
        Assert.Equal(2, rc);
        Assert.Contains("pool.extxyz", err.ToString());
        Assert.Contains("structure 1", err.ToString());
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void TrainsForcesWhenTheDataHasThem()
    {
        var dir = TestPaths.NewTempDir();
        var data = Path.Combine(dir, "pool.extxyz");
        var clusters = MlBopData.ThermalClusters(8, seed: 7);
        ExtXyz.Write(data, clusters);
        string model = Path.Combine(dir, "model.json"), curve = Path.Combine(dir, "curve.csv");
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["train", "--data", data, "--epochs", "3", "--batch", "0", "--seed", "2", "--forces-weight", "0.1",
            "-o", model, "--curve", curve]));
        var m = ModelFile.Load(model);
        Assert.Equal("0.1", m.Provenance["forces_weight"]);
        Assert.True(double.Parse(m.Provenance["holdout_force_mae_meV_per_A"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        var lines = File.ReadAllLines(curve);
        Assert.EndsWith(",train_force_mae_meV_per_A,holdout_force_mae_meV_per_A", lines[0]);
        Assert.False(lines[^1].EndsWith(','), lines[^1]);
        // the CLI and the library give the same network
        var set = TrainingSet.FromClusters(AlHpc.Structures.ClusterBatch.FromClusters(clusters), AlHpc.Descriptors.DefaultSetups.Water26, withForces: true);
        var lib = LmTrainer.Train(set, TrainingSettings.Aenet with { Epochs = 3, BatchSize = 0, Seed = 2, ForcesWeight = 0.1 });
        Assert.Equal(lib.Model.Network.WeightValues.ToArray(), m.Network.WeightValues.ToArray());
    }

    [Fact]
    public void RefusesForceTrainingOnDataWithoutForces()
    {
        var dir = TestPaths.NewTempDir();
        var data = Path.Combine(dir, "pool.extxyz");
        var clusters = MlBopData.ThermalClusters(4, seed: 8);
        clusters[2].Forces = null;
        ExtXyz.Write(data, clusters);
        var model = Path.Combine(dir, "model.json");
        var (rc, _, err) = AlHpc.Tests.Cli.CliHarness.Run(["train", "--data", data, "--epochs", "2", "--forces-weight", "0.1", "-o", model]);
        Assert.Equal(2, rc);
        Assert.Contains("pool.extxyz", err.ToString());
        Assert.Contains("structure 2", err.ToString());
        Assert.Contains("forces", err.ToString());
        Assert.False(File.Exists(model));
        // the same data trains energies only with the default weight 0
        Assert.Equal(0, AlHpc.Tests.Cli.CliHarness.Code(["train", "--data", data, "--epochs", "1", "-o", model]));
    }

    [Theory]
    [InlineData("--forces-weight", "-0.5")]
    [InlineData("--holdout", "1.5")]
    [InlineData("--mu", "-1")]
    [InlineData("--batch", "-3")]
    public void RefusesBadOptions(string option, string value)
    {
        var dir = TestPaths.NewTempDir();
        var data = Path.Combine(dir, "pool.extxyz");
        ExtXyz.Write(data, MlBopData.ThermalClusters(2, seed: 6));
        var model = Path.Combine(dir, "model.json");
        Assert.Equal(2, AlHpc.Tests.Cli.CliHarness.Code(["train", "--data", data, option, value, "-o", model]));
        Assert.False(File.Exists(model));
    }
}
