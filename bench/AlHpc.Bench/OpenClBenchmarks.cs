using System.Diagnostics;
using AlHpc.Descriptors;
using AlHpc.MonteCarlo;
using AlHpc.Network;
using AlHpc.OpenCL.Native;
using AlHpc.OpenCL.Workloads;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AlHpc.Bench;

/// <summary>
/// OpenCL kernels against the CPU SIMD path in the same run, per workload (category): Tersoff labelling of a
/// ragged batch, NN energies+forces of the same batch, the LM Jacobian of 426 structures of 25 beads; plus the
/// fixed costs: one launch round trip and the host-to-device upload of the batch.
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*OpenCl*' --job short
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class OpenClBenchmarks
{
    private ClDeviceContext _ctx = null!;
    private ClusterBatch _batch = null!, _train = null!;
    private double[] _e = null!, _f = null!;
    private CpuBatchEnergyEvaluator _cpuTersoff = null!;
    private OpenClTersoff _clTersoff = null!;
    private NnModel _model = null!;
    private CpuNnBatch _cpuNn = null!;
    private OpenClNnEvaluator _clNn = null!;
    private SimdJacobianBuilder _cpuJac = null!;
    private OpenClJacobian _clJac = null!;
    private int[] _rows = null!;
    private double[] _pred = null!, _jac = null!, _jjt = null!;
    private ClKernel _sum = null!;
    private ClBuffer _one = null!, _oneOut = null!, _upload = null!;

    /// <summary>Clusters in the evaluation batch (sizes uniform in 1..200 beads).</summary>
    [Params(200)]
    public int Clusters { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ClApi.PrepareNativeEnvironmentForTests();
        if (!OpenClDevices.Inventory.IsAvailable) throw new InvalidOperationException("no OpenCL: " + OpenClDevices.Inventory.UnavailableReason);
        _ctx = ClDeviceContext.OpenDefault();
        var rng = new Random(1);
        var list = new List<Cluster>();
        for (int c = 0; c < Clusters; c++) list.Add(new Cluster(ClusterBuilder.RandomConnected(1 + rng.Next(200), (ulong)c + 1)));
        _batch = ClusterBatch.FromClusters(list);
        _e = new double[_batch.ClusterCount];
        _f = new double[_batch.Positions.Length];
        _cpuTersoff = new CpuBatchEnergyEvaluator(TersoffPotential.MlBop);
        _clTersoff = new OpenClTersoff(_ctx, TersoffParameters.MlBop);

        var setup = DefaultSetups.Water26;
        var net = NeuralNetwork.CreateDefault(setup.Count);
        net.InitializeRandom(3);
        var g = new BatchDescriptors(setup).ComputeValues(_batch);
        var mean = new double[setup.Count];
        var std = new double[setup.Count];
        for (int k = 0; k < setup.Count; k++)
        {
            double s = 0, s2 = 0;
            for (int a = 0; a < _batch.AtomCount; a++) { s += g[a * setup.Count + k]; s2 += g[a * setup.Count + k] * g[a * setup.Count + k]; }
            mean[k] = s / _batch.AtomCount;
            std[k] = Math.Sqrt(Math.Max(1e-12, s2 / _batch.AtomCount - mean[k] * mean[k]));
        }
        _model = new NnModel(setup, net, mean, std) { EnergyScale = 2.5, EnergyShift = -0.3 };
        _cpuNn = new CpuNnBatch(_model);
        _clNn = new OpenClNnEvaluator(_ctx, _model);

        // Jacobian: 426 structures of 25 beads (the paper's final pool), all rows at once
        var tl = new List<Cluster>();
        for (int s = 0; s < 426; s++) tl.Add(new Cluster(ClusterBuilder.RandomConnected(25, 1000UL + (ulong)s)));
        _train = ClusterBatch.FromClusters(tl);
        var raw = new BatchDescriptors(setup).ComputeValues(_train);
        _cpuJac = new SimdJacobianBuilder(); // the trainer's own CPU rows (one thread)
        _cpuJac.SetData(raw, _train.Offsets, setup.Count, mean, std);
        _clJac = new OpenClJacobian(_ctx, setup, net);
        _clJac.SetData(raw, _train.Offsets, setup.Count, mean, std);
        _rows = Enumerable.Range(0, 426).ToArray();
        _pred = new double[426];
        _jac = new double[426 * net.WeightCount];
        _jjt = new double[426 * 426];

        _sum = _ctx.GetProgram(["common.cl"]).Kernel("cluster_sum");
        _one = _ctx.CreateBuffer(64);
        _oneOut = _ctx.CreateBuffer(64);
        _one.Write<int>([0, 1]);
        _upload = _ctx.CreateBuffer(8L * _batch.Positions.Length);
        // warm up (PoCL compiles kernels on first launch)
        TersoffOpenCl(); NnOpenCl(); JacobianOpenCl(); LaunchRoundTrip();
        Console.WriteLine($"// batch: {_batch.ClusterCount} clusters, {_batch.AtomCount} atoms; device {_ctx.Device}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _clTersoff.Dispose(); _clNn.Dispose(); _clJac.Dispose(); _one.Dispose(); _oneOut.Dispose(); _upload.Dispose(); _ctx.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Tersoff")]
    public double TersoffCpu() { _cpuTersoff.Evaluate(_batch, _e, _f); return _e[0]; }

    [Benchmark, BenchmarkCategory("Tersoff")]
    public double TersoffOpenCl() { _clTersoff.Evaluate(_batch, _e, _f); return _e[0]; }

    [Benchmark(Baseline = true), BenchmarkCategory("NN")]
    public double NnCpu() { _cpuNn.Evaluate(_batch, _e, _f); return _e[0]; }

    [Benchmark, BenchmarkCategory("NN")]
    public double NnOpenCl() { _clNn.Evaluate(_batch, _e, _f); return _e[0]; }

    [Benchmark(Baseline = true), BenchmarkCategory("Jacobian426")]
    public double JacobianCpu() { _cpuJac.Compute(_model.Network, _rows, true, _pred, _jac); return _jac[0]; }

    [Benchmark, BenchmarkCategory("Jacobian426")]
    public double JacobianOpenCl() { _clJac.Compute(_model.Network, _rows, true, _pred, _jac); return _jac[0]; }

    [Benchmark, BenchmarkCategory("Jacobian426")]
    public double JacobianAndJJtOpenCl() { _clJac.Compute(_model.Network, _rows, true, _pred, _jac); _clJac.ComputeNormalMatrix(_jjt); return _jjt[0]; }

    /// <summary>Fixed cost: one tiny launch plus a blocking read (the per-call floor of any workload).</summary>
    [Benchmark, BenchmarkCategory("Overhead")]
    public double LaunchRoundTrip()
    {
        _sum.Arg(0, 1).Arg(1, _one).Arg(2, _oneOut).Arg(3, _oneOut);
        _sum.Launch(1);
        Span<double> r = stackalloc double[1];
        _oneOut.Read(r);
        return r[0];
    }

    /// <summary>Transfer cost: the batch's positions host to device (blocking).</summary>
    [Benchmark, BenchmarkCategory("Overhead")]
    public void UploadBatchPositions() => _upload.Write<double>(_batch.Positions);

    /// <summary>The CPU NN path as the NN potential runs it: per-thread descriptor engine + network, parallel over clusters.</summary>
    private sealed class CpuNnBatch(NnModel model)
    {
        private readonly ThreadLocal<(DescriptorEngine Eng, NetworkWorkspace Ws, double[] G, double[] O, double[] D)> _tls =
            new(() => (new DescriptorEngine(model.Setup), model.Network.CreateWorkspace(256), new double[256 * model.Setup.Count], new double[256], new double[256 * model.Setup.Count]));

        public void Evaluate(ClusterBatch batch, double[] energies, double[] forces)
        {
            int nf = model.Setup.Count;
            Parallel.For(0, batch.ClusterCount, c =>
            {
                var t = _tls.Value;
                int n = batch.SizeOf(c);
                Debug.Assert(n <= 256);
                var fc = forces.AsSpan(3 * batch.Offsets[c], 3 * n);
                fc.Clear();
                if (n == 0) { energies[c] = 0; return; }
                t.Eng.ComputeValues(batch.PositionsOf(c), t.G);
                model.ScaleDescriptors(t.G.AsSpan(0, n * nf));
                model.Network.Forward(t.G, n, t.O, t.Ws);
                double e = 0;
                for (int a = 0; a < n; a++) e += model.AtomEnergy(t.O[a]);
                energies[c] = e;
                model.Network.Backward(t.Ws, t.D);
                for (int a = 0; a < n; a++)
                    for (int k = 0; k < nf; k++) t.D[a * nf + k] /= model.DescriptorStd[k] * model.EnergyScale;
                t.Eng.AccumulateForces(t.D.AsSpan(0, n * nf), fc);
            });
        }
    }
}
