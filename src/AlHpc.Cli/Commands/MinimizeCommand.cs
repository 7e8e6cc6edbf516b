using System.CommandLine;
using System.Globalization;
using AlHpc.IO;
using AlHpc.Optimization;
using AlHpc.Structures;

namespace AlHpc.Cli.Commands;

/// <summary>alhpc minimize FILE [--potential FILE.tersoff | --model MODEL] [--fmax 1e-4] [--max-steps N] -o OUT</summary>
public static class MinimizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("file") { Description = "Structures to relax: extended XYZ (.xyz/.extxyz) or aenet XSF (.xsf)." };
        var potential = new Option<string?>("--potential", "-p") { Description = "LAMMPS pair_style tersoff file (single element). Default: the built-in ML-BOP." };
        var fmax = new Option<double>("--fmax") { Description = "Force tolerance (eV/A): stop when every bead's force norm is below it.", DefaultValueFactory = _ => 1e-4 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Largest number of FIRE steps per structure.", DefaultValueFactory = _ => 10_000 };
        var output = new Option<string>("--output", "-o") { Description = "Output file (.xyz/.extxyz; .xsf for one structure) with energy= (eV), forces (eV/A), converged=, steps=, fmax=.", Required = true };
        var cmd = new Command("minimize", "Relax structures with FIRE to a force tolerance (eV/A).");
        cmd.Arguments.Add(input);
        cmd.Options.Add(potential);
        cmd.Options.Add(fmax);
        cmd.Options.Add(maxSteps);
        var threads = ThreadsOption.Add(cmd, "Structures are relaxed in parallel.");
        cmd.Options.Add(output);
        EnergyCommand.AddModelOptions(cmd, out var model);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(output)!;
            double tol = pr.GetValue(fmax);
            int steps = pr.GetValue(maxSteps), nThreads;
            if (!(tol > 0) || !double.IsFinite(tol)) throw new UsageException("--fmax must be a positive number (eV/A)");
            if (steps < 1) throw new UsageException("--max-steps must be at least 1");
            nThreads = ThreadsOption.MaxDegreeOfParallelism(pr, threads);
            StructureFile.FormatOf(outPath);
            OutputPaths.NotAnInput(outPath, inPath, pr.GetValue(potential), model is null ? null : pr.GetValue(model));
            var pot = PotentialLoader.Load(pr.GetValue(potential), model is null ? null : pr.GetValue(model));
            var clusters = PotentialLoader.LoadStructures(inPath, species: pot.Species);
            OutputPaths.FitsFormat(outPath, clusters.Count);
            var results = new MinimizationResult[clusters.Count];
            using (var progress = new ConsoleProgress("minimize", clusters.Count, "structures"))
            {
                Parallel.For(0, clusters.Count, new ParallelOptions { MaxDegreeOfParallelism = nThreads },
                    () => (Ev: pot.CreateEvaluator(), Fire: new Fire { ForceTolerance = tol, MaxSteps = steps }),
                    (c, _, w) =>
                    {
                        var cl = clusters[c];
                        results[c] = w.Fire.Minimize(w.Ev, cl.Positions);
                        cl.Forces = new double[cl.Positions.Length];
                        cl.Energy = w.Ev.Compute(cl.Positions, cl.Forces, default);
                        progress.Advance();
                        return w;
                    }, _ => { });
            }
            int notConverged = 0;
            for (int c = 0; c < clusters.Count; c++)
            {
                var r = results[c];
                clusters[c].SetInfo("converged", r.Converged ? "T" : "F");
                clusters[c].SetInfo("steps", r.Steps.ToString(CultureInfo.InvariantCulture));
                clusters[c].SetInfo("fmax", r.MaxForce.ToString("R", CultureInfo.InvariantCulture));
                if (!r.Converged) notConverged++;
            }
            StructureFile.Write(outPath, clusters);
            if (notConverged > 0)
                Console.Error.WriteLine($"alhpc minimize: warning: {notConverged} of {clusters.Count} structures did not reach max|F| < {tol:G3} eV/A in {steps} steps (marked converged=F)");
            double eSum = results.Sum(r => r.Energy);
            Console.Error.WriteLine($"alhpc minimize: {clusters.Count} structures, {pot.Name}" +
                (clusters.Count == 1 ? $", E = {results[0].Energy:F10} eV after {results[0].Steps} steps" : "") + $" -> {outPath}");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
