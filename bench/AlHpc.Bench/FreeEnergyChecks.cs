using System.Diagnostics;
using AlHpc.MonteCarlo;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Thermodynamics;

namespace AlHpc.Bench;

/// <summary>
/// Documented checks of `alhpc freeenergy` too long for the test suite.
/// <para>
/// `dotnet run -c Release --project bench/AlHpc.Bench -- lj-classymc [N]`: ClassyMC's Lennard-Jones
/// example (Example/LJNucleation: T* = 0.8, rho* = 1e-4, criterion 1.5 sigma, LJ_Cut unshifted at 7.5 sigma)
/// for n = 1..N (default 10) against their umbrella.dat.
/// </para>
/// <para>
/// `dotnet run -c Release --project bench/AlHpc.Bench -- avbmc-cputime [MODEL.json]`: CPU time (not wall
/// time: the machine may be shared) of one translation and one insertion/removal attempt on ML-BOP (and the
/// network when a model is given), single thread, around the 25-molecule seed cluster.
/// </para>
/// </summary>
public static class FreeEnergyChecks
{
    private static readonly double[] ClassyLj = [0, 6.75937520, 12.95304326, 18.89983419, 24.70292490, 30.41739923, 36.06711067, 41.66167906, 47.21824865, 52.74894545];

    public static void LennardJones(int maxN)
    {
        maxN = Math.Clamp(maxN, 2, 10);
        var lj = new PairPotential("LJ (ClassyMC LJ_Cut: eps 1 eV, sigma 1 A, unshifted, cut 7.5)",
            r => { double s6 = Math.Pow(r, -6); return 4 * (s6 * s6 - s6); },
            r => { double s6 = Math.Pow(r, -6); return 4 * (-12 * s6 * s6 + 6 * s6) / r; }, 7.5);
        var s = new AvbmcSettings
        {
            TemperatureK = 0.8 / Units.BoltzmannEvPerK, LogDensity = Math.Log(1e-4), CriterionDistance = 1.5, MinPairDistance = 0.5,
            InsertionRadius = 1.5, MaxStep = 0.1, StepsPerPeriod = 40_000, EquilibrationPeriods = 4, ProductionPeriods = 12, ResyncEvery = 2000,
        };
        var sw = Stopwatch.StartNew();
        var r = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = maxN, WindowWidth = 6, Runs = 4, Seed = 11 });
        Console.WriteLine($"n  AlHpc            ClassyMC   diff/stderr   ({sw.Elapsed.TotalSeconds:F0} s, {r.Steps:N0} steps)");
        int bad = 0;
        for (int i = 0; i < r.Sizes.Length; i++)
        {
            double z = r.StdErr[i] > 0 ? (r.BetaDeltaG[i] - ClassyLj[i]) / r.StdErr[i] : 0;
            if (Math.Abs(r.BetaDeltaG[i] - ClassyLj[i]) > 4 * Math.Sqrt(r.StdErr[i] * r.StdErr[i] + 0.02 * 0.02)) bad++;
            Console.WriteLine($"{r.Sizes[i],2} {r.BetaDeltaG[i],8:F3} +- {r.StdErr[i]:F3} {ClassyLj[i],9:F3} {z,8:F1}");
        }
        Console.WriteLine(bad == 0 ? "PASS: every size within 4 standard errors (ClassyMC's given 0.02)" : $"FAIL: {bad} sizes off");
        Environment.ExitCode = bad == 0 ? 0 : 1;
    }

    public static void CpuTime(string? modelPath)
    {
        var pots = new List<IPotential> { TersoffPotential.MlBop };
        if (modelPath != null) pots.Add(new NnPotential(ModelFile.Load(modelPath)));
        var start = McMoveBenchmarks.TiledSeed(1);
        foreach (var pot in pots)
            foreach (var (label, swap, gamma) in new[] { ("translation", 1e-12, 1.0), ("insert/remove, energy bias", 1.0, 1.0), ("insert/remove, uniform", 1.0, 0.0) })
            {
                var s = new AvbmcSettings { SwapFraction = swap, BiasStrength = gamma, StepsPerPeriod = 20_000, ResyncEvery = 0 };
                var w = new AvbmcWalker(s, pot.CreateMcBackend(), 24, 26);
                if (!w.Load(start)) throw new InvalidOperationException("seed rejected");
                var rng = new McRandom(3);
                w.Run(ref rng, 0, 1);
                double best = double.MaxValue;
                long acc = 0, att = 0;
                for (int trial = 0; trial < 3; trial++)
                {
                    w.Load(start);
                    var t0 = Process.GetCurrentProcess().TotalProcessorTime;
                    var (_, st) = w.Run(ref rng, 0, 1);
                    var t1 = Process.GetCurrentProcess().TotalProcessorTime;
                    best = Math.Min(best, (t1 - t0).TotalSeconds / st.Steps * 1e6);
                    acc += st.InsertAccepted + st.RemoveAccepted + st.TranslateAccepted;
                    att += st.InsertAttempts + st.RemoveAttempts + st.TranslateAttempts;
                }
                Console.WriteLine($"{pot.Name}: {label}: {best:F2} us CPU per step (acceptance {(double)acc / att:F3})");
            }
    }

    /// <summary>
    /// `avbmc-efficiency [key=value ...]` (keys: inner, radius, swap, equil, prod, steps, runs, window, maxn, seed,
    /// model): one `alhpc freeenergy` calculation with the given settings; prints the largest standard error,
    /// the CPU time and the projected wall time on 2 cores for a largest standard error of 0.2 kT (the variance
    /// falls as 1/steps), so that sampler settings can be compared per unit of work on a shared machine.
    /// </summary>
    public static void Efficiency(string[] args)
    {
        var kv = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        double D(string k, double d) => kv.TryGetValue(k, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : d;
        var def = new AvbmcSettings();
        var s = def with
        {
            InsertionInnerRadius = D("inner", def.InsertionInnerRadius), SwapFraction = D("swap", def.SwapFraction),
            InsertionRadius = kv.ContainsKey("radius") ? D("radius", 4) : def.InsertionRadius,
            EquilibrationPeriods = (int)D("equil", def.EquilibrationPeriods), ProductionPeriods = (int)D("prod", def.ProductionPeriods),
            StepsPerPeriod = (int)D("steps", def.StepsPerPeriod), TransitionMatrixBias = D("tmbias", 1) != 0,
        };
        var o = new FreeEnergyOptions { MaxSize = (int)D("maxn", 50), Runs = (int)D("runs", 4), WindowWidth = (int)D("window", 6), Seed = (ulong)D("seed", 1),
            Estimator = D("wham", 0) != 0 ? FreeEnergyEstimator.Wham : FreeEnergyEstimator.TransitionMatrix };
        IPotential pot = kv.TryGetValue("model", out var m) ? new NnPotential(ModelFile.Load(m)) : TersoffPotential.MlBop;
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var r = FreeEnergy.Compute(pot, s, o);
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        double se = r.StdErr.Max();
        int at = Array.IndexOf(r.StdErr, se) + 1;
        double projected = cpu * (se / 0.2) * (se / 0.2) / 2 / 60;
        double seo = r.OtherStdErr.Max();
        var (dd, dAt, dz) = r.EstimatorAgreement();
        Console.WriteLine(System.FormattableString.Invariant(
            $"{pot.Name}: {string.Join(' ', args)} | steps {r.Steps:N0}, wall {r.Seconds:F0} s, cpu {cpu:F0} s ({r.Steps / cpu:N0} steps/cpu-s) | swap acc {(double)r.SwapAccepted / r.SwapAttempts:F4}, transl acc {(double)r.TranslateAccepted / r.TranslateAttempts:F3} | max stderr {se:F3} at n={at}, se(10)={r.StdErr[Math.Min(9, r.StdErr.Length - 1)]:F3} | G(N)={r.BetaDeltaG[^1]:F2} | 0.2 kT projected {projected:F1} min on 2 cores | other estimator: max stderr {seo:F3}, G(N)={r.OtherBetaDeltaG[^1]:F2}, projected {cpu * (seo / 0.2) * (seo / 0.2) / 2 / 60:F1} min; largest difference {dd:F3} at n={dAt} ({dz:F1} sigma)"));
        Console.WriteLine("  variance added by each window (estimator, other): " + string.Join("  ", r.Windows.Select(w =>
            System.FormattableString.Invariant($"{w.Lo}-{w.Hi}: {Sq(r.StdErr[w.Hi - 1]) - Sq(r.StdErr[w.Lo - 1]):F4}/{Sq(r.OtherStdErr[w.Hi - 1]) - Sq(r.OtherStdErr[w.Lo - 1]):F4}"))));
        static double Sq(double x) => x * x;
    }
}
