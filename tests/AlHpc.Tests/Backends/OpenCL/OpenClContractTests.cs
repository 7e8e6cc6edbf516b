using AlHpc.Compute;
using AlHpc.OpenCL;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Tests.Backends;
using Xunit.Abstractions;

namespace AlHpc.Tests.OpenCL;

/// <summary>
/// The contract on the OpenCL path (double precision, the fixture's shared context), plus direct agreement
/// with the CPU path on the same random batches (~1e-10 relative).
/// </summary>
public sealed class OpenClContractTests(OpenClFixture fx, ITestOutputHelper output) : BackendContractTests, IClassFixture<OpenClFixture>
{
    private OpenClComputeBackend? _ocl;
    private readonly CpuComputeBackend _cpu = new();

    private OpenClComputeBackend _backend => _ocl ??= new OpenClComputeBackend(fx.Context(), ownsContext: false);

    protected override IComputeBackend Backend => _backend;

    protected override void Require() => fx.RequireOpenCl();

    private static double MaxRel(double[] a, double[] b, double floor)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]) / Math.Max(floor, Math.Abs(b[i])));
        return m;
    }

    [SkippableFact]
    public void AgreesWithCpu_TersoffAndNn_OnRandomBatches()
    {
        Require();
        var batch = ReferenceData.RandomBatch(60, 60, 77);
        int nc = batch.ClusterCount;
        double[] e1 = new double[nc], e2 = new double[nc], f1 = new double[batch.Positions.Length], f2 = new double[batch.Positions.Length];
        _cpu.Tersoff(TersoffParameters.MlBop, batch, e1, f1);
        _backend.Tersoff(TersoffParameters.MlBop, batch, e2, f2);
        double te = MaxRel(e2, e1, 1.0), tf = MaxRel(f2, f1, 1.0);
        var setup = PlainReference.Water26();
        var model = PlainReference.RandomModel(setup, batch, 9);
        _cpu.Nn(model, batch, e1, f1);
        _backend.Nn(model, batch, e2, f2);
        double ne = MaxRel(e2, e1, 1.0), nf = MaxRel(f2, f1, 1.0);
        var g1 = _cpu.Descriptors(setup, batch);
        var g2 = _backend.Descriptors(setup, batch);
        double ge = MaxRel(g2, g1, 1e-3);
        output.WriteLine($"OpenCL vs CPU, {nc} clusters / {batch.AtomCount} atoms: Tersoff E {te:E2}, F {tf:E2}; NN E {ne:E2}, F {nf:E2}; G {ge:E2} (max relative, floor 1)");
        Assert.True(te < 1e-10 && tf < 1e-10, $"Tersoff OpenCL vs CPU: E {te}, F {tf}");
        Assert.True(ne < 1e-10 && nf < 1e-10, $"NN OpenCL vs CPU: E {ne}, F {nf}");
        Assert.True(ge < 1e-10, $"descriptors OpenCL vs CPU: {ge}");
    }

    [SkippableFact]
    public void AgreesWithCpu_Jacobian()
    {
        Require();
        var setup = PlainReference.Water26();
        var batch = ReferenceData.RandomBatch(40, 30, 78, minSize: 2);
        var model = PlainReference.RandomModel(setup, batch, 4);
        var raw = new AlHpc.Descriptors.BatchDescriptors(setup).ComputeValues(batch);
        int p = model.Network.WeightCount;
        var rows = Enumerable.Range(0, batch.ClusterCount).Reverse().ToArray();
        double[] p1 = new double[rows.Length], p2 = new double[rows.Length], j1 = new double[rows.Length * p], j2 = new double[rows.Length * p];
        using var cpu = _cpu.CreateJacobianBuilder(setup, model.Network);
        using var ocl = (AlHpc.OpenCL.Workloads.OpenClJacobian)_backend.CreateJacobianBuilder(setup, model.Network);
        cpu.SetData(raw, batch.Offsets, setup.Count, model.DescriptorMean.ToArray(), model.DescriptorStd.ToArray());
        ocl.SetData(raw, batch.Offsets, setup.Count, model.DescriptorMean.ToArray(), model.DescriptorStd.ToArray());
        cpu.Compute(model.Network, rows, true, p1, j1);
        ocl.Compute(model.Network, rows, true, p2, j2);
        double pe = MaxRel(p2, p1, 1.0), je = MaxRel(j2, j1, 1.0);
        // normal matrix on the device vs the host product
        int m = rows.Length;
        var a = new double[m * m];
        ocl.ComputeNormalMatrix(a);
        double ae = 0;
        for (int k = 0; k < m; k++)
            for (int l = 0; l < m; l++)
            {
                double s = 0;
                for (int w = 0; w < p; w++) s += j1[k * p + w] * j1[l * p + w];
                ae = Math.Max(ae, Math.Abs(a[k * m + l] - s) / Math.Max(1, Math.Abs(s)));
            }
        output.WriteLine($"OpenCL vs CPU Jacobian ({m} rows x {p}): predictions {pe:E2}, rows {je:E2}, J J^T {ae:E2}");
        Assert.True(pe < 1e-10 && je < 1e-10 && ae < 1e-10, $"Jacobian OpenCL vs CPU: p {pe}, J {je}, JJt {ae}");
    }
}

/// <summary>Batches split into several launches give the same results as one launch, with progress per launch.</summary>
public sealed class OpenClChunkingTests(OpenClFixture fx) : IClassFixture<OpenClFixture>
{
    [SkippableFact]
    public void SplitLaunchesGiveTheSameResults()
    {
        var ctx = fx.Context();
        var batch = ReferenceData.RandomBatch(80, 50, 5);
        int nc = batch.ClusterCount;
        double[] e1 = new double[nc], e2 = new double[nc], f1 = new double[batch.Positions.Length], f2 = new double[batch.Positions.Length];
        using var t = new AlHpc.OpenCL.Workloads.OpenClTersoff(ctx, TersoffParameters.MlBop);
        t.Evaluate(batch, e1, f1);
        t.Geometry.LaunchAtomLimit = 300;
        var calls = new List<long>();
        t.Evaluate(batch, e2, f2, (done, total) => calls.Add(done));
        Assert.True(calls.Count >= batch.AtomCount / 300, $"expected several launches, got {calls.Count}");
        Assert.Equal(nc, calls[^1]);
        Assert.Equal(e1, e2);
        Assert.Equal(f1, f2);
    }
}

/// <summary>The LM trainer with the OpenCL Jacobian builder follows the CPU trainer's path.</summary>
public sealed class OpenClTrainerTests(OpenClFixture fx) : IClassFixture<OpenClFixture>
{
    [SkippableTheory]
    [InlineData(true, 4)]
    [InlineData(false, 0)]
    public void TrainingWithOpenClJacobianMatchesCpu(bool anchor, int batch)
    {
        var ctx = fx.Context();
        var set = AlHpc.Tests.Training.TrainerTestData.Make(24, 5, features: 26);
        var opt = AlHpc.Training.TrainingSettings.Aenet with { Epochs = 6, BatchSize = batch, Seed = 3, HiddenLayers = [10, 10], AnchorIsolatedAtom = anchor, Threads = 1 };
        var cpu = AlHpc.Training.LmTrainer.Train(set, opt);
        // the trainer decides the architecture and makes the device builder for it (and disposes it)
        var ocl = AlHpc.Training.LmTrainer.Train(set, opt with { JacobianBuilder = (setup, net) => new AlHpc.OpenCL.Workloads.OpenClJacobian(ctx, setup, net) });
        Assert.Equal(cpu.Curve.Count, ocl.Curve.Count);
        for (int e = 0; e < cpu.Curve.Count; e++)
        {
            Assert.Equal(cpu.Curve[e].TrainMae, ocl.Curve[e].TrainMae, 1e-6 * Math.Max(1, cpu.Curve[e].TrainMae));
            Assert.Equal(cpu.Curve[e].Accepted, ocl.Curve[e].Accepted);
        }
        var w1 = cpu.Model.Network.WeightValues.ToArray();
        var w2 = ocl.Model.Network.WeightValues.ToArray();
        for (int i = 0; i < w1.Length; i++) Assert.Equal(w1[i], w2[i], 1e-7 * Math.Max(1, Math.Abs(w1[i])));
    }
}
