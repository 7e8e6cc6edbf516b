using AlHpc.ActiveLearning;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>The loop with the real parts (ML-BOP oracle, LM-trained network, Metropolis and nested samplers) on a tiny problem.</summary>
public class RealPartsTests
{
    private static ActiveLearningConfig Tiny()
    {
        var c = new ActiveLearningConfig { Seed = 2, Plots = false };
        c.Training.Epochs = 300;
        c.Training.EarlyStopEpochs = 100;
        c.Sampling.Metropolis.Cycles = 30;
        c.Sampling.Nested.Frames = 0; // a tiny problem: thermal structures near the seed only
        c.Selection.ToleranceMeV = 20; // loosened
        c.Stop.ConsecutiveNoAdd = 2;
        c.Stop.MaxIterations = 15;
        c.Monitor.Size = 0;
        return c;
    }

    [Fact]
    public void ShortRunWithLooseToleranceConverges()
    {
        var dir = TestPaths.NewTempDir();
        var cfg = Tiny();
        var s = ActiveLearningRun.Create(dir, cfg, DefaultComponents.Create(cfg), DefaultComponents.LoadSeedPool(cfg)).Run();
        var log = RunState.Load(Path.Combine(dir, "state.json")).Log;
        Assert.True(s.Finished);
        Assert.True(s.StopReason.StartsWith("converged"), $"{s.StopReason}; added per iteration: {string.Join(",", log.Select(r => r.Added))}");
        Assert.True(s.PoolSize > 1);
        Assert.Equal(log.Sum(r => r.Gathered), s.OracleCalls);
        Assert.All(log.TakeLast(2), r => Assert.Equal(0, r.Added));
        // The seed-only network failed somewhere; at the end every gathered structure was within the tolerance.
        Assert.True(log[0].GatheredMaxMeV > cfg.Selection.ToleranceMeV);
        Assert.All(log.TakeLast(2), r => Assert.True(r.GatheredMaxMeV <= cfg.Selection.ToleranceMeV));
        Assert.True(File.Exists(Path.Combine(dir, "model.json")));
        Assert.Equal(s.PoolSize, AlHpc.IO.ExtXyz.Read(Path.Combine(dir, "pool.extxyz")).Count());
    }

    [Fact]
    public void ResumeAfterAKillGivesTheSameRunWithTheRealParts()
    {
        var cfg = Tiny();
        cfg.Stop.MaxIterations = 3;
        cfg.Selection.ToleranceMeV = 0.5; // keep adding
        cfg.Sampling.Nested.Frames = 2;
        cfg.Sampling.Nested.Cycles = 20;
        cfg.Sampling.Nested.StartMolecules = 8;
        cfg.Training.WarmStart = true; // the resumed run must load generation 1 exactly
        var a = TestPaths.NewTempDir();
        ActiveLearningRun.Create(a, cfg, DefaultComponents.Create(cfg), DefaultComponents.LoadSeedPool(cfg)).Run();
        var b = TestPaths.NewTempDir();
        var kill = new RunCallbacks { Phase = (k, p) => { if (k == 2 && p == "oracle") throw new OperationCanceledException(); } };
        Assert.Throws<OperationCanceledException>(() =>
            ActiveLearningRun.Create(b, cfg, DefaultComponents.Create(cfg), DefaultComponents.LoadSeedPool(cfg), kill).Run());
        ActiveLearningRun.Open(b, c => DefaultComponents.Create(c)).Run();
        Assert.Equal(File.ReadAllText(Path.Combine(a, "pool.extxyz")), File.ReadAllText(Path.Combine(b, "pool.extxyz")));
        // Same network (the model files also carry a creation time, so compare what they hold).
        var trainer = DefaultComponents.Create(cfg).Trainer;
        var ma = ((DefaultComponents.NnLearnedModel)trainer.Load(Path.Combine(a, "models", "gen-003.json"))).Model;
        var mb = ((DefaultComponents.NnLearnedModel)trainer.Load(Path.Combine(b, "models", "gen-003.json"))).Model;
        Assert.Equal(ma.Network.WeightValues.ToArray(), mb.Network.WeightValues.ToArray());
        Assert.Equal(ma.DescriptorMean.ToArray(), mb.DescriptorMean.ToArray());
        Assert.Equal(ma.EnergyShift, mb.EnergyShift);
        Assert.Contains(RunState.Load(Path.Combine(a, "state.json")).Log.Skip(1), r => r.Added > 0);
    }
}
