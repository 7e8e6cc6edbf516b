using System.CommandLine;
using System.Globalization;
using AlHpc.Potentials;
using AlHpc.TestSets;

namespace AlHpc.Cli.Commands;

/// <summary>
/// `alhpc testset --count 100000 --sizes 1-200 --seed S -o FILE [--recipe ...]`: samples clusters with the
/// reference model (Metropolis over a temperature range plus nested sampling), labels them with reference
/// energies and forces, and writes the set atomically.
/// </summary>
public static class TestSetCommand
{
    public static Command Create()
    {
        var d = new TestSetRecipe();
        var output = new Option<string>("--output", "-o") { Description = "Output file: .h5/.hdf5 (recommended) or .xyz/.extxyz.", Required = true };
        var count = new Option<int?>("--count", "-n") { Description = $"Number of clusters (default {d.Count})." };
        var sizes = new Option<string?>("--sizes") { Description = $"Cluster sizes MIN-MAX in molecules, equally represented (default {d.MinSize}-{d.MaxSize})." };
        var seed = new Option<ulong>("--seed") { Description = "Master seed: the same seed and recipe give the same set, whatever the thread count.", DefaultValueFactory = _ => 1 };
        var temps = new Option<string?>("--temperatures") { Description = $"Metropolis temperature range MIN-MAX in K (default {d.MinTemperatureK}-{d.MaxTemperatureK})." };
        var nested = new Option<double?>("--nested-fraction") { Description = $"Fraction of chains that are nested-sampling walkers (default {d.NestedFraction})." };
        var recipe = new Option<string?>("--recipe") { Description = "Recipe as key=value pairs (the form stored in a set's 'recipe' attribute, e.g. \"snapshots_per_chain=10 cycles_between_snapshots=5 start=mixed\"); explicit options win." };
        var potential = new Option<string?>("--potential") { Description = "Sample and label with this Tersoff parameter file instead of the built-in ML-BOP." };
        var model = new Option<string?>("--model", "-m") { Description = "Sample and label with a trained network model (alhpc JSON model) instead of the built-in ML-BOP." };
        var description = new Option<string?>("--description") { Description = "Free text stored in the file." };

        var cmd = new Command("testset", "Generate a labelled test set: Monte Carlo snapshots of clusters with the reference model (Metropolis over a temperature range + nested sampling), with reference energies (eV) and forces (eV/A).");
        foreach (var o in new Option[] { output, count, sizes, seed, temps, nested, recipe, potential, model, description }) cmd.Options.Add(o);
        var threads = ThreadsOption.Add(cmd, "The set does not depend on it.");
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            TestSetRecipe r;
            try
            {
                r = pr.GetValue(recipe) is { } text ? TestSetRecipe.Parse(text) : new TestSetRecipe();
                if (pr.GetValue(count) is int c) r = r with { Count = c };
                if (pr.GetValue(sizes) is { } s) r = TestSetRecipe.Parse($"sizes={s}", r);
                if (pr.GetValue(temps) is { } t) r = TestSetRecipe.Parse($"temperatures={t}", r);
                if (pr.GetValue(nested) is double f) r = r with { NestedFraction = f };
                r.Validate();
            }
            catch (Exception e) when (e is FormatException or ArgumentException) { throw new UsageException(e.Message); }

            // The set is built in memory: refuse before any work when it cannot fit (2e9 clusters once reached 14.6 GB in a minute).
            double bytes = (double)r.Count * ((r.MinSize + r.MaxSize) / 2.0 * 2 * 3 * 8 + 64) * 2;
            long avail = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            if (bytes > 0.8 * avail)
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"--count {r.Count:N0} clusters of {r.MinSize}-{r.MaxSize} molecules need about {bytes / 1e9:G3} GB of memory, this machine has {avail / 1e9:G3} GB; generate the set in parts (other --seed values) or with fewer clusters"));
            string outPath = pr.GetValue(output)!;
            if (!TestSetFile.IsNativePath(outPath) && Path.GetExtension(outPath).ToLowerInvariant() is not (".xyz" or ".extxyz"))
                throw new UsageException($"--output {outPath}: a test set is written as .h5/.hdf5 (HDF5, recommended) or .xyz/.extxyz (extended XYZ); the extension decides");
            IPotential reference = PotentialLoader.Load(pr.GetValue(potential), pr.GetValue(model));
            ulong masterSeed = pr.GetValue(seed);
            Console.Error.WriteLine($"alhpc testset: {r.Count:N0} clusters of {r.MinSize}-{r.MaxSize} molecules, {r.ChainCount:N0} chains, {reference.Name}, seed {masterSeed}");
            Console.Error.WriteLine($"  recipe: {r.ToText()}");
            if (TestSetGenerator.UnequalCountsNote(r, TestSetGenerator.Plan(r, masterSeed), count.Name) is { } note)
                Console.Error.WriteLine($"alhpc testset: note: {note}");

            GeneratedTestSet g;
            long molecules = TestSetGenerator.Plan(r, masterSeed).Sum(ch => (long)ch.Snapshots * ch.Size);
            using (var progress = new ConsoleProgress("testset", molecules, "molecules"))
                g = TestSetGenerator.Generate(reference, r, masterSeed, progress.Report, ThreadsOption.MaxDegreeOfParallelism(pr, threads));

            var sw = System.Diagnostics.Stopwatch.StartNew();
            var meta = new TestSetMetadata
            {
                Description = pr.GetValue(description) ?? $"{reference.Name}-labelled clusters of {r.MinSize}-{r.MaxSize} molecules: Metropolis {r.MinTemperatureK}-{r.MaxTemperatureK} K + nested sampling",
                Recipe = r.ToText(),
                Reference = reference.Name,
                Seed = unchecked((long)masterSeed),
            };
            if (TestSetFile.IsNativePath(outPath))
                TestSetFile.Write(outPath, g.Batch, meta, new Dictionary<string, double[]>
                {
                    ["temperature_K"] = g.TemperatureK,
                    ["nested"] = Array.ConvertAll(g.Nested, v => (double)v),
                    ["chain"] = Array.ConvertAll(g.Chain, v => (double)v),
                });
            else TestSetIO.Save(outPath, g.Batch, meta);
            double write = sw.Elapsed.TotalSeconds;
            double acc = g.TrialMoves > 0 ? (double)g.AcceptedMoves / g.TrialMoves : 0;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"alhpc testset: {g.Batch.ClusterCount:N0} clusters, {g.Batch.AtomCount:N0} molecules in {g.Seconds:0.0} s ({g.TrialMoves / Math.Max(g.Seconds, 1e-9) / 1e6:0.00} M trial moves/s, acceptance {acc:0.000}); written to {outPath} in {write:0.00} s"));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  MC backend vs full relabel: max |dE| = {g.MaxBackendDrift:0.0E+0} eV"));
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
