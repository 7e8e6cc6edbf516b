using AlHpc.Compute;
using System.CommandLine;
using AlHpc.OpenCL;
using System.Diagnostics;
using AlHpc.IO;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Cli.Commands;

/// <summary>alhpc energy FILE [--potential FILE.tersoff | --model MODEL] [--forces] [--threads N] -o OUT</summary>
public static class EnergyCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("file") { Description = "Structures to label: extended XYZ (.xyz/.extxyz, many frames) or aenet XSF (.xsf)." };
        var potential = new Option<string?>("--potential", "-p") { Description = "LAMMPS pair_style tersoff file (single element). Default: the built-in ML-BOP." };
        var forces = new Option<bool>("--forces", "-f") { Description = "Also compute forces (eV/A) and write them as the forces columns." };
        var output = new Option<string>("--output", "-o") { Description = "Output file: extended XYZ with energy= (eV) and, with --forces, forces (.xsf for one structure).", Required = true };
        var cmd = new Command("energy", "Compute energies (eV) and optionally forces (eV/A) of every structure in a file, on all cores.");
        cmd.Arguments.Add(input);
        cmd.Options.Add(potential);
        cmd.Options.Add(forces);
        var threads = ThreadsOption.Add(cmd);
        cmd.Options.Add(output);
        AddModelOptions(cmd, out var model);
        var device = DeviceOption.Add(cmd);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(output)!;
            int nThreads = ThreadsOption.MaxDegreeOfParallelism(pr, threads);
            StructureFile.FormatOf(outPath); // fail before any work on a bad extension
            OutputPaths.NotAnInput(outPath, inPath, pr.GetValue(potential), model is null ? null : pr.GetValue(model));
            var pot = PotentialLoader.Load(pr.GetValue(potential), model is null ? null : pr.GetValue(model));
            bool withForces = pr.GetValue(forces);

            var clusters = PotentialLoader.LoadStructures(inPath, species: pot.Species);
            OutputPaths.FitsFormat(outPath, clusters.Count);
            var batch = ClusterBatch.FromClusters(clusters);
            var clock = Stopwatch.StartNew();
            using var dev = DeviceOption.Resolve(pr, device, nThreads);
            using var evaluator = dev.Backend.CreateEvaluator(pot, nThreads);
            if (withForces) batch.Forces ??= new double[batch.Positions.Length];
            using (var progress = new ConsoleProgress("energy", batch.ClusterCount, "clusters"))
                evaluator.Evaluate(batch, batch.Energies, withForces ? batch.Forces : null, progress.Report);
            double secs = clock.Elapsed.TotalSeconds;
            for (int c = 0; c < clusters.Count; c++)
            {
                clusters[c].Energy = batch.Energies[c];
                clusters[c].Forces = withForces ? batch.ForcesOf(c).ToArray() : null;
            }
            StructureFile.Write(outPath, clusters);
            // The energies on screen (stdout) for a handful of structures; all of them are in the output file.
            var ci = System.Globalization.CultureInfo.InvariantCulture;
            for (int c = 0; c < Math.Min(clusters.Count, ScreenLimit); c++)
                Console.WriteLine(string.Create(ci, $"{(clusters.Count > 1 ? $"structure {c + 1}: " : "")}E = {batch.Energies[c]:F10} eV ({clusters[c].Count} beads, {batch.Energies[c] / Math.Max(1, clusters[c].Count):F6} eV/bead)"));
            if (clusters.Count > ScreenLimit) Console.WriteLine($"... {clusters.Count - ScreenLimit} more in {outPath}");
            Console.Error.WriteLine($"alhpc energy: {batch.ClusterCount} structures, {batch.AtomCount} beads, {pot.Name}, {evaluator.DeviceDescription}, " +
                $"{secs:F3} s ({(secs > 0 ? batch.AtomCount / secs : 0):G4} beads/s) -> {outPath}");
            return ExitCodes.Success;
        }));
        return cmd;
    }

    /// <summary>At most this many energies are printed on screen.</summary>
    public const int ScreenLimit = 10;

    /// <summary>Options that select other kinds of models (see <see cref="PotentialLoader"/>): --model, a trained network.</summary>
    internal static void AddModelOptions(Command cmd, out Option<string?>? model)
    {
        model = new Option<string?>("--model", "-m") { Description = "A trained network model file (alhpc JSON model) instead of a Tersoff potential." };
        cmd.Options.Add(model);
    }
}
