using AlHpc.Network;
using AlHpc.OpenCL.Workloads;
using AlHpc.Potentials;

namespace AlHpc.OpenCL;

/// <summary>
/// Picks the batch evaluator for a potential and a resolved device: the OpenCL kernels when the device is
/// OpenCL and the potential has kernels (Tersoff/ML-BOP, NN models), else the CPU path. The returned
/// evaluator does not own the device (dispose the <see cref="ResolvedDevice"/> after it).
/// </summary>
public static class BatchEnergyEvaluators
{
    /// <summary>
    /// For a <see cref="TersoffPotential"/> on OpenCL: <see cref="OpenClTersoff"/>; for an <see cref="NnPotential"/>
    /// (or any potential with <paramref name="nnModel"/> given): <see cref="OpenClNnEvaluator"/>; otherwise (or on
    /// the CPU) <see cref="CpuBatchEnergyEvaluator"/>.
    /// </summary>
    public static IBatchEnergyEvaluator Create(IPotential potential, ResolvedDevice device, NnModel? nnModel = null, int maxDegreeOfParallelism = -1)
    {
        if (device.Context is { } ctx)
        {
            if (potential is TersoffPotential t) return new OpenClTersoff(ctx, t.Parameters);
            var model = nnModel ?? (potential as NnPotential)?.Model;
            if (model is not null) return new OpenClNnEvaluator(ctx, model);
        }
        return new CpuBatchEnergyEvaluator(potential, maxDegreeOfParallelism);
    }
}
