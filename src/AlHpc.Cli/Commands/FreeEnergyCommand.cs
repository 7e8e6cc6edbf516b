using System.CommandLine;
using System.Globalization;
using AlHpc.Potentials;
using AlHpc.Reporting;
using AlHpc.Thermodynamics;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc freeenergy [--potential F | --model M] [--temperature K] [--log-density LN_RHO] [--max-size N]
/// [--seed S] -o OUT.csv [--figure F.png] [--compare OTHER.csv]: the free energy of cluster formation
/// against cluster size by energy-biased AVBMC with an umbrella on n and WHAM (docs/freeenergy.md).
/// </summary>
public static class FreeEnergyCommand
{
    public static Command Create()
    {
        var cmd = new Command("freeenergy", "Free energy of cluster formation against cluster size, beta*dG(n) = -ln(rho_n/rho_1), by energy-biased AVBMC with an umbrella on n and WHAM; CSV (n, beta_dG, stderr, dG_eV) and Figure 5 (docs/freeenergy.md).");
        var potential = new Option<string?>("--potential", "-p") { Description = "LAMMPS pair_style tersoff file (single element); default: the built-in ML-BOP" };
        var model = new Option<string?>("--model", "-m") { Description = "A trained network model (.json) instead of a Tersoff potential" };
        var temperature = new Option<double>("--temperature", "-T") { Description = "Temperature (K)", DefaultValueFactory = _ => 300.0 };
        var logDensity = new Option<double>("--log-density") { Description = "ln(rho) of the monomer vapour, rho in A^-3 (default ln 1e-8 = -18.4207, ClassyMC's water example); another density is a shift: -(n-1) ln(rho/rho0)", DefaultValueFactory = _ => Math.Log(1e-8) };
        var maxSize = new Option<int>("--max-size", "-N") { Description = "Largest cluster size (the curve covers 1..N)", DefaultValueFactory = _ => 50 };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Random seed (the same seed gives the same result for any thread count)", DefaultValueFactory = _ => 1UL };
        var criterion = new Option<double>("--criterion") { Description = "Stillinger cluster criterion distance (A)", DefaultValueFactory = _ => 4.0 };
        var minDistance = new Option<double>("--min-distance") { Description = "Hard core (A): configurations with a closer pair are outside the ensemble (the project's one default, as in learn and sample); 0 disables", DefaultValueFactory = _ => new AvbmcSettings().MinPairDistance };
        var radius = new Option<double?>("--radius") { Description = "Radius of the insertion sphere around the target (A); default: the criterion distance" };
        var innerRadius = new Option<double>("--inner-radius") { Description = "Inner radius of the insertion region (A): insertions go into the shell between it and --radius, removals choose among the target's beads in that shell; 0: the whole sphere (ClassyMC's)", DefaultValueFactory = _ => new AvbmcSettings().InsertionInnerRadius };
        var bias = new Option<double>("--bias") { Description = "Energy bias of the removal choice, weight exp(-bias * beta * dU_remove); 0: uniform (classic AVBMC)", DefaultValueFactory = _ => 1.0 };
        var window = new Option<int>("--window") { Description = "Sizes per window (windows overlap in one size and run in parallel)", DefaultValueFactory = _ => new FreeEnergyOptions().WindowWidth };
        var runs = new Option<int>("--runs") { Description = "Independent runs per window (the standard error is their spread; >= 2)", DefaultValueFactory = _ => new FreeEnergyOptions().Runs };
        var steps = new Option<int>("--steps-per-period") { Description = "Monte Carlo steps per umbrella period", DefaultValueFactory = _ => new AvbmcSettings().StepsPerPeriod };
        var equil = new Option<int>("--equilibration-periods") { Description = "Periods that adapt the umbrella and the step, then discarded", DefaultValueFactory = _ => new AvbmcSettings().EquilibrationPeriods };
        var prod = new Option<int>("--production-periods") { Description = "Periods whose samples are kept (the umbrella keeps adapting between them)", DefaultValueFactory = _ => new AvbmcSettings().ProductionPeriods };
        var swap = new Option<double>("--swap-fraction") { Description = "Fraction of steps that are insertions/removals (the rest are translations)", DefaultValueFactory = _ => new AvbmcSettings().SwapFraction };
        var estimator = new Option<string>("--estimator") { Description = "tmmc: transition matrix of every insertion/removal attempt, runs pooled, jackknife errors; wham: umbrella histograms + WHAM, spread of the runs (ClassyMC's). Both come from the same trajectories; the other is written beside it as a check", DefaultValueFactory = _ => "tmmc" };
        var output = new Option<string>("--output", "-o") { Description = "Output CSV (n, beta_dG, stderr, dG_eV; the definition in '#' header lines)", Required = true };
        var figure = new Option<string?>("--figure") { Description = "Figure 5 as PNG (this curve, and the --compare curves, with error bands)" };
        var compare = new Option<string[]>("--compare") { Description = "CSV of an earlier alhpc freeenergy run to compare with (largest difference in kT; drawn in the figure); repeatable", AllowMultipleArgumentsPerToken = false };
        foreach (var o in new Option[] { potential, model, temperature, logDensity, maxSize, seed, criterion, minDistance, radius, innerRadius, bias, window, runs, steps, equil, prod, swap, estimator, output, figure, compare })
            cmd.Options.Add(o);
        var threads = ThreadsOption.Add(cmd, "Results do not depend on it.");

        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var ci = CultureInfo.InvariantCulture;
            int n = pr.GetValue(maxSize);
            double t = pr.GetValue(temperature), lr = pr.GetValue(logDensity);
            if (n < 1) throw new UsageException($"--max-size must be at least 1 (got {n})");
            if (!(t > 0) || !double.IsFinite(t)) throw new UsageException($"--temperature must be a positive finite number of K (got {t.ToString(ci)})");
            if (!double.IsFinite(lr)) throw new UsageException($"--log-density must be finite (got {lr.ToString(ci)})");
            string est = pr.GetValue(estimator)!;
            if (est is not ("wham" or "tmmc")) throw new UsageException($"--estimator must be wham or tmmc (got '{est}')");
            string outPath = pr.GetValue(output)!;
            string? figPath = pr.GetValue(figure);
            if (figPath != null && !figPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new UsageException("--figure must be a .png file");
            // Read the comparison curves first: a bad file fails before any sampling.
            var others = (pr.GetValue(compare) ?? []).Select(FreeEnergyCurve.Read).ToList();
            IPotential pot = PotentialLoader.Load(pr.GetValue(potential), pr.GetValue(model));
            var settings = new AvbmcSettings
            {
                TemperatureK = t, LogDensity = lr, CriterionDistance = pr.GetValue(criterion), MinPairDistance = pr.GetValue(minDistance),
                InsertionRadius = pr.GetValue(radius), InsertionInnerRadius = pr.GetValue(innerRadius), BiasStrength = pr.GetValue(bias), SwapFraction = pr.GetValue(swap),
                StepsPerPeriod = pr.GetValue(steps), EquilibrationPeriods = pr.GetValue(equil), ProductionPeriods = pr.GetValue(prod),
            };
            var options = new FreeEnergyOptions
            {
                Estimator = est == "tmmc" ? FreeEnergyEstimator.TransitionMatrix : FreeEnergyEstimator.Wham,
                MaxSize = n, WindowWidth = pr.GetValue(window), Runs = pr.GetValue(runs), Seed = pr.GetValue(seed), Threads = ThreadsOption.MaxDegreeOfParallelism(pr, threads),
            };
            try { settings.Validate(); options.Validate(); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException($"bad option value: {e.Message.Split(" (Parameter")[0]}"); }

            var windows = FreeEnergy.Windows(n, options.WindowWidth);
            long total = (long)windows.Length * options.Runs * settings.StepsPerPeriod * (settings.EquilibrationPeriods + settings.ProductionPeriods);
            Console.Error.WriteLine(string.Create(ci, $"alhpc freeenergy: {pot.Name}, n = 1..{n}, {settings.TemperatureK} K, ln rho = {settings.LogDensity:F4}; {windows.Length} windows x {options.Runs} runs, {total:N0} steps"));
            FreeEnergyResult result;
            using (var progress = new ConsoleProgress("freeenergy", total, "steps"))
                result = FreeEnergy.Compute(pot, settings, options, progress.Report);
            if (result.BetaDeltaG.Any(v => !double.IsFinite(v)) || result.StdErr.Any(v => !double.IsFinite(v)))
                throw new InvalidOperationException("non-finite free energy (a size was not sampled); nothing written");
            result.WriteCsv(outPath);
            var curve = FreeEnergyCurve.From(result);
            var dg = result.DeltaGEv;
            Console.WriteLine("    n     beta_dG    stderr       dG_eV");
            for (int i = 0; i < result.Sizes.Length; i++)
                Console.WriteLine(string.Create(ci, $"{result.Sizes[i],5} {result.BetaDeltaG[i],11:F4} {result.StdErr[i],9:F4} {dg[i],11:F6}"));
            Console.WriteLine(string.Create(ci, $"{result.Steps:N0} steps in {result.Seconds:F1} s ({result.StepsPerSecond:N0} steps/s); insertion/removal acceptance {(double)result.SwapAccepted / Math.Max(1, result.SwapAttempts):F4}, translation {(double)result.TranslateAccepted / Math.Max(1, result.TranslateAttempts):F4}; largest standard error {result.StdErr.Max():F3} kT"));
            var (agreeDiff, agreeAt, agreeSigma) = result.EstimatorAgreement();
            Console.WriteLine(string.Create(ci, $"estimators: {FreeEnergyResult.EstimatorName(result.Options.Estimator)} (reported) against {FreeEnergyResult.EstimatorName(result.OtherEstimator)}: largest difference {agreeDiff:F3} kT at n = {agreeAt} ({agreeSigma:F1} combined standard errors)"));
            foreach (var o in others)
            {
                var (d, at, se, common) = curve.Compare(o);
                if (common == 0) { Console.WriteLine($"compare {o.Name}: no common sizes"); continue; }
                if (double.IsFinite(o.TemperatureK) && Math.Abs(o.TemperatureK - t) > 1e-9)
                    Console.WriteLine(string.Create(ci, $"warning: {o.Name} was computed at {o.TemperatureK} K, this run at {t} K"));
                Console.WriteLine(string.Create(ci, $"compare {o.Name}: largest |difference| {d:F3} kT at n = {at} (combined standard error {se:F3} kT) over {common} sizes"));
            }
            if (figPath != null)
            {
                var series = new List<BandSeries>();
                foreach (var c in others.Prepend(curve))
                    series.Add(new BandSeries(c.Name, c.Sizes.Select(v => (double)v).ToArray(), c.BetaDeltaG, c.StdErr));
                Plots.Bands(figPath, string.Create(ci, $"Free energy of cluster formation, {t:G4} K, ln rho = {lr:F3}"), "cluster size n (molecules)",
                    "beta dG(n) (kT)", series, note: "bands: +- 1 standard error");
                Console.Error.WriteLine($"  wrote {figPath}");
            }
            Console.Error.WriteLine($"  wrote {outPath}");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
