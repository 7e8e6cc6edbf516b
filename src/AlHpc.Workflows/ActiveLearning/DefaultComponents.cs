using System.Globalization;
using System.Runtime.CompilerServices;
using AlHpc.Descriptors;
using AlHpc.Evaluation;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.TestSets;
using AlHpc.Training;

namespace AlHpc.ActiveLearning;

/// <summary>
/// The one place where the active-learning ports are bound to AlHpc's real pieces: the ML-BOP/Tersoff
/// reference or an external command as oracle, the Levenberg-Marquardt trainer with the
/// Behler-Parrinello network potential, the Metropolis and nested samplers, random connected start
/// clusters, the monitoring set and the plots. Every adapter here is thin.
/// </summary>
public static class DefaultComponents
{
    /// <summary>
    /// All parts for <paramref name="config"/> (relative paths in it resolve against <paramref name="baseDirectory"/>);
    /// <paramref name="plotter"/> draws the figures when the configuration asks for them (AlHpc.Reporting.RunPlotter).
    /// </summary>
    public static ActiveLearningComponents Create(ActiveLearningConfig config, string? baseDirectory = null, IRunPlotter? plotter = null)
    {
        var setup = config.Training.ResolveSetup(baseDirectory: baseDirectory);
        var reference = CreateReferencePotential(config, baseDirectory);
        IOracle oracle = config.Oracle.Kind == OracleKind.Command
            ? new ExternalCommandOracle(config.Oracle.Command!, TimeSpan.FromSeconds(config.Oracle.TimeoutSeconds), baseDirectory, config.Oracle)
            : new PotentialOracle(reference!, config.Oracle.Parallel);
        var s = config.Sampling;
        return new ActiveLearningComponents
        {
            Oracle = oracle,
            Trainer = new NnTrainer(setup),
            Metropolis = new MetropolisAdapter(s.Metropolis.Cycles, s.Metropolis.TemperatureK, s.ClusterCriterion, s.MinDistance),
            Nested = new NestedAdapter(s.Nested.Cycles, s.ClusterCriterion, s.MinDistance),
            Starts = new RandomStarts(),
            MonitorFactory = config.Monitor.Size > 0 || config.Monitor.File != null
                ? dir => MonitorSet.OpenOrCreate(dir, config, reference, baseDirectory)
                : null,
            Plotter = config.Plots ? plotter : null,
        };
    }

    /// <summary>The built-in reference for the oracle kinds "mlBop" and "tersoff" (null for "command").</summary>
    public static IPotential? CreateReferencePotential(ActiveLearningConfig config, string? baseDirectory = null) =>
        config.Oracle.Kind switch
        {
            OracleKind.MlBop => TersoffPotential.MlBop,
            OracleKind.Tersoff => TersoffPotential.Load(Resolve(config.Oracle.PotentialFile!, baseDirectory)),
            _ => null,
        };

    /// <summary>
    /// The seed pool of a configuration: the embedded relaxed 25-molecule cluster (ML-BOP energy from its
    /// header) or the structure file named; seedEnergy overrides the energy of a single structure.
    /// </summary>
    public static List<Cluster> LoadSeedPool(ActiveLearningConfig config, string? baseDirectory = null)
    {
        List<Cluster> pool;
        if (config.SeedStructure is { } path)
            pool = StructureFile.Read(Resolve(path, baseDirectory)).ToList();
        else
        {
            using var r = new StringReader(EmbeddedData.ReadText(EmbeddedData.SeedCluster25));
            pool = [Xsf.Read(r, "embedded " + EmbeddedData.SeedCluster25)];
            // With another oracle the header's ML-BOP energy does not apply: the oracle labels the seed.
            if (config.Oracle.Kind != OracleKind.MlBop) pool[0].Energy = null;
        }
        if (pool.Count == 0) throw new InputFormatException(config.SeedStructure ?? "seed", 0, "no seed structure");
        if (config.SeedEnergy is { } e)
        {
            if (pool.Count != 1) throw new InputFormatException(config.SeedStructure ?? "seed", 0, $"seedEnergy given but the seed file holds {pool.Count} structures");
            pool[0].Energy = e;
        }
        foreach (var c in pool) c.Forces = null;
        return pool;
    }

    private static string Resolve(string path, string? baseDirectory) =>
        Path.IsPathRooted(path) || baseDirectory is null ? path : Path.Combine(baseDirectory, path);

    // ------------------------------------------------------------------ trainer + network

    /// <summary>A generation's network: an <see cref="NnModel"/> seen as a potential, saved with <see cref="ModelFile"/>.</summary>
    public sealed class NnLearnedModel(NnModel model) : ILearnedModel
    {
        public NnModel Model { get; } = model;
        public IPotential Potential { get; } = new NnPotential(model);
        public void Save(string path) => ModelFile.Save(path, Model);
    }

    /// <summary><see cref="LmTrainer"/> on the pool; descriptors of each pool structure are computed once and cached.</summary>
    public sealed class NnTrainer(DescriptorSetup setup) : IModelTrainer
    {
        private readonly ConditionalWeakTable<Cluster, double[]> _cache = new();
        private readonly BatchDescriptors _descriptors = new(setup);

        public TrainingOutcome Train(IReadOnlyList<Cluster> pool, ILearnedModel? warmStart, TrainingSettings settings, int seed, CancellationToken cancel)
        {
            var missing = pool.Where(c => !_cache.TryGetValue(c, out _)).ToList();
            if (missing.Count > 0)
            {
                var batch = ClusterBatch.FromClusters(missing);
                var g = _descriptors.ComputeValues(batch);
                int nf = setup.Count;
                for (int i = 0; i < missing.Count; i++)
                    _cache.AddOrUpdate(missing[i], g.AsSpan(batch.Offsets[i] * nf, batch.SizeOf(i) * nf).ToArray());
            }
            var offsets = new int[pool.Count + 1];
            for (int i = 0; i < pool.Count; i++) offsets[i + 1] = offsets[i] + pool[i].Count;
            var desc = new double[offsets[^1] * setup.Count];
            var energies = new double[pool.Count];
            for (int i = 0; i < pool.Count; i++)
            {
                _cache.TryGetValue(pool[i], out var d);
                d!.CopyTo(desc, offsets[i] * setup.Count);
                energies[i] = pool[i].Energy ?? throw new ArgumentException($"pool structure {i} has no energy");
            }
            var set = settings.ForcesWeight > 0
                ? TrainingSet.FromClusters(ClusterBatch.FromClusters(pool), setup, withForces: true) // force training: forces and derivatives too
                : new TrainingSet(setup, desc, offsets, energies);
            var init = (warmStart as NnLearnedModel)?.Model;
            // a warm start continues the previous network, re-scaled to this pool's training split (its scaling came
            // from a smaller pool; generation 1: one structure), the way a fresh start fits its scaling
            var options = settings with
            {
                Seed = seed,
                FirstSelectableEpoch = init != null && settings.WarmStartMoveOn ? 1 : 0,
                RefitStartScaling = true,
            };
            var r = LmTrainer.Train(set, options, init, null, cancel);
            var model = r.Model.WithProvenance("active_learning_seed", seed.ToString(CultureInfo.InvariantCulture));
            int epochsRun = r.Curve.Count > 0 ? r.Curve[^1].Epoch : 0;
            return new TrainingOutcome(new NnLearnedModel(model), r.BestTrainMae / 1000, r.BestHoldoutMae / 1000, epochsRun, r.BestEpoch);
        }

        public ILearnedModel Load(string path) => new NnLearnedModel(ModelFile.Load(path));

        /// <summary>
        /// The committee on one training set (descriptors, and with force training their derivatives, computed once for
        /// all members), the members trained at the same time, one core each (a member's result does not depend on its
        /// thread count).
        /// </summary>
        public IReadOnlyList<TrainingOutcome> TrainCommittee(IReadOnlyList<Cluster> pool, IReadOnlyList<ILearnedModel?> warmStarts, TrainingSettings settings,
            IReadOnlyList<int> seeds, IReadOnlyList<int[]> holdouts, CancellationToken cancel)
        {
            var set = TrainingSet.FromClusters(ClusterBatch.FromClusters(pool), setup, withForces: settings.ForcesWeight > 0);
            int cores = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
            int parallel = Math.Min(seeds.Count, cores);
            int perMember = Math.Max(1, cores / parallel);
            var result = new TrainingOutcome[seeds.Count];
            Parallel.For(0, seeds.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancel }, j =>
            {
                var init = (warmStarts[j] as NnLearnedModel)?.Model;
                var options = settings with
                {
                    Seed = seeds[j],
                    HoldoutIndices = holdouts[j],
                    Threads = perMember,
                    FirstSelectableEpoch = init != null && settings.WarmStartMoveOn ? 1 : 0,
                    RefitStartScaling = true,
                };
                var r = LmTrainer.Train(set, options, init, null, cancel);
                var model = r.Model.WithProvenance("active_learning_seed", seeds[j].ToString(CultureInfo.InvariantCulture));
                int epochsRun = r.Curve.Count > 0 ? r.Curve[^1].Epoch : 0;
                result[j] = new TrainingOutcome(new NnLearnedModel(model), r.BestTrainMae / 1000, r.BestHoldoutMae / 1000, epochsRun, r.BestEpoch);
            });
            return result;
        }
    }


    // ------------------------------------------------------------------ samplers

    private static SamplerTrajectory ToTrajectory(McResult r, List<Cluster> frames)
    {
        var t = new SamplerTrajectory { CyclesRun = (int)r.CyclesRun, Acceptance = r.AcceptanceRatio };
        t.Frames.AddRange(frames);
        if (r.Status != McStatus.Completed) t.StoppedEarly = $"{r.Status}: {r.Message}";
        t.OverlapRejections = r.OverlapRejections;
        t.NonFiniteRejections = r.NonFiniteRejections;
        return t;
    }

    /// <summary>AlHpc's Metropolis sampler (step tuned in the first tenth, frozen in production; frames from production only).</summary>
    public sealed class MetropolisAdapter(int cycles, double temperatureK, double criterion, double minDistance) : ITrajectorySampler
    {
        public string Name => "metropolis";
        public int Cycles => cycles;

        public SamplerTrajectory Run(IPotential potential, Cluster start, int recordEvery, int seed, CancellationToken cancel) =>
            Run(potential, start, cycles, recordEvery, seed, cancel);

        public SamplerTrajectory Run(IPotential potential, Cluster start, int runCycles, int recordEvery, int seed, CancellationToken cancel)
        {
            var sampler = new MetropolisSampler(new MonteCarlo.MetropolisSettings
            {
                Cycles = runCycles,
                TemperatureK = temperatureK,
                TrajectoryEvery = recordEvery,
                Seed = (ulong)seed,
                CriterionDistance = criterion,
                MinPairDistance = minDistance,
            });
            var frames = new List<Cluster>();
            var r = sampler.Run(potential.CreateMcBackend(), start.Positions, frames.Add, null, cancel);
            return ToTrajectory(r, frames);
        }
    }

    /// <summary>AlHpc's nested sampler (ClassyMC style: falling ceiling per molecule, from +infinity).</summary>
    public sealed class NestedAdapter(int cycles, double criterion, double minDistance) : ITrajectorySampler
    {
        public string Name => "nested";
        public int Cycles => cycles;

        public SamplerTrajectory Run(IPotential potential, Cluster start, int recordEvery, int seed, CancellationToken cancel) =>
            Run(potential, start, cycles, recordEvery, seed, cancel);

        public SamplerTrajectory Run(IPotential potential, Cluster start, int runCycles, int recordEvery, int seed, CancellationToken cancel)
        {
            var sampler = new NestedSampler(new MonteCarlo.NestedSettings
            {
                Cycles = runCycles,
                TrajectoryEvery = recordEvery,
                Seed = (ulong)seed,
                CriterionDistance = criterion,
                MinPairDistance = minDistance,
            });
            var frames = new List<Cluster>();
            var r = sampler.Run(potential.CreateMcBackend(), start.Positions, frames.Add, null, cancel);
            return ToTrajectory(r, frames);
        }
    }

    /// <summary>Random connected clusters (beads 2.7 A from a random earlier bead, none closer than 2.2 A).</summary>
    public sealed class RandomStarts : IStartStructureFactory
    {
        public Cluster RandomCluster(int molecules, int seed) => new(ClusterBuilder.RandomConnected(molecules, (ulong)seed));

        /// <summary>A compact fragment of a diamond lattice with 2.75 A bonds (the ice-like motif of ML-BOP water), as the test sets' compact starts.</summary>
        public Cluster CompactCluster(int molecules, int seed) => new(TestSets.TestSetGenerator.CompactStart(molecules, (ulong)seed));
    }

    // ------------------------------------------------------------------ monitoring set

    /// <summary>
    /// The fixed monitoring set of a run, kept in the run directory as monitor.extxyz (energies and forces)
    /// so a resumed run scores the same clusters. Scored with <see cref="BatchPredictor"/> and
    /// <see cref="EvaluationMetrics"/> (energy MAE meV/molecule, force MAE meV/A).
    /// </summary>
    public sealed class MonitorSet : IMonitorSet
    {
        public const string FileName = "monitor.extxyz";
        private readonly ClusterBatch _batch;

        public MonitorSet(ClusterBatch labelled) { _batch = labelled; }

        public int Count => _batch.ClusterCount;

        public MonitorScore Score(IPotential potential, CancellationToken cancel)
        {
            var p = BatchPredictor.Predict(potential, _batch, forces: _batch.Forces != null, cancel: cancel);
            var m = EvaluationMetrics.Compute(_batch, p.Energies, p.Forces);
            return new MonitorScore(m.Overall.EnergyMae, m.HasForces ? m.Overall.ForceMae : double.NaN, Count);
        }

        public static MonitorSet OpenOrCreate(string runDirectory, ActiveLearningConfig config, IPotential? reference, string? baseDirectory)
        {
            var path = Path.Combine(runDirectory, FileName);
            if (!File.Exists(path))
            {
                List<Cluster> set;
                if (config.Monitor.File is { } f)
                {
                    set = StructureFile.Read(Resolve(f, baseDirectory)).ToList();
                    for (int i = 0; i < set.Count; i++)
                        if (set[i].Energy is null) throw new InputFormatException(f, 0, $"monitoring structure {i} has no energy");
                }
                else
                {
                    if (reference is null)
                        throw new InputFormatException("configuration", 0, "monitor.file is required with an external-command oracle (or set monitor.size to 0)");
                    var recipe = new TestSetRecipe { Count = config.Monitor.Size, MinSize = config.Monitor.MinMolecules, MaxSize = config.Monitor.MaxMolecules };
                    var generated = TestSetGenerator.Generate(reference, recipe, (ulong)RunSeeds.For(config.Seed, 0, SeedPurpose.Monitor));
                    set = Enumerable.Range(0, generated.Batch.ClusterCount).Select(generated.Batch.GetCluster).ToList();
                }
                ExtXyz.Write(path, set);
            }
            return new MonitorSet(ClusterBatch.FromClusters(ExtXyz.Read(path).ToList()));
        }
    }
}
