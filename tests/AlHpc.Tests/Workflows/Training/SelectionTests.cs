using AlHpc.ActiveLearning;
using AlHpc.Training;

namespace AlHpc.Tests.Training;

/// <summary>Best-epoch selection: the error cap, explicit held-out structures, active learning's stable split.</summary>
public class SelectionTests
{
    private static TrainingSettings Options(double cap = double.PositiveInfinity, int[]? holdout = null) => TrainingSettings.Aenet with
    {
        Epochs = 25, BatchSize = 0, Threads = 1, Seed = 5, HiddenLayers = [6, 5], HoldoutFraction = 0.25,
        SelectionErrorCapMeV = cap, HoldoutIndices = holdout,
    };

    [Fact]
    public void ErrorCapDecidesTheBestEpochOnlyThroughCappedErrors()
    {
        var set = TrainerTestData.Make(40, seed: 2);
        var plain = LmTrainer.Train(set, Options());
        Assert.True(plain.BestEpoch > 0, "training should improve on the random start");

        // a cap above every error changes nothing: same epoch, same weights
        var loose = LmTrainer.Train(set, Options(cap: 1e12));
        Assert.Equal(plain.BestEpoch, loose.BestEpoch);
        Assert.Equal(plain.Model.Network.WeightValues.ToArray(), loose.Model.Network.WeightValues.ToArray());

        // a cap below every error makes every capped score equal: the plain MAE breaks the ties (never the
        // random start by default), so the choice is again the plain one
        var tight = LmTrainer.Train(set, Options(cap: 1e-9));
        Assert.Equal(plain.BestEpoch, tight.BestEpoch);
        Assert.Equal(plain.Model.Network.WeightValues.ToArray(), tight.Model.Network.WeightValues.ToArray());
        Assert.Equal(plain.Curve.Count, tight.Curve.Count); // training itself is unchanged
        Assert.Equal(plain.Curve[^1].TrainMae, tight.Curve[^1].TrainMae);

        // 0 is the plain MAE (as in learn's configuration and train --selection-cap); null is 10 x the 1 meV tolerance
        var zero = LmTrainer.Train(set, Options(cap: 0));
        Assert.Equal(plain.BestEpoch, zero.BestEpoch);
        Assert.Equal(plain.Model.Network.WeightValues.ToArray(), zero.Model.Network.WeightValues.ToArray());
        var byDefault = LmTrainer.Train(set, Options() with { SelectionErrorCapMeV = null });
        var ten = LmTrainer.Train(set, Options(cap: 10));
        Assert.Equal(ten.BestEpoch, byDefault.BestEpoch);
        Assert.Equal(10, new TrainingSettings().EffectiveSelectionCapMeV());
        Assert.Equal(20, new TrainingSettings().EffectiveSelectionCapMeV(toleranceMeV: 2));
        Assert.Equal(double.PositiveInfinity, TrainingSettings.Aenet.EffectiveSelectionCapMeV());
    }

    [Fact]
    public void ExplicitHoldoutIsUsedAndBadIndicesAreRefused()
    {
        var set = TrainerTestData.Make(12, seed: 3);
        var r = LmTrainer.Train(set, Options(holdout: [7, 2, 11]));
        Assert.Equal([2, 7, 11], r.HoldoutIndices);
        Assert.Equal(9, r.TrainIndices.Length);
        Assert.DoesNotContain(7, r.TrainIndices);

        Assert.Throws<ArgumentException>(() => LmTrainer.Train(set, Options(holdout: [12])));
        Assert.Throws<ArgumentException>(() => LmTrainer.Train(set, Options(holdout: [3, 3])));
        Assert.Throws<ArgumentException>(() => LmTrainer.Train(set, Options(holdout: Enumerable.Range(0, 12).ToArray())));
        var bad = Assert.Throws<TrainingSettingsException>(() => (TrainingSettings.Aenet with { SelectionErrorCapMeV = -1 }).Validate());
        Assert.Equal(nameof(TrainingSettings.SelectionErrorCapMeV), Assert.Single(bad.Problems).Setting);
    }

    [Fact]
    public void StableHoldoutKeepsEveryStructureOnItsSideAsThePoolGrows()
    {
        var big = ActiveLearningRun.StableHoldout(600, 0.1, masterSeed: 4);
        Assert.DoesNotContain(0, big);                               // the seed structure is always trained on
        Assert.InRange(big.Length, 40, 80);                          // about 10 %
        foreach (int n in new[] { 50, 123, 400 })
        {
            var small = ActiveLearningRun.StableHoldout(n, 0.1, masterSeed: 4);
            if (big.Any(i => i < n)) Assert.Equal(big.Where(i => i < n), small); // a prefix of the pool keeps its split
        }
        Assert.Single(ActiveLearningRun.StableHoldout(2, 0.1, masterSeed: 4)); // at least one once there are two
        Assert.Empty(ActiveLearningRun.StableHoldout(1, 0.1, masterSeed: 4));
        Assert.NotEqual(big, ActiveLearningRun.StableHoldout(600, 0.1, masterSeed: 5));
    }
}

public class WarmStartSelectionTests
{
    [Fact]
    public void FirstSelectableEpochMakesAWarmStartMoveOn()
    {
        var set = TrainerTestData.Make(30, seed: 9);
        var start = LmTrainer.Train(set, TrainingSettings.Aenet with { Epochs = 30, BatchSize = 0, Seed = 2, HiddenLayers = [5, 4] }).Model;
        // continued training overfits this small set at once: the held-out error never beats the start's
        var stay = LmTrainer.Train(set, TrainingSettings.Aenet with { Epochs = 5, BatchSize = 0, Seed = 2 }, start);
        Assert.True(stay.Curve.Skip(1).All(r => r.HoldoutMae >= stay.Curve[0].HoldoutMae), "precondition: no epoch beats the start");
        Assert.Equal(0, stay.BestEpoch);
        Assert.Equal(start.Network.WeightValues.ToArray(), stay.Model.Network.WeightValues.ToArray());
        var move = LmTrainer.Train(set, TrainingSettings.Aenet with { Epochs = 5, BatchSize = 0, Seed = 2, FirstSelectableEpoch = 1 }, start);
        Assert.InRange(move.BestEpoch, 1, 5);
        Assert.NotEqual(start.Network.WeightValues.ToArray(), move.Model.Network.WeightValues.ToArray());
        Assert.Throws<TrainingSettingsException>(() => (TrainingSettings.Aenet with { FirstSelectableEpoch = -1 }).Validate());
    }
}
