using AlHpc.Compute;
using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.OpenCL.Native;
using AlHpc.OpenCL.Workloads;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.OpenCL;

/// <summary>
/// The OpenCL implementation of the compute contract: kernels/tersoff.cl, descriptors.cl, network.cl and the
/// Jacobian kernels on one device context (double precision, or single with double accumulation). Owns the
/// context when made by <see cref="DeviceSelector"/>; evaluators it makes must be disposed before it.
/// </summary>
public sealed class OpenClComputeBackend(ClDeviceContext context, bool ownsContext) : IComputeBackend
{
    public ClDeviceContext Context { get; } = context;

    public string Name => "opencl-" + Context.Precision.ToString().ToLowerInvariant();
    public string Description => $"OpenCL {Context.Device.Spec} {Context.Device.Name} ({Context.Precision.ToString().ToLowerInvariant()} precision)";

    public IBatchEnergyEvaluator CreateTersoff(TersoffPotential potential) => new OpenClTersoff(Context, potential.Parameters);

    public IBatchEnergyEvaluator CreateNetwork(NnPotential potential) => new OpenClNnEvaluator(Context, potential.Model);

    public void Descriptors(DescriptorSetup setup, ClusterBatch batch, double[] values)
    {
        using var d = new OpenClDescriptors(Context, setup);
        d.ComputeValues(batch, values);
    }

    public DescriptorDerivative DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch)
    {
        using var d = new OpenClDescriptors(Context, setup);
        var (self, pair, count, index, stride) = d.ComputeDerivatives(batch, new double[batch.AtomCount * setup.Count]);
        int nf = setup.Count;
        return (i, f, j, c) =>
        {
            if (i == j) return self[(i * nf + f) * 3 + c];
            for (int q = 0; q < count[i]; q++)
                if (index[i * stride + q] == j) return pair[((i * stride + q) * nf + f) * 3 + c];
            return 0;
        };
    }

    public IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net) => new OpenClJacobian(Context, setup, net);

    public void Dispose()
    {
        if (ownsContext) Context.Dispose();
    }
}
