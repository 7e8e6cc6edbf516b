using System.Diagnostics;
using System.Globalization;
using AlHpc.MonteCarlo;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.TestSets;

/// <summary>
/// How <see cref="TestSetGenerator"/> samples a test set (units: molecules, K, A). See docs/testsets.md.
/// <para>
/// The set is cut into independent chains of <see cref="SnapshotsPerChain"/> snapshots each. Chain i has
/// size MinSize + (i mod (MaxSize - MinSize + 1)), so every size gets the same number of clusters (up to
/// one chain); a set with fewer chains than sizes spreads its chains evenly over the range. A chain is a Metropolis run at a temperature drawn uniformly from
/// [<see cref="MinTemperatureK"/>, <see cref="MaxTemperatureK"/>] or, with probability
/// <see cref="NestedFraction"/>, a nested-sampling walker (high-energy structures on the way down from a
/// random start). Each snapshot is labelled with the reference energy and forces.
/// </para>
/// </summary>
public sealed record TestSetRecipe
{
    /// <summary>Number of clusters in the set.</summary>
    public int Count { get; init; } = 100_000;
    /// <summary>Smallest cluster size (molecules).</summary>
    public int MinSize { get; init; } = 1;
    /// <summary>Largest cluster size (molecules).</summary>
    public int MaxSize { get; init; } = 200;
    /// <summary>Lowest Metropolis temperature (K).</summary>
    public double MinTemperatureK { get; init; } = 100;
    /// <summary>Highest Metropolis temperature (K).</summary>
    public double MaxTemperatureK { get; init; } = 600;
    /// <summary>Probability that a chain is a nested-sampling walker instead of a Metropolis run.</summary>
    public double NestedFraction { get; init; } = 0.2;
    /// <summary>Snapshots taken from one chain (one start structure).</summary>
    public int SnapshotsPerChain { get; init; } = 10;
    /// <summary>Metropolis cycles before the first snapshot (step tuned here); rounded up to a multiple of <see cref="CyclesBetweenSnapshots"/>.</summary>
    public int EquilibrationCycles { get; init; } = 40;
    /// <summary>Cycles between two snapshots of a chain (decorrelation). A cycle is N trial moves for N molecules.</summary>
    public int CyclesBetweenSnapshots { get; init; } = 5;
    /// <summary>Nested sampling: cycles between ceiling updates (ClassyMC's adjustfreq).</summary>
    public int NestedAdjustCycles { get; init; } = 10;
    /// <summary>Nested sampling: the first ceiling is the start structure's energy per molecule plus this (eV/molecule).</summary>
    public double NestedCeilingMarginEv { get; init; } = 0.02;
    /// <summary>Metropolis start structures (nested walkers always start random): "compact" (a fragment of a diamond lattice with 2.75 A bonds, the ice-like
    /// motif of ML-BOP water), "random" (a random connected tree with 2.7 A bonds), or "mixed" (alternating by chain).</summary>
    public string Start { get; init; } = "mixed";
    /// <summary>Stillinger cluster criterion (A): moves that split the cluster are rejected.</summary>
    public double CriterionDistance { get; init; } = 4.0;
    /// <summary>Hard-core distance (A): moves bringing two molecules closer are rejected.</summary>
    public double MinPairDistance { get; init; } = 1.5;

    /// <summary>Number of chains the recipe makes.</summary>
    public int ChainCount => (Count + SnapshotsPerChain - 1) / SnapshotsPerChain;

    /// <summary>Throws ArgumentException on an impossible recipe.</summary>
    public void Validate()
    {
        if (Count < 1) throw new ArgumentException("count must be at least 1");
        if (MinSize < 1 || MaxSize < MinSize) throw new ArgumentException($"bad size range {MinSize}-{MaxSize}");
        if (MaxSize > 100_000) throw new ArgumentException("clusters above 100000 molecules are not supported");
        if (!(MinTemperatureK > 0) || !(MaxTemperatureK >= MinTemperatureK) || !double.IsFinite(MaxTemperatureK)) throw new ArgumentException($"bad temperature range {MinTemperatureK}-{MaxTemperatureK} K");
        if (!(NestedFraction >= 0 && NestedFraction <= 1)) throw new ArgumentException("nested fraction must be in [0, 1]");
        if (SnapshotsPerChain < 1) throw new ArgumentException("snapshots per chain must be at least 1");
        if (EquilibrationCycles < 0 || CyclesBetweenSnapshots < 1 || NestedAdjustCycles < 1) throw new ArgumentException("cycle counts must be positive");
        if (Start is not ("compact" or "random" or "mixed")) throw new ArgumentException($"start must be compact, random or mixed (not '{Start}')");
        if (!(NestedCeilingMarginEv >= 0) || !double.IsFinite(NestedCeilingMarginEv)) throw new ArgumentException("nested ceiling margin must be >= 0 eV");
        if (!(CriterionDistance > MinPairDistance) || MinPairDistance < 0) throw new ArgumentException("need 0 <= min pair distance < criterion distance");
    }

    /// <summary>
    /// Parses the <see cref="ToText"/> form (any subset of its keys, separated by spaces or commas; the rest
    /// keep <paramref name="baseRecipe"/>'s values), so a set's "recipe" attribute regenerates it.
    /// </summary>
    public static TestSetRecipe Parse(string text, TestSetRecipe? baseRecipe = null)
    {
        var r = baseRecipe ?? new TestSetRecipe();
        var inv = CultureInfo.InvariantCulture;
        foreach (var item in text.Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw new FormatException($"recipe item '{item}' is not key=value");
            string key = item[..eq].Trim().ToLowerInvariant(), v = item[(eq + 1)..].Trim();
            (double lo, double hi) Range(string t)
            {
                t = t.TrimEnd('K', 'k');
                int dash = t.IndexOf('-', 1);
                return dash < 0 ? (double.Parse(t, inv), double.Parse(t, inv)) : (double.Parse(t[..dash], inv), double.Parse(t[(dash + 1)..], inv));
            }
            try
            {
                r = key switch
                {
                    "count" => r with { Count = int.Parse(v, inv) },
                    "sizes" => r with { MinSize = (int)Range(v).lo, MaxSize = (int)Range(v).hi },
                    "temperatures" or "temperature" => r with { MinTemperatureK = Range(v).lo, MaxTemperatureK = Range(v).hi },
                    "nested_fraction" => r with { NestedFraction = double.Parse(v, inv) },
                    "snapshots_per_chain" => r with { SnapshotsPerChain = int.Parse(v, inv) },
                    "equilibration_cycles" => r with { EquilibrationCycles = int.Parse(v, inv) },
                    "cycles_between_snapshots" => r with { CyclesBetweenSnapshots = int.Parse(v, inv) },
                    "nested_adjust_cycles" => r with { NestedAdjustCycles = int.Parse(v, inv) },
                    "nested_ceiling_margin_ev" => r with { NestedCeilingMarginEv = double.Parse(v, inv) },
                    "start" => r with { Start = v.ToLowerInvariant() },
                    "criterion_a" => r with { CriterionDistance = double.Parse(v, inv) },
                    "min_pair_a" => r with { MinPairDistance = double.Parse(v, inv) },
                    _ => throw new FormatException($"unknown recipe key '{key}'"),
                };
            }
            catch (Exception e) when (e is OverflowException || (e is FormatException && !e.Message.StartsWith("unknown", StringComparison.Ordinal)))
            {
                throw new FormatException($"recipe item '{item}': bad value", e);
            }
        }
        return r;
    }

    /// <summary>One line of key=value pairs, stored in the file's "recipe" attribute.</summary>
    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"count={Count} sizes={MinSize}-{MaxSize} temperatures={MinTemperatureK}-{MaxTemperatureK}K nested_fraction={NestedFraction} " +
        $"snapshots_per_chain={SnapshotsPerChain} equilibration_cycles={EquilibrationCycles} cycles_between_snapshots={CyclesBetweenSnapshots} " +
        $"nested_adjust_cycles={NestedAdjustCycles} nested_ceiling_margin_eV={NestedCeilingMarginEv} start={Start} criterion_A={CriterionDistance} min_pair_A={MinPairDistance}");
}

/// <summary>One planned chain: which clusters of the set it produces and how.</summary>
internal readonly record struct ChainPlan(int Index, int FirstCluster, int Snapshots, int Size, bool Nested, double TemperatureK, ulong Seed, bool CompactStart);

/// <summary>A generated, labelled test set with per-cluster provenance.</summary>
public sealed record GeneratedTestSet(
    ClusterBatch Batch,
    /// <summary>Metropolis temperature (K) of each cluster's chain; NaN for nested-sampling clusters.</summary>
    double[] TemperatureK,
    /// <summary>1 for nested-sampling clusters, 0 for Metropolis.</summary>
    int[] Nested,
    /// <summary>Chain index of each cluster.</summary>
    int[] Chain,
    long TrialMoves,
    long AcceptedMoves,
    /// <summary>Largest |sampler energy - reference relabel| over all snapshots (eV): a consistency check of the MC backend.</summary>
    double MaxBackendDrift,
    double Seconds);

/// <summary>
/// Generates labelled test sets with a reference model: independent Monte Carlo chains (Metropolis over a
/// temperature range, plus nested-sampling walkers) run in parallel, one backend per worker thread; each
/// chain's seed derives from the master seed and the chain index alone, and every snapshot lands at a
/// precomputed index, so the result is bit-for-bit the same for any thread count.
/// </summary>
public static class TestSetGenerator
{
    /// <summary>The chains of a recipe and seed (deterministic; independent of threads).</summary>
    internal static ChainPlan[] Plan(TestSetRecipe recipe, ulong seed)
    {
        recipe.Validate();
        int chains = recipe.ChainCount, range = recipe.MaxSize - recipe.MinSize + 1;
        var plan = new ChainPlan[chains];
        int first = 0;
        for (int i = 0; i < chains; i++)
        {
            ulong chainSeed = ChainSeed(seed, i);
            var rng = new McRandom(chainSeed ^ 0x5DEECE66DUL);
            bool nested = rng.NextDouble() < recipe.NestedFraction;
            double t = recipe.MinTemperatureK + (recipe.MaxTemperatureK - recipe.MinTemperatureK) * rng.NextDouble();
            int snaps = Math.Min(recipe.SnapshotsPerChain, recipe.Count - first);
            // Every size once per round of `range` chains; with fewer chains than sizes, one round spread evenly
            // over the whole range (so a small set still spans MinSize..MaxSize).
            int size = chains >= range ? recipe.MinSize + i % range : recipe.MinSize + (int)((2L * i + 1) * range / (2L * chains));
            int round = chains >= range ? i / range : i;
            // Nested walkers always start from a random (open, high-energy) structure: they sample the way down.
            bool compact = !nested && recipe.Start switch { "compact" => true, "random" => false, _ => round % 2 == 0 };
            plan[i] = new ChainPlan(i, first, snaps, size, nested, nested ? double.NaN : t, chainSeed, compact);
            first += snaps;
        }
        return plan;
    }

    /// <summary>Seed of chain <paramref name="index"/>: SplitMix64 of the master seed and the index.</summary>
    public static ulong ChainSeed(ulong master, int index)
    {
        ulong s = master ^ (0xD1B54A32D192ED03UL * (ulong)(index + 1));
        return McRandom.SplitMix64(ref s);
    }

    /// <summary>Clusters per size of a plan (sizes with none are absent): a chain gives all its snapshots one size.</summary>
    internal static SortedDictionary<int, int> CountsBySize(ChainPlan[] plan)
    {
        var d = new SortedDictionary<int, int>();
        foreach (var ch in plan) d[ch.Size] = d.GetValueOrDefault(ch.Size) + ch.Snapshots;
        return d;
    }

    /// <summary>
    /// Null when every size of the range gets the same number of clusters, else one line saying which sizes
    /// get how many and which count would give equal counts. <paramref name="count"/>: what the caller calls
    /// the recipe's <see cref="TestSetRecipe.Count"/> (the CLI: its option).
    /// </summary>
    internal static string? UnequalCountsNote(TestSetRecipe recipe, ChainPlan[] plan, string count = "count")
    {
        var counts = CountsBySize(plan);
        var all = Enumerable.Range(recipe.MinSize, recipe.MaxSize - recipe.MinSize + 1).Select(s => (Size: s, Count: counts.GetValueOrDefault(s))).ToList();
        if (all.Select(a => a.Count).Distinct().Count() == 1) return null;
        var parts = new List<string>();
        int i = 0;
        while (i < all.Count)
        {
            int j = i;
            while (j + 1 < all.Count && all[j + 1].Count == all[i].Count && all[j + 1].Size == all[j].Size + 1) j++;
            parts.Add($"{(i == j ? $"size {all[i].Size}" : $"sizes {all[i].Size}-{all[j].Size}")}: {all[i].Count}");
            i = j + 1;
        }
        string shown = parts.Count <= 6 ? string.Join(", ", parts) : string.Join(", ", parts.Take(5)) + $", ... ({parts.Count} runs)";
        int equal = recipe.SnapshotsPerChain * all.Count;
        return $"unequal clusters per size (whole chains of {recipe.SnapshotsPerChain} snapshots, one size each): {shown}; " +
               $"a {count} that is a multiple of {equal} ({recipe.SnapshotsPerChain} snapshots x {all.Count} sizes) gives equal counts";
    }

    /// <param name="reference">The labelling model (also drives the Monte Carlo through its MC backend).</param>
    /// <param name="progress">(molecules done, total molecules over all snapshots), from worker threads. Work is about
    /// proportional to molecules (N trial moves per cycle, labelling ~N), so a time-left estimate from it is fair even
    /// though the largest chains run first.</param>
    public static GeneratedTestSet Generate(IPotential reference, TestSetRecipe recipe, ulong seed,
        Action<long, long>? progress = null, int maxThreads = -1, CancellationToken cancel = default)
    {
        var sw = Stopwatch.StartNew();
        var plan = Plan(recipe, seed);
        int n = recipe.Count;
        var offsets = new int[n + 1];
        foreach (var ch in plan)
            for (int k = 0; k < ch.Snapshots; k++) offsets[ch.FirstCluster + k + 1] = offsets[ch.FirstCluster + k] + ch.Size;
        var pos = new double[3L * offsets[n] <= int.MaxValue ? 3 * offsets[n] : throw new ArgumentException("set too large for one batch")];
        var forces = new double[pos.Length];
        var energies = new double[n];
        var temps = new double[n];
        var nestedFlag = new int[n];
        var chainOf = new int[n];
        long moves = 0, accepted = 0, done = 0;
        double maxDrift = 0;
        object driftGate = new();

        // Large chains first: better load balance at the end of the run.
        var order = Enumerable.Range(0, plan.Length).OrderByDescending(i => (long)plan[i].Size * plan[i].Snapshots).ThenBy(i => i).ToArray();
        var opts = new ParallelOptions { MaxDegreeOfParallelism = maxThreads > 0 ? maxThreads : Environment.ProcessorCount, CancellationToken = cancel };
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, loadBalance: true), opts,
            () => (backend: reference.CreateMcBackend(), ev: reference.CreateEvaluator()),
            (ci, _, w) =>
            {
                var ch = plan[ci];
                var r = RunChain(ch, recipe, w.backend, w.ev, pos, forces, energies, offsets);
                for (int k = 0; k < ch.Snapshots; k++)
                {
                    temps[ch.FirstCluster + k] = ch.TemperatureK;
                    nestedFlag[ch.FirstCluster + k] = ch.Nested ? 1 : 0;
                    chainOf[ch.FirstCluster + k] = ch.Index;
                }
                Interlocked.Add(ref moves, r.Moves);
                Interlocked.Add(ref accepted, r.Accepted);
                if (r.Drift > 0) lock (driftGate) maxDrift = Math.Max(maxDrift, r.Drift);
                long d = Interlocked.Add(ref done, (long)ch.Snapshots * ch.Size);
                progress?.Invoke(d, offsets[n]);
                return w;
            },
            _ => { });

        var batch = new ClusterBatch(pos, offsets, energies, forces, [reference.Species[0]]); // the chains insert and move type-0 beads
        return new GeneratedTestSet(batch, temps, nestedFlag, chainOf, moves, accepted, maxDrift, sw.Elapsed.TotalSeconds);
    }

    private static (long Moves, long Accepted, double Drift) RunChain(ChainPlan ch, TestSetRecipe recipe, IMcEnergyBackend backend, IPotentialEvaluator ev,
        double[] pos, double[] forces, double[] energies, int[] offsets)
    {
        double[] start = ch.CompactStart ? CompactStart(ch.Size, ch.Seed) : ClusterBuilder.RandomConnected(ch.Size, ch.Seed);
        int every = recipe.CyclesBetweenSnapshots;
        int taken = 0;
        double drift = 0;
        void OnFrame(Cluster f)
        {
            if (taken >= ch.Snapshots) return;
            int c = ch.FirstCluster + taken;
            var p = pos.AsSpan(3 * offsets[c], 3 * ch.Size);
            f.Positions.CopyTo(p);
            energies[c] = ev.Compute(p, forces.AsSpan(3 * offsets[c], 3 * ch.Size), Span<double>.Empty);
            if (f.Energy is double fe) drift = Math.Max(drift, Math.Abs(fe - energies[c]));
            taken++;
        }

        McResult result;
        if (ch.Nested)
        {
            // The ceiling starts just above the start structure's energy per molecule, so the walker explores
            // downwards from a random (high-energy) connected structure instead of first random-walking
            // into overlapping cores (which an infinite initial ceiling allows).
            double e0 = ev.Compute(start, Span<double>.Empty, Span<double>.Empty);
            var s = new NestedSettings
            {
                Cycles = ch.Snapshots * every,
                InitialCeilingPerBead = e0 / ch.Size + recipe.NestedCeilingMarginEv,
                AdjustFrequency = recipe.NestedAdjustCycles,
                TrajectoryEvery = every,
                Seed = ch.Seed,
                CriterionDistance = recipe.CriterionDistance,
                MinPairDistance = recipe.MinPairDistance,
            };
            result = new NestedSampler(s).Run(backend, start, OnFrame);
        }
        else
        {
            int equil = (recipe.EquilibrationCycles + every - 1) / every * every;
            var s = new MetropolisSettings
            {
                TemperatureK = ch.TemperatureK,
                Cycles = equil + ch.Snapshots * every,
                EquilibrationCycles = equil,
                TrajectoryEvery = every,
                Seed = ch.Seed,
                CriterionDistance = recipe.CriterionDistance,
                MinPairDistance = recipe.MinPairDistance,
            };
            result = new MetropolisSampler(s).Run(backend, start, OnFrame);
        }
        if (result.Status != McStatus.Completed)
            throw new InvalidOperationException($"chain {ch.Index} (size {ch.Size}, {(ch.Nested ? "nested" : $"Metropolis {ch.TemperatureK:0} K")}, seed {ch.Seed}) failed: {result.Status}: {result.Message}");
        if (taken != ch.Snapshots)
            throw new InvalidOperationException($"chain {ch.Index} produced {taken} snapshots, {ch.Snapshots} planned");
        return (result.Attempts, result.Accepted, drift);
    }

    /// <summary>
    /// A compact start: a connected fragment of a diamond lattice (nearest-neighbour distance 2.75 A, the
    /// tetrahedral motif of ML-BOP water) grown from a lattice site by always adding the frontier site nearest
    /// to a random centre, in a random orientation, centred on its centroid. Connected under the 4 A criterion.
    /// </summary>
    public static double[] CompactStart(int count, ulong seed)
    {
        var rng = new McRandom(seed ^ 0xC0FFEEUL);
        double q = 2.75 / Math.Sqrt(3); // lattice unit: a/4 of the cubic diamond cell
        // Diamond sites in units of q: all-even (x+y+z = 0 mod 4) or all-odd ((x+y+z-3) = 0 mod 4).
        double cx = 2 * rng.NextDouble(), cy = 2 * rng.NextDouble(), cz = 2 * rng.NextDouble();
        var chosen = new List<(int x, int y, int z)>(count);
        var seen = new HashSet<(int, int, int)> { (0, 0, 0) };
        var frontier = new PriorityQueue<(int x, int y, int z), double>();
        frontier.Enqueue((0, 0, 0), 0);
        ReadOnlySpan<int> dirs = [1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1];
        while (chosen.Count < count)
        {
            var site = frontier.Dequeue();
            chosen.Add(site);
            int sign = (site.x & 1) == 0 ? 1 : -1; // even sublattice bonds along +dirs, odd along -dirs
            for (int d = 0; d < 4; d++)
            {
                var nb = (site.x + sign * dirs[3 * d], site.y + sign * dirs[3 * d + 1], site.z + sign * dirs[3 * d + 2]);
                if (!seen.Add(nb)) continue;
                double dx = nb.Item1 - cx, dy = nb.Item2 - cy, dz = nb.Item3 - cz;
                frontier.Enqueue(nb, dx * dx + dy * dy + dz * dz);
            }
        }
        // Random rotation from a random unit quaternion.
        double u1 = rng.NextDouble(), u2 = 2 * Math.PI * rng.NextDouble(), u3 = 2 * Math.PI * rng.NextDouble();
        double qw = Math.Sqrt(1 - u1) * Math.Sin(u2), qx = Math.Sqrt(1 - u1) * Math.Cos(u2), qy = Math.Sqrt(u1) * Math.Sin(u3), qz = Math.Sqrt(u1) * Math.Cos(u3);
        double r00 = 1 - 2 * (qy * qy + qz * qz), r01 = 2 * (qx * qy - qz * qw), r02 = 2 * (qx * qz + qy * qw);
        double r10 = 2 * (qx * qy + qz * qw), r11 = 1 - 2 * (qx * qx + qz * qz), r12 = 2 * (qy * qz - qx * qw);
        double r20 = 2 * (qx * qz - qy * qw), r21 = 2 * (qy * qz + qx * qw), r22 = 1 - 2 * (qx * qx + qy * qy);
        var p = new double[3 * count];
        double sx = 0, sy = 0, sz = 0;
        for (int i = 0; i < count; i++)
        {
            double x = q * chosen[i].x, y = q * chosen[i].y, z = q * chosen[i].z;
            p[3 * i] = r00 * x + r01 * y + r02 * z;
            p[3 * i + 1] = r10 * x + r11 * y + r12 * z;
            p[3 * i + 2] = r20 * x + r21 * y + r22 * z;
            sx += p[3 * i]; sy += p[3 * i + 1]; sz += p[3 * i + 2];
        }
        for (int i = 0; i < count; i++) { p[3 * i] -= sx / count; p[3 * i + 1] -= sy / count; p[3 * i + 2] -= sz / count; }
        return p;
    }
}
