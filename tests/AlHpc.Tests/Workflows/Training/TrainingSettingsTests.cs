using AlHpc.ActiveLearning;
using AlHpc.Descriptors;
using AlHpc.Evaluation;
using AlHpc.Network;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Tests.Training;

/// <summary>One training-settings type for learn's configuration, `alhpc train` and the trainer.</summary>
public class TrainingSettingsTests
{
    [Fact]
    public void TheConfigurationSectionIsTheTrainersSettingsWithItsKeysUnchanged()
    {
        Assert.IsType<TrainingSettings>(new ActiveLearningConfig().Training);
        string[] keys = ["epochs", "epochsPerStructure", "earlyStopEpochs", "minEpochs", "batchSize", "smallPoolBatchSize", "mu", "holdoutFraction",
                         "selectionErrorCapMeV", "stableHoldout", "warmStartMoveOn", "warmStart", "setupFile", "hiddenLayers", "activation",
                         "forcesWeight", "forceProjections"];
        Assert.Equal(keys.Order(), ConfigErrors.KeysOf(typeof(TrainingSettings)).Order());
        var json = System.Text.Json.Nodes.JsonNode.Parse(new ActiveLearningConfig().ToJson())!["training"]!.AsObject();
        Assert.Equal(keys.Order(), json.Select(kv => kv.Key).Order());
    }

    [Fact]
    public void DefaultsAreOneGenerationOfLearnAndAenetIsThePapers()
    {
        var t = new TrainingSettings();
        Assert.Equal((2000, 0, 0, 200, 0.1, 0.1), (t.Epochs, t.BatchSize, t.SmallPoolBatchSize, t.EarlyStopEpochs, t.Mu, t.HoldoutFraction));
        Assert.Null(t.SelectionErrorCapMeV);
        Assert.Equal(10, t.EffectiveSelectionCapMeV());
        Assert.Equal([10, 10], t.HiddenLayers);
        Assert.Equal(Activation.Twist, t.HiddenActivation());
        Assert.Equal((1, 0, 0.0, true, 0.0), (t.Seed, t.Threads, t.ForcesWeight, t.AnchorIsolatedAtom, t.IsolatedAtomEnergy));
        var a = TrainingSettings.Aenet;
        Assert.Equal((32, 1, 0), (a.BatchSize, a.SmallPoolBatchSize, a.EarlyStopEpochs));
        Assert.Equal(double.PositiveInfinity, a.EffectiveSelectionCapMeV());
    }

    [Fact]
    public void ProblemsNameTheSettingAndTheConfigurationPrefixesItsSection()
    {
        var bad = new TrainingSettings { BatchSize = -1, HiddenLayers = [], Activation = "relu" };
        var e = Assert.Throws<TrainingSettingsException>(bad.Validate);
        Assert.Equal(["BatchSize", "HiddenLayers", "Activation"], e.Problems.Select(p => p.Setting));
        Assert.Equal("batchSize must be >= 0 (0: full batch)", e.Problems[0].ToString());
        var c = new ActiveLearningConfig { Training = bad };
        var ce = Assert.Throws<AlHpc.IO.InputFormatException>(() => c.Validate());
        Assert.Contains("training.batchSize must be >= 0 (0: full batch)", ce.Message);
        Assert.Contains("training.activation must be one of linear, tanh, sigmoid, twist, mtanh (not \"relu\")", ce.Message);
        // a generation must train: 0 epochs is a configuration error, but the trainer may just evaluate its start
        Assert.Empty(new TrainingSettings { Epochs = 0 }.Problems());
        Assert.Single(new TrainingSettings { Epochs = 0 }.Problems(leastEpochs: 1));
    }

    [Fact]
    public void TheArchitectureIsDecidedInOnePlace()
    {
        var s = new TrainingSettings { HiddenLayers = [6, 5], Activation = "tanh" };
        var net = LmTrainer.Architecture(s, 26);
        Assert.Equal([26, 6, 5, 1], net.LayerSizes);
        Assert.Equal([Activation.Tanh, Activation.Tanh, Activation.Linear], net.Activations);
        var start = Tests.Network.TestModels.Random(3, Activation.Sigmoid, hiddenSizes: [4]);
        Assert.Same(start.Network, LmTrainer.Architecture(s, 26, start));
        // a fresh training builds exactly that network
        var trained = LmTrainer.Train(TrainerTestData.Make(12, 4, features: 26), s with { Epochs = 1 }).Model.Network;
        Assert.Equal(net.LayerSizes, trained.LayerSizes);
        Assert.Equal(net.Activations, trained.Activations);
    }

    [Fact]
    public void TheSetupIsTheFileTheStartModelsOrTheDefault()
    {
        var dir = TestPaths.NewTempDir();
        string file = Path.Combine(dir, "w.stp");
        AenetSetupFile.Write(file, DefaultSetups.Water26);
        Assert.Same(DefaultSetups.Water26, new TrainingSettings().ResolveSetup());
        var other = new DescriptorSetup(DefaultSetups.Water26.Functions.Take(20));
        var start = Tests.Network.TestModels.Random(1, setup: other);
        Assert.Same(other, new TrainingSettings().ResolveSetup(start));
        Assert.Equal(26, new TrainingSettings { SetupFile = "w.stp" }.ResolveSetup(baseDirectory: dir).Count);
        var e = Assert.Throws<TrainingSettingsException>(() => new TrainingSettings { SetupFile = file }.ResolveSetup(start));
        Assert.Equal(nameof(TrainingSettings.SetupFile), Assert.Single(e.Problems).Setting);
    }

    /// <summary>
    /// Active learning's warm start fits the descriptor and energy scaling to the training split only, as a fresh
    /// start does (it used the held-out structures too), and re-expresses the start network in it: same energies.
    /// </summary>
    [Fact]
    public void WarmStartFitsTheScalingOnTheTrainingSplitLikeAFreshStart()
    {
        var pool = MlBopData.ThermalClusters(16, seed: 21);
        var trainer = new DefaultComponents.NnTrainer(DefaultSetups.Water26);
        var settings = new TrainingSettings { Epochs = 3, HiddenLayers = [5, 4] };
        var first = trainer.Train(pool.Take(4).ToList(), null, settings, seed: 2, default);
        int[] held = [3, 8, 13];
        var warm = trainer.Train(pool, first.Model, settings with { Epochs = 0, HoldoutIndices = held }, seed: 3, default);
        var fresh = trainer.Train(pool, null, settings with { Epochs = 0, HoldoutIndices = held }, seed: 3, default);
        var w = ((DefaultComponents.NnLearnedModel)warm.Model).Model;
        var f = ((DefaultComponents.NnLearnedModel)fresh.Model).Model;

        var set = TrainingSet.FromClusters(ClusterBatch.FromClusters(pool), DefaultSetups.Water26);
        var trained = Enumerable.Range(0, pool.Count).Except(held).ToArray();
        var (mean, std) = NnModel.DescriptorStatistics(set.Subset(trained).Descriptors, set.FeatureCount);
        Assert.Equal(mean, f.DescriptorMean);
        Assert.Equal(mean, w.DescriptorMean);
        Assert.Equal(std, w.DescriptorStd);
        Assert.Equal(f.EnergyScale, w.EnergyScale);
        Assert.NotEqual(NnModel.DescriptorStatistics(set.Descriptors, set.FeatureCount).Mean, w.DescriptorMean); // the held-out part counts for nothing

        // the start network itself is unchanged: the same energies in the new scaling
        var batch = ClusterBatch.FromClusters(pool);
        var before = BatchPredictor.Predict(((DefaultComponents.NnLearnedModel)first.Model).Potential, batch, forces: false).Energies;
        var after = BatchPredictor.Predict(warm.Model.Potential, batch, forces: false).Energies;
        for (int i = 0; i < pool.Count; i++) Assert.Equal(before[i], after[i], 1e-9 * Math.Abs(before[i]));
    }
}
