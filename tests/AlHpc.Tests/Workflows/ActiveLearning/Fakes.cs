using System.Globalization;
using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>
/// A two-term pair potential E = sum_{i&lt;j} [A exp(-2 a (r - r0)) - B exp(-a (r - r0))] (a Morse form when
/// A = B), linear in (A, B): the "network" of the fake trainer is the same form with fitted (A, B), so a
/// tiny active-learning problem has an exact answer the loop can converge to.
/// </summary>
internal sealed class PairPotential(double a2, double b1, double cutoff = 7.0) : IPotential
{
    private const double alpha = 1.2, r0 = 2.7;
    public double A => a2;
    public double B => b1;
    public string Name => $"pair A={a2:G6} B={b1:G6}";
    public double Cutoff => cutoff;
    public IReadOnlyList<string> Species { get; } = ["O"];
    public IPotentialEvaluator CreateEvaluator() => new Eval(this);
    public IMcEnergyBackend CreateMcBackend() => new NaiveBackend(CreateEvaluator());

    /// <summary>The two basis sums (S_rep, S_att) with E = A S_rep - B S_att.</summary>
    public static (double Rep, double Att) Basis(ReadOnlySpan<double> p, double cutoff = 7.0)
    {
        double rep = 0, att = 0;
        int n = p.Length / 3;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double dx = p[3 * i] - p[3 * j], dy = p[3 * i + 1] - p[3 * j + 1], dz = p[3 * i + 2] - p[3 * j + 2];
                double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                if (r >= cutoff) continue;
                double e = Math.Exp(-alpha * (r - r0));
                rep += e * e;
                att += e;
            }
        return (rep, att);
    }

    private sealed class Eval(PairPotential p) : IPotentialEvaluator
    {
        public IReadOnlyList<string> Species => p.Species;
        public double Compute(ReadOnlySpan<double> x, Span<double> forces, Span<double> atomEnergies)
        {
            int n = x.Length / 3;
            if (!forces.IsEmpty) forces.Clear();
            if (!atomEnergies.IsEmpty) atomEnergies.Clear();
            double total = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double dx = x[3 * i] - x[3 * j], dy = x[3 * i + 1] - x[3 * j + 1], dz = x[3 * i + 2] - x[3 * j + 2];
                    double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                    if (r >= p.Cutoff) continue;
                    double e = Math.Exp(-alpha * (r - r0));
                    double v = p.A * e * e - p.B * e;
                    total += v;
                    if (!atomEnergies.IsEmpty) { atomEnergies[i] += v / 2; atomEnergies[j] += v / 2; }
                    if (!forces.IsEmpty)
                    {
                        double dvdr = -2 * alpha * p.A * e * e + alpha * p.B * e;
                        double fx = -dvdr * dx / r, fy = -dvdr * dy / r, fz = -dvdr * dz / r;
                        forces[3 * i] += fx; forces[3 * i + 1] += fy; forces[3 * i + 2] += fz;
                        forces[3 * j] -= fx; forces[3 * j + 1] -= fy; forces[3 * j + 2] -= fz;
                    }
                }
            return total;
        }
    }
}

/// <summary>An MC backend by full recomputation (plain and obviously right; fine for a dozen beads).</summary>
internal sealed class NaiveBackend(IPotentialEvaluator ev) : IMcEnergyBackend
{
    private double[] _pos = [];
    private double[]? _trial;
    private double _trialE;
    public int Count => _pos.Length / 3;
    public ReadOnlySpan<double> Positions => _pos;
    public double TotalEnergy { get; private set; }

    public double Reset(ReadOnlySpan<double> positions)
    {
        _pos = positions.ToArray();
        _trial = null;
        return TotalEnergy = ev.Compute(_pos, Span<double>.Empty, Span<double>.Empty);
    }

    public double ProposeMove(int index, double x, double y, double z)
    {
        _trial = (double[])_pos.Clone();
        _trial[3 * index] = x; _trial[3 * index + 1] = y; _trial[3 * index + 2] = z;
        _trialE = ev.Compute(_trial, Span<double>.Empty, Span<double>.Empty);
        return _trialE - TotalEnergy;
    }

    public double ProposeInsert(double x, double y, double z)
    {
        _trial = [.. _pos, x, y, z];
        _trialE = ev.Compute(_trial, Span<double>.Empty, Span<double>.Empty);
        return _trialE - TotalEnergy;
    }

    public double ProposeRemove(int index)
    {
        var t = (double[])_pos.Clone();
        int last = Count - 1;
        Array.Copy(_pos, 3 * last, t, 3 * index, 3);
        _trial = t[..(3 * last)];
        _trialE = ev.Compute(_trial, Span<double>.Empty, Span<double>.Empty);
        return _trialE - TotalEnergy;
    }

    public void Accept()
    {
        _pos = _trial ?? throw new InvalidOperationException("nothing proposed");
        TotalEnergy = _trialE;
        _trial = null;
    }

    public void Reject() => _trial = null;
}

/// <summary>The fake "network": a pair potential with fitted (A, B).</summary>
internal sealed class PairModel(PairPotential p) : ILearnedModel
{
    public IPotential Potential => p;

    public void Save(string path) =>
        AtomicFile.WriteText(path, w => w.Write($"{p.A.ToString("R", CultureInfo.InvariantCulture)} {p.B.ToString("R", CultureInfo.InvariantCulture)}\n"));

    public static PairModel Load(string path)
    {
        var t = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new PairModel(new PairPotential(double.Parse(t[0], CultureInfo.InvariantCulture), double.Parse(t[1], CultureInfo.InvariantCulture)));
    }
}

/// <summary>
/// Fits (A, B) by ridge-regularised least squares on the pool's energies (pulled towards a wrong prior,
/// so one structure is not enough and every new structure helps). Deterministic; counts its calls.
/// </summary>
internal sealed class PairTrainer(double ridge = 1e-2, double priorA = 0.05, double priorB = 0.6) : IModelTrainer
{
    public int Calls;
    public List<bool> WarmStarts { get; } = new();

    public TrainingOutcome Train(IReadOnlyList<Cluster> pool, ILearnedModel? warmStart, TrainingSettings settings, int seed, CancellationToken cancel)
    {
        Calls++;
        WarmStarts.Add(warmStart != null);
        // a committee member's "random initialisation": its prior depends on its seed (a paper-mode run trains with
        // the same prior as before: its held-out indices are null and only committee members get one)
        double pA = settings.HoldoutIndices is null ? priorA : priorA + 0.1 * ((seed % 1000) / 1000.0 - 0.5);
        // minimise sum (A s_r - B s_a - E)^2 + ridge ((A - pA)^2 + (B - pB)^2)
        double m11 = ridge, m12 = 0, m22 = ridge, v1 = ridge * pA, v2 = -ridge * priorB;
        // held-out structures (a committee member's own split) are not fitted, so members differ
        var held = settings.HoldoutIndices is { } h ? new HashSet<int>(h) : [];
        for (int i = 0; i < pool.Count; i++)
        {
            if (held.Contains(i)) continue;
            var c = pool[i];
            var (r, a) = PairPotential.Basis(c.Positions);
            double e = c.Energy!.Value;
            // unknowns x = (A, -B): E = A r + (-B) a
            m11 += r * r; m12 += r * a; m22 += a * a; v1 += r * e; v2 += a * e;
        }
        double det = m11 * m22 - m12 * m12;
        double A = (v1 * m22 - m12 * v2) / det, mB = (m11 * v2 - m12 * v1) / det;
        var model = new PairModel(new PairPotential(A, -mB));
        double mae = pool.Average(c => Math.Abs(model.Potential.CreateEvaluator().Compute(c.Positions, Span<double>.Empty, Span<double>.Empty) - c.Energy!.Value) / c.Count);
        return new TrainingOutcome(model, mae, double.NaN, settings.Epochs);
    }

    public ILearnedModel Load(string path) => PairModel.Load(path);
}

/// <summary>Plain Metropolis over an MC backend (single-bead moves, fixed step, cluster criterion by a connectivity check).</summary>
internal sealed class SimpleMetropolis(string name, double temperatureK, int cycles, double step = 0.3) : ITrajectorySampler
{
    public string Name => name;
    public int Cycles => cycles;
    private static readonly SamplingSettings Loose = new() { MinDistance = 0 };
    public Func<IPotential, Cluster, SamplerTrajectory>? Override { get; set; }

    public SamplerTrajectory Run(IPotential potential, Cluster start, int recordEvery, int seed, CancellationToken cancel)
    {
        if (Override != null) return Override(potential, start);
        var rng = new Random(seed);
        var be = potential.CreateMcBackend();
        be.Reset(start.Positions);
        var t = new SamplerTrajectory();
        double beta = 1 / (AlHpc.Units.BoltzmannEvPerK * temperatureK);
        long acc = 0, tried = 0;
        for (int c = 1; c <= cycles; c++)
        {
            cancel.ThrowIfCancellationRequested();
            for (int m = 0; m < be.Count; m++)
            {
                int i = rng.Next(be.Count);
                var p = be.Positions;
                double x = p[3 * i] + step * (2 * rng.NextDouble() - 1), y = p[3 * i + 1] + step * (2 * rng.NextDouble() - 1), z = p[3 * i + 2] + step * (2 * rng.NextDouble() - 1);
                var trial = be.Positions.ToArray();
                trial[3 * i] = x; trial[3 * i + 1] = y; trial[3 * i + 2] = z;
                tried++;
                if (ActiveLearningRun.Invalid(new Cluster(trial), Loose) != null) continue; // breaks the cluster
                double de = be.ProposeMove(i, x, y, z);
                bool ok = de <= 0 || rng.NextDouble() < Math.Exp(-beta * de);
                if (ok) { be.Accept(); acc++; }
                else be.Reject();
            }
            if (c % recordEvery == 0)
            {
                var f = new Cluster(be.Positions.ToArray()) { Energy = be.TotalEnergy };
                f.SetInfo("cycle", c.ToString(CultureInfo.InvariantCulture));
                t.Frames.Add(f);
            }
        }
        t.CyclesRun = cycles;
        t.Acceptance = tried > 0 ? (double)acc / tried : double.NaN;
        return t;
    }
}

/// <summary>Random start clusters: a jittered simple-cubic block (spacing 2.8 A), connected by construction.</summary>
internal sealed class LatticeStarts : IStartStructureFactory
{
    public Cluster RandomCluster(int molecules, int seed)
    {
        var rng = new Random(seed);
        int side = (int)Math.Ceiling(Math.Cbrt(molecules));
        var p = new double[3 * molecules];
        for (int i = 0; i < molecules; i++)
        {
            p[3 * i] = 2.8 * (i % side) + 0.2 * (rng.NextDouble() - 0.5);
            p[3 * i + 1] = 2.8 * (i / side % side) + 0.2 * (rng.NextDouble() - 0.5);
            p[3 * i + 2] = 2.8 * (i / (side * side)) + 0.2 * (rng.NextDouble() - 0.5);
        }
        return new Cluster(p);
    }
}

/// <summary>Monitoring set scored by direct evaluation (energy MAE per molecule, force MAE).</summary>
internal sealed class DirectMonitor(IReadOnlyList<Cluster> set) : IMonitorSet
{
    public int Count => set.Count;

    public MonitorScore Score(IPotential potential, CancellationToken cancel)
    {
        var ev = potential.CreateEvaluator();
        double se = 0, sf = 0; long nf = 0;
        foreach (var c in set)
        {
            var f = new double[c.Positions.Length];
            double e = ev.Compute(c.Positions, f, Span<double>.Empty);
            se += Math.Abs(e - c.Energy!.Value) / c.Count;
            for (int i = 0; i < f.Length; i++) { sf += Math.Abs(f[i] - c.Forces![i]); nf++; }
        }
        return new MonitorScore(1000 * se / set.Count, 1000 * sf / Math.Max(1, nf), set.Count);
    }
}

internal static class FakeSetup
{
    public static readonly PairPotential Reference = new(0.25, 0.5);

    public static ActiveLearningConfig TinyConfig(int seed = 3)
    {
        var c = new ActiveLearningConfig { Seed = seed, Plots = false };
        c.Training.Epochs = 10;
        c.Sampling.Metropolis.Cycles = 40;
        c.Sampling.Metropolis.Frames = 4;
        c.Sampling.Nested.Cycles = 40;
        c.Sampling.Nested.Frames = 4;
        c.Sampling.Nested.StartMolecules = 6;
        c.Selection.ToleranceMeV = 0.5;
        c.Stop.ConsecutiveNoAdd = 3;
        c.Stop.MaxIterations = 30;
        c.Monitor.Size = 0;
        return c;
    }

    public static ActiveLearningComponents Parts(IOracle? oracle = null, PairTrainer? trainer = null, IMonitorSet? monitor = null) => new()
    {
        Oracle = oracle ?? new PotentialOracle(Reference),
        Trainer = trainer ?? new PairTrainer(),
        Metropolis = new SimpleMetropolis("metropolis", 300, 40),
        Nested = new SimpleMetropolis("nested", 1500, 40),
        Starts = new LatticeStarts(),
        MonitorFactory = monitor is null ? null : _ => monitor,
    };

    public static List<Cluster> SeedPool() => [new LatticeStarts().RandomCluster(6, 99)];
}
