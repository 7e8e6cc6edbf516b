using System.Runtime.InteropServices;
using AlHpc.Potentials;
using BenchmarkDotNet.Attributes;

namespace AlHpc.Bench;

/// <summary>
/// A Monte Carlo trial move (propose a displacement of a random bead, then reject) through the C ABI of
/// libalhpc.so (NativeAOT, called through unmanaged function pointers exactly as C calls it) against the
/// same call on the in-process .NET backend. Same clusters, same moves, same potential (ML-BOP). The
/// difference is the boundary (argument checks, handle lookup, thread guard, transition) plus AOT vs JIT
/// code generation. Needs libalhpc.so: scripts/build-native.sh (or ALHPC_LIBRARY=path).
/// Run: dotnet run -c Release --project bench/AlHpc.Bench -- --filter '*NativeBoundary*' --job short
/// </summary>
public unsafe class NativeBoundaryBenchmarks
{
    private const int Ops = 1000;

    [Params(25, 2000)]
    public int N;

    private IMcEnergyBackend _mc = null!;
    private nint _pot, _native;
    private int[] _idx = [];
    private double[] _d = [];
    private double[] _x = [];
    private delegate* unmanaged<nint, int, double, double, double, double*, int> _propose;
    private delegate* unmanaged<nint, int> _reject;

    internal static string LibraryPath()
    {
        var env = Environment.GetEnvironmentVariable("ALHPC_LIBRARY");
        if (!string.IsNullOrEmpty(env)) return env;
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "AlHpc.sln"))) d = d.Parent;
        var so = d == null ? "" : Path.Combine(d.FullName, "artifacts", "native", "lib", "libalhpc.so");
        return File.Exists(so) ? so : throw new FileNotFoundException("libalhpc.so not found: run scripts/build-native.sh or set ALHPC_LIBRARY");
    }

    [GlobalSetup]
    public void Setup()
    {
        _x = McMoveBenchmarks.TiledSeed(N / 25);
        _mc = TersoffPotential.MlBop.CreateMcBackend();
        _mc.Reset(_x);
        var rng = new Random(1);
        _idx = new int[Ops];
        _d = new double[3 * Ops];
        for (int i = 0; i < Ops; i++) _idx[i] = rng.Next(N);
        for (int i = 0; i < _d.Length; i++) _d[i] = 0.6 * (rng.NextDouble() - 0.5);

        var lib = NativeLibrary.Load(LibraryPath());
        var load = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(lib, "alhpc_potential_load_mlbop");
        var create = (delegate* unmanaged<nint, nint*, int>)NativeLibrary.GetExport(lib, "alhpc_mc_create");
        var reset = (delegate* unmanaged<nint, int, int*, double*, double*, int>)NativeLibrary.GetExport(lib, "alhpc_mc_reset");
        _propose = (delegate* unmanaged<nint, int, double, double, double, double*, int>)NativeLibrary.GetExport(lib, "alhpc_mc_propose_move");
        _reject = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "alhpc_mc_reject");
        nint p, m;
        if (load(&p) != 0) throw new InvalidOperationException("alhpc_potential_load_mlbop failed");
        if (create(p, &m) != 0) throw new InvalidOperationException("alhpc_mc_create failed");
        var types = new int[N];
        double e;
        fixed (int* pt = types) fixed (double* px = _x)
            if (reset(m, N, pt, px, &e) != 0) throw new InvalidOperationException("alhpc_mc_reset failed");
        _pot = p;
        _native = m;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    public double InProcess()
    {
        double s = 0;
        var p = _mc.Positions;
        for (int o = 0; o < Ops; o++)
        {
            int i = _idx[o];
            s += _mc.ProposeMove(i, p[3 * i] + _d[3 * o], p[3 * i + 1] + _d[3 * o + 1], p[3 * i + 2] + _d[3 * o + 2]);
            _mc.Reject();
        }
        return s;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public double ThroughCAbi()
    {
        double s = 0, dE;
        var p = _x; // the backend's positions equal the reset positions (every move is rejected)
        for (int o = 0; o < Ops; o++)
        {
            int i = _idx[o];
            if (_propose(_native, i, p[3 * i] + _d[3 * o], p[3 * i + 1] + _d[3 * o + 1], p[3 * i + 2] + _d[3 * o + 2], &dE) != 0)
                throw new InvalidOperationException("alhpc_mc_propose_move failed");
            s += dE;
            _reject(_native);
        }
        return s;
    }
}
