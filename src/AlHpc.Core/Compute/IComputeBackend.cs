using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Compute;

/// <summary>dG_{i,f}/dr_{j,c} (1/A) of a whole batch (global atom indices i, j); 0 where j is outside i's cutoff.</summary>
public delegate double DescriptorDerivative(int i, int f, int j, int c);

/// <summary>
/// Where AlHpc's computations run. Every computation has three implementations behind this one contract:
/// <see cref="ReferenceComputeBackend"/> (plain, obviously correct formulas), <see cref="CpuComputeBackend"/> (the
/// C# SIMD paths production runs, with a switch to force the scalar fallbacks) and AlHpc.OpenCL's
/// OpenClComputeBackend (the kernels); `--device` picks one (AlHpc.OpenCL.DeviceSelector), and one contract test
/// body (tests/AlHpc.Tests/Backends/BackendContractTests.cs) runs against each. Units: eV, A.
/// A backend may own a device: dispose it after the evaluators it made.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>Short name ("reference", "cpu", "cpu-scalar", "opencl-double", ...).</summary>
    string Name { get; }

    /// <summary>Where it runs, for logs.</summary>
    string Description { get; }

    /// <summary>Tersoff (ML-BOP or a LAMMPS file) energies and forces of batches.</summary>
    IBatchEnergyEvaluator CreateTersoff(TersoffPotential potential);

    /// <summary>Network potential energies and forces of batches (descriptors, network, chain rule).</summary>
    IBatchEnergyEvaluator CreateNetwork(NnPotential potential);

    /// <summary>Raw descriptors of every atom of a batch (atoms x setup.Count, batch order).</summary>
    void Descriptors(DescriptorSetup setup, ClusterBatch batch, double[] values);

    /// <summary>The descriptors' derivatives with respect to the positions, of every atom of a batch.</summary>
    DescriptorDerivative DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch);

    /// <summary>The Levenberg-Marquardt Jacobian rows of the network's weights (see <see cref="IJacobianBuilder"/>).</summary>
    IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net);
}

/// <summary>Helpers over <see cref="IComputeBackend"/>.</summary>
public static class ComputeBackendExtensions
{
    /// <summary>
    /// The batch evaluator of any potential on this backend: Tersoff and network potentials through the backend,
    /// any other potential on the CPU (<see cref="CpuBatchEnergyEvaluator"/>).
    /// </summary>
    public static IBatchEnergyEvaluator CreateEvaluator(this IComputeBackend backend, IPotential potential, int maxDegreeOfParallelism = -1) =>
        potential switch
        {
            TersoffPotential t => backend.CreateTersoff(t),
            NnPotential nn => backend.CreateNetwork(nn),
            _ => new CpuBatchEnergyEvaluator(potential, maxDegreeOfParallelism),
        };
}
