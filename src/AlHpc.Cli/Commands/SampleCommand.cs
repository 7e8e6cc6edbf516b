using System.CommandLine;
using System.Globalization;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Optimization;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Cli.Commands;

/// <summary>
/// alhpc sample metropolis|nested (--size N | --start FILE) [options] -o OUT.xyz: Monte Carlo of one
/// cluster with the reference potential (ML-BOP by default), extxyz trajectory with energies.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var cmd = new Command("sample", "Monte Carlo of one cluster (Metropolis or nested sampling) with the Stillinger criterion; writes an extxyz trajectory with energies (eV, A, K).");
        var method = new Argument<string>("method") { Description = "metropolis (canonical, NVT) or nested (falling energy ceiling per bead, ClassyMC style)" };
        method.AcceptOnlyFromAmong("metropolis", "nested");
        var size = new Option<int?>("--size", "-n") { Description = "Start from a random connected cluster of N beads (bonds 2.7 A, no pair closer than 2.2 A), built from the seed" };
        var start = new Option<string?>("--start") { Description = "Start from the first structure of this file (.xyz/.extxyz/.xsf)" };
        var temperature = new Option<double?>("--temperature", "-T") { Description = "Temperature (K), Metropolis only (default 300); an error with nested" };
        var cycles = new Option<int>("--cycles", "-c") { Description = "Cycles (a cycle is N trial single-bead moves for N beads)", DefaultValueFactory = _ => 5000 };
        var equilibration = new Option<int?>("--equilibration") { Description = "Metropolis only: first cycles in which the step is tuned to ~50 % acceptance (default: cycles/10); no frames from them" };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Random seed: the same seed gives the same trajectory bit for bit", DefaultValueFactory = _ => 1UL };
        var every = new Option<int>("--every", "-k") { Description = "Write a frame every K cycles (0: only the final structure)", DefaultValueFactory = _ => 50 };
        var maxStep = new Option<double>("--max-step") { Description = "Initial maximum displacement per coordinate (A)", DefaultValueFactory = _ => 0.3 };
        var criterion = new Option<double>("--criterion") { Description = "Stillinger cluster criterion distance (A)", DefaultValueFactory = _ => McDefaults.CriterionDistance };
        var minDistance = new Option<double>("--min-distance") { Description = "Hard core: reject moves bringing two beads closer than this (A; the default is shared by all samplers, see docs/montecarlo.md); 0 disables", DefaultValueFactory = _ => McDefaults.HardCoreDistance };
        var adjust = new Option<int?>("--adjust-frequency") { Description = "Nested only: cycles between ceiling updates (ceiling drops to the median of visited energies); default 100" };
        var ceiling = new Option<double?>("--ceiling") { Description = "Nested only: initial ceiling (eV per bead); default +infinity" };
        var potential = new Option<string?>("--potential", "-p") { Description = "LAMMPS pair_style tersoff file (single element); default: the embedded ML-BOP" };
        var model = new Option<string?>("--model", "-m") { Description = "Sample with a trained network model (alhpc JSON model from train or learn) instead of a Tersoff potential" };
        var relax = new Option<bool>("--relax") { Description = "FIRE-minimize the start structure (max force 1e-3 eV/A, at most 10000 steps) before sampling" };
        var output = new Option<string>("--output", "-o") { Description = "Output trajectory (.xyz/.extxyz)", Required = true };
        cmd.Arguments.Add(method);
        foreach (var o in new Option[] { size, start, temperature, cycles, equilibration, seed, every, maxStep, criterion, minDistance, adjust, ceiling, potential, model, relax, output })
            cmd.Options.Add(o);

        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string m = pr.GetValue(method)!;
            int? n = pr.GetValue(size);
            string? startFile = pr.GetValue(start);
            string outPath = pr.GetValue(output)!;
            if ((n is null) == (startFile is null)) throw new UsageException("give exactly one of --size N and --start FILE");
            if (n is < 1) throw new UsageException("--size must be at least 1");
            if (StructureFile.FormatOf(outPath) != StructureFile.Format.ExtXyz) throw new UsageException("the output must be an extxyz trajectory (.xyz or .extxyz)");
            ulong s = pr.GetValue(seed);
            int c = pr.GetValue(cycles), k = pr.GetValue(every);
            if (c < 0) throw new UsageException("--cycles must be >= 0");
            if (k < 0) throw new UsageException("--every must be >= 0");
            // An option of the other method is an error, never silently ignored.
            var notForThisMethod = m == "metropolis" ? new Option[] { adjust, ceiling } : new Option[] { temperature, equilibration };
            foreach (var o in notForThisMethod)
                if (pr.GetResult(o) is { Implicit: false })
                    throw new UsageException($"{o.Name} does not apply to {m} sampling (it is a {(m == "metropolis" ? "nested" : "metropolis")} option)");

            IPotential pot = PotentialLoader.Load(pr.GetValue(potential), pr.GetValue(model));
            double[] positions;
            if (startFile != null)
            {
                var first = PotentialLoader.LoadStructures(startFile, "--start", pot.Species).FirstOrDefault()
                    ?? throw new InputFormatException(startFile, 0, "no structure in the file");
                positions = first.Positions;
            }
            else positions = ClusterBuilder.RandomConnected(n!.Value, s);

            if (pr.GetValue(relax))
            {
                positions = (double[])positions.Clone();
                var min = new Fire { ForceTolerance = 1e-3, MaxSteps = 10_000 }.Minimize(pot.CreateEvaluator(), positions);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"relaxed start: E = {min.Energy:F6} eV, max force {min.MaxForce:G3} eV/A after {min.Steps} steps{(min.Converged ? "" : " (not converged)")}"));
            }
            var backend = pot.CreateMcBackend();
            // Settings are validated when the sampler is built: a bad value is a usage error (exit 2).
            Func<Action<Cluster>, Action<long, long>, CancellationToken, McResult> run;
            try
            {
                if (m == "metropolis")
                {
                    var sampler = new MetropolisSampler(new MetropolisSettings
                    {
                        TemperatureK = pr.GetValue(temperature) ?? 300.0, Cycles = c, EquilibrationCycles = pr.GetValue(equilibration),
                        Seed = s, TrajectoryEvery = k, MaxStep = pr.GetValue(maxStep), CriterionDistance = pr.GetValue(criterion),
                        MinPairDistance = pr.GetValue(minDistance),
                    });
                    run = (frame, prog, ct) => sampler.Run(backend, positions, frame, prog, ct);
                }
                else
                {
                    var sampler = new NestedSampler(new NestedSettings
                    {
                        Cycles = c, AdjustFrequency = pr.GetValue(adjust) ?? 100, InitialCeilingPerBead = pr.GetValue(ceiling) ?? double.PositiveInfinity,
                        Seed = s, TrajectoryEvery = k, MaxStep = pr.GetValue(maxStep), CriterionDistance = pr.GetValue(criterion),
                        MinPairDistance = pr.GetValue(minDistance),
                    });
                    run = (frame, prog, ct) => sampler.Run(backend, positions, frame, prog, ct);
                }
            }
            catch (ArgumentException e)
            {
                throw OptionNames.Translate(e, new Dictionary<string, Option>
                {
                    ["TemperatureK"] = temperature, ["cycles"] = cycles, ["Cycles"] = cycles, ["EquilibrationCycles"] = equilibration,
                    ["TrajectoryEvery"] = every, ["MaxStep"] = maxStep, ["CriterionDistance"] = criterion, ["MinPairDistance"] = minDistance,
                    ["AdjustFrequency"] = adjust, ["InitialCeilingPerBead"] = ceiling, ["minDistance"] = minDistance, ["distance"] = criterion,
                });
            }

            using var writer = new ExtXyzWriter(outPath);
            using var signals = new SignalCancellation();
            McResult result;
            try
            {
                using var progress = new ConsoleProgress($"sample {m}", c, "cycles");
                result = run(writer.Write, progress.Report, signals.Token);
            }
            catch (OperationCanceledException)
            {
                // Interrupted (Ctrl+C, SIGTERM): keep the frames recorded so far; no temporary file stays behind.
                if (writer.FrameCount > 0)
                {
                    writer.Complete();
                    Console.Error.WriteLine($"alhpc: interrupted; the {writer.FrameCount} frames recorded so far are in {outPath}");
                }
                else Console.Error.WriteLine("alhpc: interrupted before the first frame; nothing written");
                return ExitCodes.Failure;
            }
            if (result.Status == McStatus.InvalidStart)
                throw new InputFormatException(startFile ?? "--size", 0, result.Message!);
            if (result.Status != McStatus.Completed)
            {
                Console.Error.WriteLine($"alhpc: sampling stopped: {result.Message}");
                return ExitCodes.Failure;
            }
            if (result.FramesWritten == 0)
            {
                var last = new Cluster(result.FinalPositions) { Energy = result.FinalEnergy };
                last.SetInfo("sampler", m);
                last.SetInfo("cycle", result.CyclesRun.ToString(CultureInfo.InvariantCulture));
                writer.Write(last);
            }
            writer.Complete();
            PrintSummary(m, pot, positions.Length / 3, result, writer.FrameCount, outPath);
            return ExitCodes.Success;
        }));
        return cmd;
    }

    private static void PrintSummary(string method, IPotential pot, int n, McResult r, long frames, string outPath)
    {
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"{method}: {n} beads, {r.CyclesRun} cycles, potential {pot.Name}"));
        Console.WriteLine(string.Create(ci, $"acceptance {r.AcceptanceRatio:F4} overall; rejected: {r.CriterionRejections} by the cluster criterion, {r.OverlapRejections} overlaps, {r.NonFiniteRejections} non-finite energies"));
        if (r is MetropolisResult mr)
            Console.WriteLine(string.Create(ci, $"production acceptance {mr.ProductionAcceptanceRatio:F4} (equilibration {mr.EquilibrationAcceptanceRatio:F4}, {mr.EquilibrationCycles} cycles), max step {mr.FinalMaxStep:G5} A; energy mean {mr.EnergyMean:F6} eV, std {mr.EnergyStd:F6} eV, min {mr.EnergyMin:F6} eV, max {mr.EnergyMax:F6} eV"));
        if (r is NestedResult nr)
            Console.WriteLine(string.Create(ci, $"ceiling {nr.InitialCeilingPerBead:G6} -> {nr.FinalCeilingPerBead:F6} eV/bead over {nr.CeilingHistory.Count} updates ({nr.StalledUpdates} stalled), max step {nr.FinalMaxStep:G5} A"));
        Console.WriteLine(string.Create(ci, $"final energy {r.FinalEnergy:F6} eV, lowest visited {r.LowestEnergy:F6} eV; {frames} frames -> {outPath}"));
    }
}
