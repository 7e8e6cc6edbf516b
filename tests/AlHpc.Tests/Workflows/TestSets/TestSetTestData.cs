using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Tests.TestSets;

/// <summary>A small smooth pair potential (Morse-like, cut off at 4 A) with analytic forces: a stand-in model for the test-set tests.</summary>
internal sealed class ToyPairPotential(double depth = 0.25, double r0 = 2.7, double a = 1.5, string name = "toy pair") : IPotential
{
    private readonly double _depth = depth, _r0 = r0, _a = a;
    public string Name => name;
    public double Cutoff => 4.0;
    public IReadOnlyList<string> Species { get; } = ["O"];
    public IPotentialEvaluator CreateEvaluator() => new Evaluator(this);
    public IMcEnergyBackend CreateMcBackend() => throw new NotSupportedException("no MC backend in the toy potential");

    private sealed class Evaluator(ToyPairPotential p) : IPotentialEvaluator
    {
        public IReadOnlyList<string> Species => p.Species;
        public double Compute(ReadOnlySpan<double> x, Span<double> forces, Span<double> atomEnergies)
        {
            int n = x.Length / 3;
            if (!forces.IsEmpty) forces.Clear();
            if (!atomEnergies.IsEmpty) atomEnergies.Clear();
            double e = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double dx = x[3 * j] - x[3 * i], dy = x[3 * j + 1] - x[3 * i + 1], dz = x[3 * j + 2] - x[3 * i + 2];
                    double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                    if (r >= p.Cutoff) continue;
                    // Morse times a smooth cutoff s(r) = (1 - (r/rc)^2)^2.
                    double ex = Math.Exp(-p._a * (r - p._r0));
                    double m = p._depth * (ex * ex - 2 * ex);
                    double dm = p._depth * (-2 * p._a * ex * ex + 2 * p._a * ex);
                    double q = 1 - r * r / (p.Cutoff * p.Cutoff);
                    double s = q * q, ds = 2 * q * (-2 * r / (p.Cutoff * p.Cutoff));
                    double pair = m * s, dpair = dm * s + m * ds;
                    e += pair;
                    if (!atomEnergies.IsEmpty) { atomEnergies[i] += pair / 2; atomEnergies[j] += pair / 2; }
                    if (!forces.IsEmpty)
                    {
                        double g = dpair / r;
                        forces[3 * i] += g * dx; forces[3 * i + 1] += g * dy; forces[3 * i + 2] += g * dz;
                        forces[3 * j] -= g * dx; forces[3 * j + 1] -= g * dy; forces[3 * j + 2] -= g * dz;
                    }
                }
            return e;
        }
    }
}

internal static class TestSetTestData
{
    /// <summary>Random compact clusters of the given sizes (beads on a jittered cubic grid, spacing 2.8 A).</summary>
    public static ClusterBatch RandomBatch(int[] sizes, int seed, bool withForces = true, bool withEnergies = true)
    {
        var rng = new Random(seed);
        var offsets = new int[sizes.Length + 1];
        for (int c = 0; c < sizes.Length; c++) offsets[c + 1] = offsets[c] + sizes[c];
        var pos = new double[3 * offsets[^1]];
        for (int c = 0; c < sizes.Length; c++)
        {
            int side = (int)Math.Ceiling(Math.Cbrt(sizes[c]));
            for (int i = 0; i < sizes[c]; i++)
            {
                int k = 3 * (offsets[c] + i);
                pos[k] = 2.8 * (i % side) + 0.3 * (rng.NextDouble() - 0.5);
                pos[k + 1] = 2.8 * (i / side % side) + 0.3 * (rng.NextDouble() - 0.5);
                pos[k + 2] = 2.8 * (i / (side * side)) + 0.3 * (rng.NextDouble() - 0.5);
            }
        }
        double[]? e = withEnergies ? Enumerable.Range(0, sizes.Length).Select(_ => -10 * rng.NextDouble()).ToArray() : null;
        double[]? f = withForces ? Enumerable.Range(0, pos.Length).Select(_ => rng.NextDouble() - 0.5).ToArray() : null;
        return new ClusterBatch(pos, offsets, e, f);
    }

    /// <summary>The batch relabelled with a potential's energies and forces.</summary>
    public static ClusterBatch Label(ClusterBatch b, IPotential p)
    {
        var ev = p.CreateEvaluator();
        var e = new double[b.ClusterCount];
        var f = new double[b.Positions.Length];
        for (int c = 0; c < b.ClusterCount; c++)
            e[c] = ev.Compute(b.PositionsOf(c), f.AsSpan(3 * b.Offsets[c], 3 * b.SizeOf(c)), Span<double>.Empty);
        return new ClusterBatch((double[])b.Positions.Clone(), (int[])b.Offsets.Clone(), e, f);
    }
}
