using AlHpc.ActiveLearning;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>The loop with fake parts: a pair-potential "network" fitted to a pair-potential reference.</summary>
public class ActiveLearningLoopTests
{
    private static string FileText(string dir, string name) => File.ReadAllText(Path.Combine(dir, name));

    [Fact]
    public void TinyProblemConvergesAndWritesTheRunDirectory()
    {
        var dir = TestPaths.NewTempDir();
        var trainer = new PairTrainer();
        var monitorSet = new List<Cluster>();
        for (int i = 0; i < 5; i++)
        {
            var c = new LatticeStarts().RandomCluster(3 + i, 500 + i);
            var f = new double[c.Positions.Length];
            c.Energy = FakeSetup.Reference.CreateEvaluator().Compute(c.Positions, f, Span<double>.Empty);
            c.Forces = f;
            monitorSet.Add(c);
        }
        var run = ActiveLearningRun.Create(dir, FakeSetup.TinyConfig(), FakeSetup.Parts(trainer: trainer, monitor: new DirectMonitor(monitorSet)), FakeSetup.SeedPool());
        var records = new List<IterationRecord>();
        var summary = ActiveLearningRun.Open(dir, _ => FakeSetup.Parts(trainer: trainer, monitor: new DirectMonitor(monitorSet)),
            new RunCallbacks { IterationCompleted = records.Add }).Run();
        _ = run;

        Assert.True(summary.Finished);
        Assert.StartsWith("converged", summary.StopReason);
        Assert.True(summary.PoolSize > 1, "the loop added nothing at all");
        var log = summary.Iterations;
        Assert.Equal(records.Count, log);
        Assert.All(records.TakeLast(3), r => Assert.Equal(0, r.Added));
        Assert.Contains(records, r => r.Added > 0);
        // Oracle calls: the unlabelled seed plus every gathered structure.
        Assert.Equal(1 + records.Sum(r => r.Gathered), summary.OracleCalls);
        Assert.Equal(1 + records.Sum(r => r.Added), summary.PoolSize);
        // The monitoring error fell from the first generation to the last.
        Assert.True(records[^1].MonitorEnergyMaeMeV < records[0].MonitorEnergyMaeMeV);
        // The final model learned the reference parameters.
        var final = PairModel.Load(Path.Combine(dir, ActiveLearningRun.FinalModelFile));
        var p = (PairPotential)final.Potential;
        Assert.InRange(p.A, 0.24, 0.26);
        Assert.InRange(p.B, 0.49, 0.51);
        // Run directory.
        foreach (var f in new[] { "config.json", "pool.extxyz", "state.json", "log.csv", "model.json" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        for (int k = 1; k <= log; k++) Assert.True(File.Exists(Path.Combine(dir, "models", $"gen-{k:D3}.json")));
        var csv = File.ReadAllLines(Path.Combine(dir, "log.csv"));
        Assert.Equal(IterationRecord.CsvHeader, csv[0]);
        Assert.Equal(log + 1, csv.Length);
        Assert.Equal(summary.PoolSize, AlHpc.IO.ExtXyz.Read(Path.Combine(dir, "pool.extxyz")).Count());
        var state = RunState.Load(Path.Combine(dir, "state.json"));
        Assert.True(state.Finished);
        Assert.Equal(summary.OracleCalls, state.OracleCalls);
        // Resuming a finished run does nothing.
        var again = ActiveLearningRun.Open(dir, _ => FakeSetup.Parts()).Run();
        Assert.Equal(log, again.Iterations);
    }

    private static ActiveLearningConfig ResumeConfig()
    {
        var c = FakeSetup.TinyConfig(seed: 11);
        c.Selection.ToleranceMeV = 1e-5; // keeps adding for a while
        c.Stop.MaxIterations = 7;
        c.Training.WarmStart = true;
        return c;
    }

    private static string Uninterrupted()
    {
        var dir = TestPaths.NewTempDir();
        ActiveLearningRun.Create(dir, ResumeConfig(), FakeSetup.Parts(), FakeSetup.SeedPool()).Run();
        return dir;
    }

    [Fact]
    public void ResumeAfterACleanStopGivesTheSameRun()
    {
        var a = Uninterrupted();
        var b = TestPaths.NewTempDir();
        var s1 = ActiveLearningRun.Create(b, ResumeConfig(), FakeSetup.Parts(), FakeSetup.SeedPool(), new RunCallbacks { StopAfterIteration = 3 }).Run();
        Assert.False(s1.Finished);
        Assert.Equal(3, s1.Iterations);
        // A kill between writing the pool and the state leaves extra frames in the pool file: they must be ignored.
        var extra = new Cluster(new double[] { 0, 0, 0, 2.7, 0, 0 }) { Energy = -1 };
        var pool = AlHpc.IO.ExtXyz.Read(Path.Combine(b, "pool.extxyz")).ToList();
        pool.Add(extra);
        AlHpc.IO.ExtXyz.Write(Path.Combine(b, "pool.extxyz"), pool);
        var trainer = new PairTrainer();
        var s2 = ActiveLearningRun.Open(b, _ => FakeSetup.Parts(trainer: trainer)).Run();
        Assert.True(s2.Finished);
        Assert.Equal(Enumerable.Repeat(true, trainer.WarmStarts.Count), trainer.WarmStarts); // warm start from gen-003.json
        AssertSameRun(a, b);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("sample")]
    [InlineData("oracle")]
    [InlineData("checkpoint")]
    public void ResumeAfterAKillInTheMiddleOfAnIterationGivesTheSameRun(string phase)
    {
        var a = Uninterrupted();
        var b = TestPaths.NewTempDir();
        var cb = new RunCallbacks { Phase = (k, p) => { if (k == 4 && p == phase) throw new OperationCanceledException("killed"); } };
        Assert.Throws<OperationCanceledException>(() => ActiveLearningRun.Create(b, ResumeConfig(), FakeSetup.Parts(), FakeSetup.SeedPool(), cb).Run());
        Assert.Equal(3, RunState.Load(Path.Combine(b, "state.json")).Iteration);
        ActiveLearningRun.Open(b, _ => FakeSetup.Parts()).Run();
        AssertSameRun(a, b);
    }

    private static void AssertSameRun(string a, string b)
    {
        Assert.Equal(FileText(a, "pool.extxyz"), FileText(b, "pool.extxyz"));
        Assert.Equal(FileText(a, "model.json"), FileText(b, "model.json"));
        var la = RunState.Load(Path.Combine(a, "state.json"));
        var lb = RunState.Load(Path.Combine(b, "state.json"));
        Assert.Equal(la.Iteration, lb.Iteration);
        Assert.Equal(la.OracleCalls, lb.OracleCalls);
        Assert.Equal(la.Log.Select(r => (r.Added, r.PoolSize, r.OracleCalls, r.GatheredMaeMeV)), lb.Log.Select(r => (r.Added, r.PoolSize, r.OracleCalls, r.GatheredMaeMeV)));
        Assert.True(la.Log.Skip(3).Any(r => r.Added > 0), "the test must add structures after the interruption");
    }

    [Fact]
    public void SameSeedSameRunDifferentSeedDifferentRun()
    {
        var a = Uninterrupted();
        var b = Uninterrupted();
        Assert.Equal(FileText(a, "pool.extxyz"), FileText(b, "pool.extxyz"));
        var c = TestPaths.NewTempDir();
        var cfg = ResumeConfig();
        cfg.Seed = 12;
        ActiveLearningRun.Create(c, cfg, FakeSetup.Parts(), FakeSetup.SeedPool()).Run();
        Assert.NotEqual(FileText(a, "pool.extxyz"), FileText(c, "pool.extxyz"));
    }

    /// <summary>A "network" that runs away: strongly attractive at short range, NaN for some geometries.</summary>
    private sealed class RunawayPotential : IPotential
    {
        private readonly PairPotential _inner = new(-0.5, 0.5);
        public string Name => "runaway";
        public double Cutoff => 7;
        public IReadOnlyList<string> Species => _inner.Species;
        public IPotentialEvaluator CreateEvaluator() => new Eval(_inner.CreateEvaluator());
        public IMcEnergyBackend CreateMcBackend() => new NaiveBackend(CreateEvaluator());

        private sealed class Eval(IPotentialEvaluator inner) : IPotentialEvaluator
        {
            public IReadOnlyList<string> Species => inner.Species;
            public double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies)
            {
                double e = inner.Compute(positions, forces, atomEnergies);
                return positions[0] > 1.0 ? double.NaN : e;
            }
        }
    }

    private sealed class RunawayTrainer : IModelTrainer
    {
        public TrainingOutcome Train(IReadOnlyList<Cluster> pool, ILearnedModel? warmStart, TrainingSettings settings, int seed, CancellationToken cancel) =>
            new(new Model(), 1, 1, 1);
        public ILearnedModel Load(string path) => new Model();
        private sealed class Model : ILearnedModel
        {
            public IPotential Potential { get; } = new RunawayPotential();
            public void Save(string path) => File.WriteAllText(path, "runaway");
        }
    }

    private sealed class ThrowingSampler : ITrajectorySampler
    {
        public string Name => "throws";
        public int Cycles => 10;
        public SamplerTrajectory Run(IPotential potential, Cluster start, int recordEvery, int seed, CancellationToken cancel) =>
            throw new InvalidOperationException("sampler blew up");
    }

    [Fact]
    public void APoorNetworkIsHandledAndReportedNotFatal()
    {
        var dir = TestPaths.NewTempDir();
        var cfg = FakeSetup.TinyConfig();
        cfg.Stop.MaxIterations = 2;
        var parts = new ActiveLearningComponents
        {
            Oracle = new PotentialOracle(FakeSetup.Reference),
            Trainer = new RunawayTrainer(),
            Metropolis = new SimpleMetropolis("metropolis", 300, 40, step: 1.5),
            Nested = new ThrowingSampler(),
            Starts = new LatticeStarts(),
        };
        var messages = new List<string>();
        var s = ActiveLearningRun.Create(dir, cfg, parts, FakeSetup.SeedPool(), new RunCallbacks { Message = messages.Add }).Run();
        Assert.True(s.Finished);
        var log = RunState.Load(Path.Combine(dir, "state.json")).Log;
        Assert.Equal(2, log.Count);
        Assert.All(log, r => Assert.Equal(1, r.SamplerProblems));
        Assert.Contains(messages, m => m.Contains("sampler blew up"));
        Assert.True(log.Sum(r => r.RejectedTooClose + r.RejectedBelowFloor + r.RejectedNonFinite) > 0, "the guard never fired");
        Assert.True(log.Sum(r => r.Added) > 0, "the failures of the poor network must be added");
        var pool = AlHpc.IO.ExtXyz.Read(Path.Combine(dir, "pool.extxyz")).ToList();
        Assert.All(pool, c => Assert.True(double.IsFinite(c.Energy!.Value)));
        Assert.All(pool, c => Assert.Null(ActiveLearningRun.Invalid(c, cfg.Sampling)));
    }

    [Fact]
    public void GuardRejectsNonFiniteAndBelowFloorMoves()
    {
        var g = new GuardedPotential(new RunawayPotential(), floorPerMolecule: -2.0);
        var be = g.CreateMcBackend();
        be.Reset(new double[] { 0, 0, 0, 2.7, 0, 0, 0, 2.7, 0 });
        Assert.Equal(double.PositiveInfinity, be.ProposeMove(0, 2.0, 2.0, 0)); // NaN energy (x0 > 1)
        be.Reject();
        Assert.Equal(1, g.Stats.NonFinite);
        Assert.Equal(double.PositiveInfinity, be.ProposeMove(2, 1.6, 1.6, 0)); // deep runaway minimum
        be.Reject();
        Assert.Equal(1, g.Stats.BelowFloor);
        double de = be.ProposeMove(2, 0, 3.0, 0);
        Assert.True(double.IsFinite(de));
        be.Accept();
        Assert.Equal(3.0, be.Positions[7]);
    }

    [Fact]
    public void PickFramesTakesTheLastFrameOfEachEqualPart()
    {
        var t = new SamplerTrajectory();
        for (int i = 1; i <= 10; i++)
        {
            var c = new Cluster(new double[] { i, 0, 0 });
            c.SetInfo("cycle", (100 * i).ToString());
            t.Frames.Add(c);
        }
        var picked = ActiveLearningRun.PickFrames(t, 5, "metropolis", 7).ToList();
        Assert.Equal(new[] { 2.0, 4, 6, 8, 10 }, picked.Select(c => c.Positions[0]));
        Assert.All(picked, c => Assert.Equal("metropolis", c.GetInfo("source")));
        Assert.Equal("1000", picked[^1].GetInfo("cycle"));
        Assert.Equal(3, ActiveLearningRun.PickFrames(new SamplerTrajectory { Frames = { t.Frames[0], t.Frames[1], t.Frames[2] } }, 5, "x", 1).Count());
    }

    [Fact]
    public void DerivedSeedsAreStableAndDistinct()
    {
        Assert.Equal(RunSeeds.For(1, 5, SeedPurpose.Metropolis), RunSeeds.For(1, 5, SeedPurpose.Metropolis));
        var all = new HashSet<int>();
        for (int it = 0; it < 50; it++)
            foreach (var p in Enum.GetValues<SeedPurpose>())
                all.Add(RunSeeds.For(1, it, p));
        Assert.Equal(50 * Enum.GetValues<SeedPurpose>().Length, all.Count);
        Assert.NotEqual(RunSeeds.For(1, 5, SeedPurpose.Metropolis), RunSeeds.For(2, 5, SeedPurpose.Metropolis));
    }

    [Fact]
    public void CreateRefusesADirectoryHoldingARun()
    {
        var dir = TestPaths.NewTempDir();
        var cfg = FakeSetup.TinyConfig();
        cfg.Stop.MaxIterations = 1;
        ActiveLearningRun.Create(dir, cfg, FakeSetup.Parts(), FakeSetup.SeedPool()).Run();
        var e = Assert.Throws<RunDirectoryException>(() => ActiveLearningRun.Create(dir, cfg, FakeSetup.Parts(), FakeSetup.SeedPool()));
        Assert.True(e.HoldsRun);
        Assert.Contains("already holds an active-learning run", e.Message);
        Assert.DoesNotContain("--", e.Message); // the library's own terms; the CLI names --resume and --out
    }
}
