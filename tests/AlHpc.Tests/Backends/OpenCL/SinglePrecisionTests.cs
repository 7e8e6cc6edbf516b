using AlHpc.Compute;
using AlHpc.OpenCL;
using AlHpc.OpenCL.Native;
using AlHpc.Tests.Backends;
using AlHpc.Potentials;
using Xunit.Abstractions;

namespace AlHpc.Tests.OpenCL;

/// <summary>
/// Single precision (float geometry/descriptors/network, double accumulation) against the CPU double path:
/// measures the error (reported in the test output and docs/opencl.md) and bounds it.
/// </summary>
public sealed class SinglePrecisionTests(OpenClFixture fx, ITestOutputHelper output) : IClassFixture<OpenClFixture>
{
    [SkippableFact]
    public void SinglePrecisionErrorIsSmallAndMeasured()
    {
        fx.RequireOpenCl();
        var single = new OpenClComputeBackend(fx.Context(OpenClPrecision.Single), ownsContext: false);
        var cpu = new CpuComputeBackend();
        var batch = ReferenceData.RandomBatch(100, 60, 91);
        int nc = batch.ClusterCount, n = batch.AtomCount;
        double[] e1 = new double[nc], e2 = new double[nc], f1 = new double[3 * n], f2 = new double[3 * n];

        cpu.Tersoff(TersoffParameters.MlBop, batch, e1, f1);
        single.Tersoff(TersoffParameters.MlBop, batch, e2, f2);
        var (teAtom, tfMax, tfMean) = Errors(batch, e1, e2, f1, f2);

        var setup = PlainReference.Water26();
        var model = PlainReference.RandomModel(setup, batch, 12);
        cpu.Nn(model, batch, e1, f1);
        single.Nn(model, batch, e2, f2);
        var (neAtom, nfMax, nfMean) = Errors(batch, e1, e2, f1, f2);

        output.WriteLine($"single vs double, {nc} clusters / {n} atoms:");
        output.WriteLine($"  Tersoff: energy max |dE|/N {teAtom:E2} eV/atom; force max {tfMax:E2}, mean {tfMean:E2} eV/A");
        output.WriteLine($"  NN:      energy max |dE|/N {neAtom:E2} eV/atom; force max {nfMax:E2}, mean {nfMean:E2} eV/A");
        // bounds 10x below the method's scales (1 meV/molecule selection tolerance, ~40 meV/A force errors)
        Assert.True(teAtom < 1e-4 && neAtom < 1e-4, $"energy error per atom: Tersoff {teAtom}, NN {neAtom}");
        Assert.True(tfMax < 1e-2 && nfMax < 1e-2, $"force error: Tersoff {tfMax}, NN {nfMax}");
        // and single precision is really in use (not silently double)
        Assert.True(Math.Max(teAtom, neAtom) > 1e-12, "single-precision results are bit-identical to double: precision not applied?");
    }

    private static (double EAtom, double FMax, double FMean) Errors(AlHpc.Structures.ClusterBatch b, double[] e1, double[] e2, double[] f1, double[] f2)
    {
        double ea = 0, fm = 0, fs = 0;
        for (int c = 0; c < b.ClusterCount; c++) if (b.SizeOf(c) > 0) ea = Math.Max(ea, Math.Abs(e1[c] - e2[c]) / b.SizeOf(c));
        for (int i = 0; i < f1.Length; i++) { double d = Math.Abs(f1[i] - f2[i]); fm = Math.Max(fm, d); fs += d; }
        return (ea, fm, fs / Math.Max(1, f1.Length));
    }
}
