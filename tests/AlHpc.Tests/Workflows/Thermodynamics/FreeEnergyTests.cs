using System.Diagnostics;
using AlHpc.Potentials;
using AlHpc.Thermodynamics;
using Xunit.Abstractions;

namespace AlHpc.Tests.Thermodynamics;

/// <summary>
/// The free-energy sampler against numbers nobody here chose: the dimer's 1-D integral (quadrature
/// here) and ClassyMC's Lennard-Jones example (Example/LJNucleation/umbrella.dat).
/// </summary>
public class FreeEnergyTests(ITestOutputHelper output)
{
    /// <summary>beta dG(2) = -ln[(rho/2) int_{dmin}^{d} 4 pi r^2 exp(-beta u(r)) dr] by Simpson's rule.</summary>
    internal static double DimerExact(Func<double, double> u, double beta, double lnRho, double dmin, double d)
    {
        const int m = 200_000;
        double h = (d - dmin) / m, sum = 0;
        for (int i = 0; i <= m; i++)
        {
            double r = dmin + i * h;
            double f = 4 * Math.PI * r * r * Math.Exp(-beta * u(r));
            sum += (i == 0 || i == m ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        double integral = sum * h / 3;
        return -(lnRho - Math.Log(2) + Math.Log(integral));
    }

    /// <summary>ClassyMC's LJ_Cut: unshifted 4 eps [(s/r)^12 - (s/r)^6] cut at 7.5 sigma; eps = 1 eV, sigma = 1 A.</summary>
    internal static PairPotential ClassyLj() => new("LJ (eps 1 eV, sigma 1 A, cut 7.5, unshifted)",
        r => { double s6 = Math.Pow(r, -6); return 4 * (s6 * s6 - s6); },
        r => { double s6 = Math.Pow(r, -6); return 4 * (-12 * s6 * s6 + 6 * s6) / r; },
        7.5);

    /// <summary>T* = 0.8 with eps = 1 eV, rho* = 1e-4 with sigma = 1 A, criterion 1.5 sigma.</summary>
    internal static AvbmcSettings LjSettings(int stepsPerPeriod, int equil, int prod) => new()
    {
        TemperatureK = 0.8 / Units.BoltzmannEvPerK, LogDensity = Math.Log(1e-4), CriterionDistance = 1.5,
        MinPairDistance = 0.5, InsertionRadius = 1.5, MaxStep = 0.1,
        StepsPerPeriod = stepsPerPeriod, EquilibrationPeriods = equil, ProductionPeriods = prod, ResyncEvery = 2000,
    };

    /// <summary>ClassyMC's Example/LJNucleation/umbrella.dat, beta dG(n) for n = 1..10.</summary>
    internal static readonly double[] ClassyLjReference = [0, 6.75937520, 12.95304326, 18.89983419, 24.70292490, 30.41739923, 36.06711067, 41.66167906, 47.21824865, 52.74894545];

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(2.2, true)]   // insertion shell 2.2-4 A: the ensemble is the same, only the moves differ
    [InlineData(0.0, false)]  // ClassyMC's histogram-flattening umbrella
    public void MlBopDimerMatchesItsOneDimensionalIntegral(double innerRadius, bool transitionMatrixBias)
    {
        var settings = new AvbmcSettings
        {
            TemperatureK = 300, LogDensity = -18.420680743952367, CriterionDistance = 4.0, MinPairDistance = 1.0,
            StepsPerPeriod = 10_000, EquilibrationPeriods = 2, ProductionPeriods = 8,
            InsertionInnerRadius = innerRadius, TransitionMatrixBias = transitionMatrixBias,
        };
        var pot = TersoffPotential.MlBop;
        var ev = pot.CreateEvaluator();
        double U(double r) => ev.Compute([0, 0, 0, r, 0, 0], [], []);
        double exact = DimerExact(U, settings.Beta, settings.LogDensity, settings.MinPairDistance, settings.CriterionDistance);
        var sw = Stopwatch.StartNew();
        // 8 runs: the standard error comes from their spread, and with 4 runs (3 degrees of freedom) it is itself
        // too uncertain for a tight test (4 estimated standard errors are only a ~97 % interval of Student's t).
        var result = FreeEnergy.Compute(pot, settings, new FreeEnergyOptions { MaxSize = 2, WindowWidth = 2, Runs = 8, Seed = 3, Threads = 2 });
        output.WriteLine($"dimer: sampled {result.BetaDeltaG[1]:F4} +- {result.StdErr[1]:F4}, exact {exact:F4}; {sw.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, result.BetaDeltaG[0]);
        Assert.True(result.StdErr[1] < 0.05, $"stderr {result.StdErr[1]} too large to test anything");
        Assert.True(Math.Abs(result.BetaDeltaG[1] - exact) < 5 * result.StdErr[1] + 1e-3, // t(7) 99.9 %: 5.4
            $"sampled {result.BetaDeltaG[1]} +- {result.StdErr[1]}, exact {exact}");
        // The other estimator (WHAM) from the same trajectories, against the same integral.
        output.WriteLine($"dimer, the other estimator (WHAM): {result.OtherBetaDeltaG[1]:F4} +- {result.OtherStdErr[1]:F4}");
        Assert.True(result.OtherStdErr[1] < 0.05 && result.OtherStdErr[1] > 0);
        Assert.True(Math.Abs(result.OtherBetaDeltaG[1] - exact) < 5 * result.OtherStdErr[1] + 1e-3,
            $"WHAM {result.OtherBetaDeltaG[1]} +- {result.OtherStdErr[1]}, exact {exact}");
    }

    [Fact]
    public void LennardJonesDimerQuadratureMatchesClassyMc()
    {
        // The dimer of ClassyMC's LJ example is exact by quadrature: their sampled 6.7594 must agree.
        var lj = ClassyLj();
        var s = LjSettings(1000, 0, 1);
        double exact = DimerExact(lj.PairEnergy, s.Beta, s.LogDensity, 0.5, 1.5);
        output.WriteLine($"LJ dimer exact {exact:F5}, ClassyMC {ClassyLjReference[1]:F5}");
        Assert.True(Math.Abs(exact - ClassyLjReference[1]) < 0.02);
    }

    [Fact]
    public void LennardJonesClusterMatchesClassyMcUpToFive()
    {
        var lj = ClassyLj();
        var s = LjSettings(20_000, 4, 10);
        var sw = Stopwatch.StartNew();
        var r = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = 5, WindowWidth = 5, Runs = 4, Seed = 11, Threads = 2 });
        output.WriteLine($"{sw.Elapsed.TotalSeconds:F1} s, {r.StepsPerSecond:F0} steps/s, swap acceptance {(double)r.SwapAccepted / r.SwapAttempts:F3}");
        for (int i = 0; i < r.Sizes.Length; i++)
        {
            double refv = ClassyLjReference[i];
            output.WriteLine($"n={r.Sizes[i]}: {r.BetaDeltaG[i]:F4} +- {r.StdErr[i]:F4} (ClassyMC {refv:F4})");
            // ClassyMC's own values carry a statistical error too (their dimer is 0.005 off the exact integral).
            double tol = 4 * Math.Sqrt(r.StdErr[i] * r.StdErr[i] + 0.02 * 0.02);
            Assert.True(Math.Abs(r.BetaDeltaG[i] - refv) < tol, $"n={r.Sizes[i]}: {r.BetaDeltaG[i]} +- {r.StdErr[i]} vs {refv}");
            double tolOther = 4 * Math.Sqrt(r.OtherStdErr[i] * r.OtherStdErr[i] + 0.02 * 0.02);
            Assert.True(Math.Abs(r.OtherBetaDeltaG[i] - refv) < tolOther, $"n={r.Sizes[i]} (the other estimator): {r.OtherBetaDeltaG[i]} +- {r.OtherStdErr[i]} vs {refv}");
        }
        Assert.True(r.StdErr[^1] < 0.1, $"stderr {r.StdErr[^1]} too large to test anything");
    }

    [Fact]
    public void WhamRecoversTheDistributionFromBiasedPeriods()
    {
        // Exact expected histograms of three periods with different biases over a known P(n).
        double[] lnP = [0, -1.5, -2.2, -4.0, -3.1];
        double[][] biases = [[0, 1, 2, 3, 4], [0, 2.5, 1, 4, 2], [0, 0, 0, 0, 0]];
        long[] totals = [1_000_000, 500_000, 2_000_000];
        var periods = new List<UmbrellaPeriod>();
        for (int p = 0; p < 3; p++)
        {
            var q = lnP.Select((v, i) => Math.Exp(v + biases[p][i])).ToArray();
            double z = q.Sum();
            periods.Add(new UmbrellaPeriod(biases[p], q.Select(v => (long)Math.Round(totals[p] * v / z)).ToArray()));
        }
        var est = Wham.LogProbabilities(periods);
        for (int i = 0; i < lnP.Length; i++) Assert.Equal(lnP[i], est[i], 2e-3);
        // A bin no period visited stays -infinity (the caller reports it, never writes it).
        periods.ForEach(p => p.Histogram[4] = 0);
        Assert.Equal(double.NegativeInfinity, Wham.LogProbabilities(periods)[4]);
    }

    [Fact]
    public void TransitionSumsGiveTheRatioOfMeanAcceptances()
    {
        // Three sizes: up 0 -> 1 mean 0.2, down 1 -> 0 mean 0.05 (ln P1 - ln P0 = ln 4); up 1 -> 2 mean 0.01,
        // down 2 -> 1 mean 0.1 (ln P2 - ln P1 = ln 0.1).
        var t = new TransitionSums([20, 3, 0], [100, 300, 0], [0, 10, 5], [0, 200, 50]);
        var lnP = t.LogProbabilities();
        Assert.Equal(0, lnP[0]);
        Assert.Equal(Math.Log(4), lnP[1], 12);
        Assert.Equal(Math.Log(4) + Math.Log(0.1), lnP[2], 12);
        var twice = t.Combine(t, 1);
        Assert.Equal(lnP, twice.LogProbabilities());
        Assert.Equal(t.InsertCount, twice.Combine(t, -1).InsertCount);
        // No accepted removal from size 2: the ratio and everything after it are unknown, never NaN.
        var blind = new TransitionSums([20, 3, 0], [100, 300, 0], [0, 10, 0], [0, 200, 50]);
        Assert.Equal(double.NegativeInfinity, blind.LogProbabilities()[2]);
    }

    [Fact]
    public void TheEstimatorChoiceOnlySwapsTheColumns()
    {
        // Both estimators come from the same trajectories: choosing one reports it and keeps the other beside it.
        var lj = ClassyLj();
        var s = LjSettings(2000, 1, 3);
        var tm = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = 4, WindowWidth = 3, Runs = 3, Seed = 8, Threads = 2 });
        var wh = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = 4, WindowWidth = 3, Runs = 3, Seed = 8, Threads = 2, Estimator = FreeEnergyEstimator.Wham });
        Assert.Equal(FreeEnergyEstimator.TransitionMatrix, new FreeEnergyOptions().Estimator);
        Assert.Equal(tm.BetaDeltaG, wh.OtherBetaDeltaG);
        Assert.Equal(tm.StdErr, wh.OtherStdErr);
        Assert.Equal(wh.BetaDeltaG, tm.OtherBetaDeltaG);
        Assert.NotEqual(tm.BetaDeltaG, wh.BetaDeltaG);
    }

    [Fact]
    public void SameSeedSameResultWhateverTheThreadCount()
    {
        var lj = ClassyLj();
        var s = LjSettings(500, 1, 2);
        var a = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = 4, WindowWidth = 3, Runs = 2, Seed = 5, Threads = 1 });
        var b = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = 4, WindowWidth = 3, Runs = 2, Seed = 5, Threads = 2 });
        var c = FreeEnergy.Compute(lj, s, new FreeEnergyOptions { MaxSize = 4, WindowWidth = 3, Runs = 2, Seed = 6, Threads = 2 });
        Assert.Equal(a.BetaDeltaG, b.BetaDeltaG);
        Assert.Equal(a.StdErr, b.StdErr);
        Assert.Equal(a.OtherBetaDeltaG, b.OtherBetaDeltaG);
        Assert.NotEqual(a.BetaDeltaG, c.BetaDeltaG);
        Assert.Equal(new[] { (1, 3), (3, 4) }, a.Windows);
    }
}
