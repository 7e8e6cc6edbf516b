using AlHpc.Structures;

namespace AlHpc.Potentials;

/// <summary>
/// Energies (eV) and forces (eV/A) of every cluster of a <see cref="ClusterBatch"/>, on whichever device the
/// implementation owns. The CPU implementation is <see cref="CpuBatchEnergyEvaluator"/> (parallel, SIMD);
/// the others come from a compute backend (<see cref="Compute.IComputeBackend"/>: reference formulas, CPU, OpenCL's
/// OpenClTersoff and OpenClNnEvaluator), chosen by --device. Not thread safe; dispose to free device memory.
/// </summary>
public interface IBatchEnergyEvaluator : IDisposable
{
    /// <summary>Where it runs, for logs ("CPU (C# SIMD)", "OpenCL opencl:0:0 ...").</summary>
    string DeviceDescription { get; }

    /// <summary>
    /// One energy per cluster into <paramref name="energies"/>; forces (laid out as batch.Positions) into
    /// <paramref name="forces"/> when it is not null. <paramref name="progress"/> receives (clusters done, total).
    /// </summary>
    void Evaluate(ClusterBatch batch, double[] energies, double[]? forces, Action<long, long>? progress = null);
}

/// <summary>The CPU path: <see cref="BatchEvaluator"/> over any <see cref="IPotential"/>.</summary>
public sealed class CpuBatchEnergyEvaluator(IPotential potential, int maxDegreeOfParallelism = -1) : IBatchEnergyEvaluator
{
    private readonly BatchEvaluator _batch = new(potential, maxDegreeOfParallelism);

    public IPotential Potential { get; } = potential;

    public string DeviceDescription => "CPU (C# SIMD)";

    public void Evaluate(ClusterBatch batch, double[] energies, double[]? forces, Action<long, long>? progress = null) =>
        _batch.Evaluate(batch, energies, forces, progress);

    public void Dispose() { }
}
