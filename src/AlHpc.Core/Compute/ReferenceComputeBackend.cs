using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Compute;

/// <summary>
/// The plain reference of every computation: <see cref="TersoffReference"/> (literal formula, O(N^3)),
/// <see cref="ReferenceDescriptors"/>, per-atom <see cref="NeuralNetwork"/> passes and
/// <see cref="ReferenceJacobianBuilder"/>; forces and descriptor derivatives by central finite differences
/// (step 1e-5 A). Slow (single thread, no neighbour lists): for checking the fast paths on small clusters.
/// </summary>
public sealed class ReferenceComputeBackend : IComputeBackend
{
    /// <summary>Finite-difference step (A).</summary>
    public const double Step = 1e-5;

    public string Name => "reference";
    public string Description => "reference formulas (plain C#, finite-difference forces)";

    public IBatchEnergyEvaluator CreateTersoff(TersoffPotential potential) =>
        new Evaluator(Description, potential.Species, x => TersoffReference.Energy(potential.Parameters, x));

    public IBatchEnergyEvaluator CreateNetwork(NnPotential potential) => new Evaluator(Description, potential.Species, x => NetworkEnergy(potential.Model, x));

    /// <summary>E = sum_i E_i of the model from plain descriptors and per-atom network passes (eV).</summary>
    public static double NetworkEnergy(NnModel model, ReadOnlySpan<double> positions)
    {
        int n = positions.Length / 3;
        if (n == 0) return 0;
        var g = ReferenceDescriptors.Compute(model.Setup, positions);
        model.ScaleDescriptors(g);
        var o = new double[n];
        model.Network.Forward(g, n, o, model.Network.CreateWorkspace(n));
        double e = 0;
        for (int a = 0; a < n; a++) e += model.AtomEnergy(o[a]);
        return e;
    }

    public void Descriptors(DescriptorSetup setup, ClusterBatch batch, double[] values)
    {
        for (int c = 0; c < batch.ClusterCount; c++)
            ReferenceDescriptors.Compute(setup, batch.PositionsOf(c)).CopyTo(values, batch.Offsets[c] * setup.Count);
    }

    public DescriptorDerivative DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch)
    {
        var per = new double[batch.ClusterCount][];
        var owner = new int[batch.AtomCount];
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            per[c] = ReferenceDescriptors.FiniteDifferenceDerivatives(setup, batch.PositionsOf(c), Step);
            for (int a = batch.Offsets[c]; a < batch.Offsets[c + 1]; a++) owner[a] = c;
        }
        int nf = setup.Count;
        return (i, f, j, c) =>
        {
            int k = owner[i];
            if (owner[j] != k) return 0;
            int o = batch.Offsets[k], m = 3 * batch.SizeOf(k);
            return per[k][((i - o) * nf + f) * m + 3 * (j - o) + c];
        };
    }

    public IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net) => new ReferenceJacobianBuilder();

    public void Dispose() { }

    /// <summary>Energies by a plain function, forces by central differences of it.</summary>
    private sealed class Evaluator(string description, IReadOnlyList<string> species, Func<double[], double> energy) : IBatchEnergyEvaluator
    {
        public string DeviceDescription => description;

        public void Evaluate(ClusterBatch batch, double[] energies, double[]? forces, Action<long, long>? progress = null)
        {
            SpeciesTable.TypesIn(batch, species); // single-species formulas: every atom must be the potential's element
            for (int c = 0; c < batch.ClusterCount; c++)
            {
                var x = batch.PositionsOf(c).ToArray();
                energies[c] = energy(x);
                if (forces != null)
                    for (int q = 0; q < x.Length; q++)
                    {
                        double keep = x[q];
                        x[q] = keep + Step; double ep = energy(x);
                        x[q] = keep - Step; double em = energy(x);
                        x[q] = keep;
                        forces[3 * batch.Offsets[c] + q] = -(ep - em) / (2 * Step);
                    }
                progress?.Invoke(c + 1, batch.ClusterCount);
            }
        }

        public void Dispose() { }
    }
}
