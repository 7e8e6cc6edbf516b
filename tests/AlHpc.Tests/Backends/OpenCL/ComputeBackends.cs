using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.OpenCL.Native;
using AlHpc.OpenCL.Workloads;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Tests.OpenCL;

/// <summary>dG_{i,f}/dr_{j,c} of a whole batch (global atom indices), 0 where j is outside i's cutoff.</summary>
public delegate double DerivativeLookup(int i, int f, int j, int c);

/// <summary>
/// One compute path (CPU or OpenCL) behind the operations the contract tests check. Every test of
/// <see cref="BackendContractTests"/> runs once per implementation, on the same inputs.
/// </summary>
public interface IComputeBackend
{
    string Name { get; }
    void Tersoff(TersoffParameters p, ClusterBatch batch, double[] energies, double[] forces);
    double[] Descriptors(DescriptorSetup setup, ClusterBatch batch);
    DerivativeLookup DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch);
    void Nn(NnModel model, ClusterBatch batch, double[] energies, double[] forces);
    IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net);
}

/// <summary>The CPU path: TersoffPotential + BatchEvaluator, DescriptorEngine/BatchDescriptors, NeuralNetwork, CpuJacobianBuilder.</summary>
public sealed class CpuBackend : IComputeBackend
{
    public string Name => "cpu";

    public void Tersoff(TersoffParameters p, ClusterBatch batch, double[] energies, double[] forces) =>
        new CpuBatchEnergyEvaluator(new TersoffPotential(p)).Evaluate(batch, energies, forces);

    public double[] Descriptors(DescriptorSetup setup, ClusterBatch batch) => new BatchDescriptors(setup).ComputeValues(batch);

    public DerivativeLookup DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch)
    {
        var per = new DescriptorDerivatives[batch.ClusterCount];
        var cluster = new int[batch.AtomCount];
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            var eng = new DescriptorEngine(setup);
            per[c] = eng.ComputeWithDerivatives(batch.PositionsOf(c), new double[batch.SizeOf(c) * setup.Count]);
            for (int a = batch.Offsets[c]; a < batch.Offsets[c + 1]; a++) cluster[a] = c;
        }
        return (i, f, j, c) =>
        {
            int k = cluster[i];
            if (cluster[j] != k) return 0;
            return per[k].Get(i - batch.Offsets[k], f, j - batch.Offsets[k], c);
        };
    }

    /// <summary>The CPU NN path: engine descriptors, network forward/backward, engine force assembly.</summary>
    public void Nn(NnModel model, ClusterBatch batch, double[] energies, double[] forces)
    {
        var eng = new DescriptorEngine(model.Setup);
        var net = model.Network;
        int nf = model.Setup.Count;
        var ws = net.CreateWorkspace();
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            int n = batch.SizeOf(c);
            var pos = batch.PositionsOf(c);
            var g = new double[Math.Max(1, n) * nf];
            eng.ComputeValues(pos, g);
            model.ScaleDescriptors(g.AsSpan(0, n * nf));
            var o = new double[Math.Max(1, n)];
            var grad = new double[Math.Max(1, n) * nf];
            double e = 0;
            if (n > 0)
            {
                net.Forward(g, n, o, ws);
                for (int a = 0; a < n; a++) e += model.AtomEnergy(o[a]);
                net.Backward(ws, grad);
                for (int a = 0; a < n; a++)
                    for (int k = 0; k < nf; k++) grad[a * nf + k] /= model.DescriptorStd[k] * model.EnergyScale;
            }
            energies[c] = e;
            var fc = forces.AsSpan(3 * batch.Offsets[c], 3 * n);
            fc.Clear();
            eng.AccumulateForces(grad.AsSpan(0, n * nf), fc);
        }
    }

    public IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net) => new CpuJacobianBuilder();
}

/// <summary>The OpenCL path on the fixture's shared context (double precision unless told otherwise).</summary>
public sealed class OpenClBackend(OpenClFixture fx, OpenClPrecision precision = OpenClPrecision.Double) : IComputeBackend
{
    public string Name => "opencl-" + precision.ToString().ToLowerInvariant();
    private ClDeviceContext Ctx => fx.Context(precision);

    public void Tersoff(TersoffParameters p, ClusterBatch batch, double[] energies, double[] forces)
    {
        using var t = new OpenClTersoff(Ctx, p);
        t.Evaluate(batch, energies, forces);
    }

    public double[] Descriptors(DescriptorSetup setup, ClusterBatch batch)
    {
        using var d = new OpenClDescriptors(Ctx, setup);
        var v = new double[batch.AtomCount * setup.Count];
        d.ComputeValues(batch, v);
        return v;
    }

    public DerivativeLookup DescriptorDerivatives(DescriptorSetup setup, ClusterBatch batch)
    {
        using var d = new OpenClDescriptors(Ctx, setup);
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

    public void Nn(NnModel model, ClusterBatch batch, double[] energies, double[] forces)
    {
        using var ev = new OpenClNnEvaluator(Ctx, model);
        ev.Evaluate(batch, energies, forces);
    }

    public IJacobianBuilder CreateJacobianBuilder(DescriptorSetup setup, NeuralNetwork net) => new OpenClJacobian(Ctx, setup, net);
}
