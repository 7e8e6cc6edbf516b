using System.Globalization;
using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>Query by committee, force labels, the size schedule, the honest stop and the audit, with the fake parts.</summary>
public class CommitteeTests
{
    private static ActiveLearningConfig CommitteeConfig(int seed = 5)
    {
        var c = FakeSetup.TinyConfig(seed);
        c.Selection.Strategy = SelectionStrategy.Committee;
        c.Selection.Members = 3;
        c.Selection.Candidates = 10;
        c.Selection.MaxLabels = 3;
        c.Selection.Audit = 1;
        c.Selection.ToleranceMeV = 0.05;
        c.Training.HoldoutFraction = 0.3;
        c.Training.ForcesWeight = 0.1; // the oracle is asked for forces; the pool keeps them
        c.Training.WarmStart = true;
        c.Stop.ConsecutiveNoAdd = 2;
        c.Stop.MaxIterations = 25;
        return c;
    }

    private static string Run(ActiveLearningConfig config, RunCallbacks? cb = null)
    {
        var dir = TestPaths.NewTempDir();
        ActiveLearningRun.Create(dir, config, FakeSetup.Parts(), FakeSetup.SeedPool(), cb).Run();
        return dir;
    }

    [Fact]
    public void CommitteeLabelsOnlyUncertainCandidatesAndAnAuditAndStopsWhenQuiet()
    {
        var config = CommitteeConfig();
        var dir = TestPaths.NewTempDir();
        var records = new List<IterationRecord>();
        var summary = ActiveLearningRun.Create(dir, config, FakeSetup.Parts(), FakeSetup.SeedPool(), new RunCallbacks { IterationCompleted = records.Add }).Run();

        Assert.True(summary.Finished);
        Assert.StartsWith("converged", summary.StopReason);
        // at first the members disagree, at the end they agree: quiet iterations end the run
        Assert.Contains(records, r => r.Selected > 0);
        Assert.All(records.TakeLast(2), r => Assert.Equal(0, r.Selected));
        Assert.All(records, r =>
        {
            Assert.InRange(r.Selected, 0, config.Selection.MaxLabels);
            Assert.Equal(1, r.Audit);
            Assert.Equal(r.Selected + r.Audit, r.Added); // every labelled structure joins the pool
            Assert.True(r.Gathered > r.Added, "many candidates are scored, few are labelled");
            Assert.True(r.Calibration >= 1 && r.Calibration <= 10);
            Assert.True(double.IsFinite(r.AuditMaeMeV));
        });
        // oracle calls: the seed plus exactly the selected and audit structures (never the rest of the candidates)
        Assert.Equal(1 + records.Sum(r => r.Selected + r.Audit), summary.OracleCalls);
        var pool = ExtXyz.Read(Path.Combine(dir, "pool.extxyz")).ToList();
        Assert.Equal(summary.PoolSize, pool.Count);
        // force labels: every pool structure carries the oracle's forces, equal to the reference's
        var ev = FakeSetup.Reference.CreateEvaluator();
        foreach (var c in pool)
        {
            Assert.NotNull(c.Forces);
            var f = new double[c.Positions.Length];
            double e = ev.Compute(c.Positions, f, Span<double>.Empty);
            Assert.Equal(e, c.Energy!.Value, 9);
            for (int i = 0; i < f.Length; i++) Assert.Equal(f[i], c.Forces![i], 9);
        }
        // the committee's prediction is kept for the calibration, never NaN
        foreach (var c in pool.Skip(1))
        {
            Assert.Contains(c.GetInfo("picked"), new[] { "committee", "audit" });
            Assert.True(double.Parse(c.GetInfo("std_committee")!, CultureInfo.InvariantCulture) >= 0);
        }
        // cost in beads: everything labelled is in the pool here
        Assert.Equal(pool.Sum(c => (long)c.Count), records[^1].BeadsLabelled);
        // committee members of every generation are kept (member 0 is the generation's file)
        for (int k = 1; k <= summary.Iterations; k++)
            for (int j = 1; j < config.Selection.Members; j++)
                Assert.True(File.Exists(Path.Combine(dir, RunState.MemberPath(k, j))));
        var csv = File.ReadAllLines(Path.Combine(dir, "log.csv"));
        Assert.EndsWith("selected,audit,audit_mae_mev_per_molecule,calibration,max_score,start_molecules,beads_labelled", csv[0]);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("oracle")]
    [InlineData("checkpoint")]
    public void CommitteeResumeAfterAKillRepeatsTheUninterruptedRun(string phase)
    {
        static ActiveLearningConfig Config()
        {
            var c = CommitteeConfig(seed: 8);
            c.Selection.ToleranceMeV = 0.0005; // keeps selecting for a while
            c.Selection.MaxLabels = 2;
            c.Stop.MaxIterations = 6;
            return c;
        }
        var a = Run(Config());
        var b = TestPaths.NewTempDir();
        var cb = new RunCallbacks { Phase = (k, p) => { if (k == 3 && p == phase) throw new OperationCanceledException("killed"); } };
        Assert.Throws<OperationCanceledException>(() => ActiveLearningRun.Create(b, Config(), FakeSetup.Parts(), FakeSetup.SeedPool(), cb).Run());
        ActiveLearningRun.Open(b, _ => FakeSetup.Parts()).Run();
        Assert.Equal(File.ReadAllText(Path.Combine(a, "pool.extxyz")), File.ReadAllText(Path.Combine(b, "pool.extxyz")));
        Assert.Equal(File.ReadAllText(Path.Combine(a, "model.json")), File.ReadAllText(Path.Combine(b, "model.json")));
        var la = RunState.Load(Path.Combine(a, "state.json")).Log;
        var lb = RunState.Load(Path.Combine(b, "state.json")).Log;
        Assert.Equal(la.Select(r => (r.Selected, r.Audit, r.PoolSize, r.OracleCalls, r.BeadsLabelled, r.GatheredMaeMeV)),
            lb.Select(r => (r.Selected, r.Audit, r.PoolSize, r.OracleCalls, r.BeadsLabelled, r.GatheredMaeMeV)));
        Assert.True(la.Count > 3 && la.Skip(3).Any(r => r.Selected > 0), $"the test must select structures after the interruption ({string.Join(",", la.Select(r => r.Selected))})");
    }

    [Fact]
    public void AnOracleWithoutForcesIsAClearErrorWhenForceTrainingIsOn()
    {
        var dir = TestPaths.NewTempDir();
        var e = Assert.Throws<OracleException>(() =>
            ActiveLearningRun.Create(dir, CommitteeConfig(), FakeSetup.Parts(oracle: new EnergyOnlyOracle()), FakeSetup.SeedPool()).Run());
        Assert.Contains("forces", e.Message);
        Assert.Contains("training.forcesWeight", e.Message);
    }

    private sealed class EnergyOnlyOracle : IOracle
    {
        public string Name => "energies only";
        public long Calls { get; private set; }
        public IReadOnlyList<OracleLabel> Label(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel)
        {
            Calls += structures.Count;
            var ev = FakeSetup.Reference.CreateEvaluator();
            return structures.Select(s => new OracleLabel(ev.Compute(s.Positions, Span<double>.Empty, Span<double>.Empty), null)).ToList();
        }
    }

    [Fact]
    public void CommitteeMeanIsTheMembersMeanForEnergiesForcesAndMonteCarloMoves()
    {
        var p1 = new PairPotential(0.25, 0.5);
        var p2 = new PairPotential(0.30, 0.45);
        var mean = new CommitteePotential([p1, p2]);
        var c = new LatticeStarts().RandomCluster(8, 3);
        var f1 = new double[c.Positions.Length]; var f2 = new double[c.Positions.Length]; var fm = new double[c.Positions.Length];
        double e1 = p1.CreateEvaluator().Compute(c.Positions, f1, Span<double>.Empty);
        double e2 = p2.CreateEvaluator().Compute(c.Positions, f2, Span<double>.Empty);
        double em = mean.CreateEvaluator().Compute(c.Positions, fm, Span<double>.Empty);
        Assert.Equal((e1 + e2) / 2, em, 12);
        for (int i = 0; i < fm.Length; i++) Assert.Equal((f1[i] + f2[i]) / 2, fm[i], 12);

        var b = mean.CreateMcBackend();
        var b1 = p1.CreateMcBackend();
        var b2 = p2.CreateMcBackend();
        Assert.Equal((b1.Reset(c.Positions) + b2.Reset(c.Positions)) / 2, b.Reset(c.Positions), 12);
        var rng = new Random(4);
        for (int step = 0; step < 20; step++)
        {
            int i = rng.Next(b.Count);
            double x = b.Positions[3 * i] + 0.3 * (rng.NextDouble() - 0.5), y = b.Positions[3 * i + 1], z = b.Positions[3 * i + 2];
            double d = b.ProposeMove(i, x, y, z);
            Assert.Equal((b1.ProposeMove(i, x, y, z) + b2.ProposeMove(i, x, y, z)) / 2, d, 12);
            if (step % 2 == 0) { b.Accept(); b1.Accept(); b2.Accept(); } else { b.Reject(); b1.Reject(); b2.Reject(); }
        }
        // the running total is the mean evaluated afresh
        Assert.Equal(mean.CreateEvaluator().Compute(b.Positions, Span<double>.Empty, Span<double>.Empty), b.TotalEnergy, 9);
    }

    [Fact]
    public void ScorerSpreadIsTheSampleStandardDeviationOfTheMembers()
    {
        var p1 = new PairPotential(0.25, 0.5);
        var p2 = new PairPotential(0.30, 0.45);
        var c = new LatticeStarts().RandomCluster(5, 9);
        var f1 = new double[c.Positions.Length]; var f2 = new double[c.Positions.Length];
        double e1 = p1.CreateEvaluator().Compute(c.Positions, f1, Span<double>.Empty);
        double e2 = p2.CreateEvaluator().Compute(c.Positions, f2, Span<double>.Empty);
        var v = new CommitteeScorer([p1, p2]).Score(c.Positions);
        Assert.Equal((e1 + e2) / 2, v.MeanEnergy, 12);
        // two members: sample std = |e1 - e2| / sqrt(2)
        Assert.Equal(Math.Abs(e1 - e2) / Math.Sqrt(2) / c.Count, v.EnergyStdPerMolecule, 12);
        double maxF = 0;
        for (int a = 0; a < c.Count; a++)
        {
            double s = 0;
            for (int d = 0; d < 3; d++) s += (f1[3 * a + d] - f2[3 * a + d]) * (f1[3 * a + d] - f2[3 * a + d]) / 2;
            maxF = Math.Max(maxF, Math.Sqrt(s));
        }
        Assert.Equal(maxF, v.MaxForceStd, 12);
        Assert.False(v.Failed);
    }

    [Fact]
    public void StartSizeScheduleIsLogUniformDeterministicAndWithinItsRange()
    {
        var n = new NestedSamplingSettings { StartMolecules = 2, StartMoleculesMax = 100 };
        var sizes = Enumerable.Range(1, 4000).Select(k => n.StartSizeFor(7, k)).ToList();
        Assert.Equal(sizes, Enumerable.Range(1, 4000).Select(k => n.StartSizeFor(7, k)));
        Assert.All(sizes, s => Assert.InRange(s, 2, 100));
        Assert.Contains(2, sizes);
        Assert.Contains(100, sizes);
        // log-uniform: as many draws in [2, 14) as in [14, 101) (ln 14/2 ~ ln 101/14), far from uniform's 12 %
        int low = sizes.Count(s => s < 14);
        Assert.InRange(low / 4000.0, 0.44, 0.56);
        Assert.All(Enumerable.Range(1, 50), k => Assert.Equal(25, new NestedSamplingSettings().StartSizeFor(7, k)));
        var list = new NestedSamplingSettings { StartSizes = [10, 50] };
        Assert.Equal(new[] { 10, 50 }, Enumerable.Range(1, 200).Select(k => list.StartSizeFor(3, k)).Distinct().OrderBy(x => x));
        // the trial-move budget: cycles shrink with the start size, never below the frames, never above the cycles
        var s2 = new SamplingSettings { TrialMoveBudget = 100_000 };
        Assert.Equal(4000, s2.CyclesFor(5000, 100, 25));
        Assert.Equal(5000, s2.CyclesFor(5000, 100, 8));
        Assert.Equal(781, s2.CyclesFor(5000, 100, 128));
        Assert.Equal(100, s2.CyclesFor(5000, 100, 5000));
        Assert.Equal(5000, new SamplingSettings().CyclesFor(5000, 100, 128));
    }

    [Fact]
    public void CommitteeSettingsAreChecked()
    {
        var c = CommitteeConfig();
        c.Selection.Members = 1;
        c.Selection.MaxLabels = 0;
        c.Selection.ForceToleranceMeVPerA = -1;
        c.Sampling.Nested.StartSizes = [0];
        c.Sampling.TrialMoveBudget = -5;
        var e = Assert.Throws<InputFormatException>(() => c.Validate("cfg.json"));
        foreach (var key in new[] { "selection.members", "selection.maxLabels", "selection.forceToleranceMeVPerA", "sampling.nested.startSizes", "sampling.trialMoveBudget" })
            Assert.Contains(key, e.Message);
    }

    [Fact]
    public void PerSamplerSelectionShareOutTheLabelsMetropolisFromTheNestedEndAndAFinalTraining()
    {
        var c = CommitteeConfig(seed: 21);
        c.Selection.ToleranceMeV = 0.0005; // everything is uncertain: the slots decide
        c.Selection.MaxLabels = 4;
        c.Selection.PerSampler = true;
        c.Selection.FinalEpochs = 50;
        c.Sampling.Metropolis.Start = MetropolisStart.Nested;
        c.Sampling.Nested.StartSizes = [7, 9];
        c.Stop.MaxIterations = 4;
        var dir = TestPaths.NewTempDir();
        var trainer = new PairTrainer();
        var s = ActiveLearningRun.Create(dir, c, FakeSetup.Parts(trainer: trainer), FakeSetup.SeedPool()).Run();
        Assert.True(s.Finished);
        var pool = ExtXyz.Read(Path.Combine(dir, "pool.extxyz")).ToList();
        var log = RunState.Load(Path.Combine(dir, "state.json")).Log;
        for (int k = 1; k <= log.Count; k++)
        {
            var picked = pool.Where(p => p.GetInfo("iteration") == k.ToString(CultureInfo.InvariantCulture) && p.GetInfo("picked") == "committee").ToList();
            Assert.Equal(4, picked.Count);
            Assert.Equal(2, picked.Count(p => p.GetInfo("source") == "metropolis"));
            Assert.Equal(2, picked.Count(p => p.GetInfo("source") == "nested"));
            // Metropolis started where nested ended: the same (scheduled) size
            Assert.All(picked, p => Assert.Equal(log[k - 1].StartMolecules, p.Count));
        }
        // members of every generation plus the final training
        Assert.Equal(log.Count * c.Selection.Members + 1, trainer.Calls);
    }

    [Fact]
    public void CompactMetropolisStartsHaveTheScheduledSizeAndAreValidClusters()
    {
        // the real factory: a compact, connected, overlap-free fragment of the asked size
        var starts = new DefaultComponents.RandomStarts();
        foreach (var n in new[] { 1, 8, 50, 128 })
        {
            var c = starts.CompactCluster(n, 7);
            Assert.Equal(n, c.Count);
            Assert.Null(ActiveLearningRun.Invalid(c, new SamplingSettings()));
        }
        // the loop asks the factory for the iteration's scheduled size
        var cfg = CommitteeConfig(seed: 4);
        cfg.Sampling.Metropolis.Start = MetropolisStart.Compact;
        cfg.Sampling.Nested.StartSizes = [5, 11];
        cfg.Stop.MaxIterations = 3;
        var counting = new CountingStarts();
        var parts = FakeSetup.Parts();
        var dir = TestPaths.NewTempDir();
        ActiveLearningRun.Create(dir, cfg, new ActiveLearningComponents
        {
            Oracle = parts.Oracle, Trainer = parts.Trainer, Metropolis = parts.Metropolis, Nested = parts.Nested, Starts = counting,
        }, FakeSetup.SeedPool()).Run();
        var log = RunState.Load(Path.Combine(dir, "state.json")).Log;
        Assert.Equal(log.Select(r => r.StartMolecules), counting.CompactSizes);
        var pool = ExtXyz.Read(Path.Combine(dir, "pool.extxyz")).ToList();
        Assert.All(pool.Where(p => p.GetInfo("source") == "metropolis"), p => Assert.Contains(p.Count, new[] { 5, 11 }));
    }

    private sealed class CountingStarts : IStartStructureFactory
    {
        public List<int> CompactSizes { get; } = new();
        public Cluster RandomCluster(int molecules, int seed) => new LatticeStarts().RandomCluster(molecules, seed);
        public Cluster CompactCluster(int molecules, int seed)
        {
            CompactSizes.Add(molecules);
            return new LatticeStarts().RandomCluster(molecules, seed + 1);
        }
    }
}
