using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Compute;

/// <summary>
/// The production CPU paths (all cores, C# SIMD): Tersoff through <see cref="TersoffPotential"/>'s evaluator,
/// descriptors through <see cref="DescriptorEngine"/>/<see cref="BatchDescriptors"/>, the network potential through
/// <see cref="NnEvaluator"/> (<see cref="NetworkEvaluator"/>), Jacobian rows through <see cref="SimdJacobianBuilder"/>
/// (the trainer's own rows). With <paramref name="scalar"/> the descriptor engine takes its scalar fallback, the
/// path of machines without AVX2 (forced here so the contract test covers it on every machine).
/// </summary>
public sealed class CpuComputeBackend(bool scalar = false, int maxDegreeOfParallelism = -1) : IComputeBackend
{
    public string Name => scalar ? "cpu-scalar" : "cpu";
    public string Description => scalar ? "CPU (C#, scalar descriptors)" : "CPU (C# SIMD)";

    public IBatchEnergyEvaluator CreateTersoff(TersoffPotential potential) => new CpuBatchEnergyEvaluator(potential, maxDegreeOfParallelism);

    public IBatchEnergyEvaluator CreateNetwork(NnPotential potential) =>
        new CpuBatchEnergyEvaluator(potential.VectorDescriptors == !scalar ? potential : new NnPotential(potential.Model, !scalar), maxDegreeOfParallelism);

    public void Descriptors(DescriptorSetup setup, ClusterBatch batch, double[] values) =>
        new BatchDescriptors(setup, allowVector: !scalar).ComputeValues(batch, values, maxDegreeOfParallelism);

    public DescriptorDerivative DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch)
    {
        var per = new DescriptorDerivatives[batch.ClusterCount];
        var owner = new int[batch.AtomCount];
        var eng = new DescriptorEngine(setup, allowVector: !scalar);
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            per[c] = eng.ComputeWithDerivatives(batch.PositionsOf(c), new double[batch.SizeOf(c) * setup.Count]).Clone();
            for (int a = batch.Offsets[c]; a < batch.Offsets[c + 1]; a++) owner[a] = c;
        }
        return (i, f, j, c) =>
        {
            int k = owner[i];
            return owner[j] != k ? 0 : per[k].Get(i - batch.Offsets[k], f, j - batch.Offsets[k], c);
        };
    }

    public IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net) => new SimdJacobianBuilder();

    public void Dispose() { }
}
