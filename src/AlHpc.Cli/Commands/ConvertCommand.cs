using System.CommandLine;
using AlHpc.TestSets;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc convert IN -o OUT`: test sets between HDF5 (.h5/.hdf5) and extended XYZ (.xyz/.extxyz), by extension.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Input set: .h5/.hdf5 (AlHpc test-set HDF5) or .xyz/.extxyz (extended XYZ)." };
        var output = new Option<string>("--output", "-o") { Description = "Output file; the format follows the extension (.h5/.hdf5 or .xyz/.extxyz).", Required = true };
        var cmd = new Command("convert", "Convert a labelled cluster set between HDF5 and extended XYZ (energies eV, forces eV/A kept).");
        cmd.Arguments.Add(input);
        cmd.Options.Add(output);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(output)!;
            if (Path.GetFullPath(inPath) == Path.GetFullPath(outPath)) throw new UsageException("input and output are the same file");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var batch = TestSetIO.Load(inPath, out var meta);
            if (!TestSetFile.IsNativePath(inPath)) meta.Recipe = $"converted from {Path.GetFileName(inPath)}";
            meta.Program = TestSetMetadata.DefaultProgram;
            TestSetIO.Save(outPath, batch, meta);
            Console.Error.WriteLine($"alhpc convert: {batch.ClusterCount} clusters, {batch.AtomCount} molecules{(batch.Forces != null ? ", with forces" : "")}: {inPath} -> {outPath} ({sw.Elapsed.TotalSeconds:0.00} s)");
            // NaN is the sets' "unknown energy": say how many there were instead of dropping the energy= key silently.
            int unknown = batch.Energies.Count(double.IsNaN);
            if (unknown > 0)
                Console.Error.WriteLine($"alhpc convert: {unknown} of {batch.ClusterCount} clusters have no reference energy (NaN, unknown) in {inPath}; {(TestSetFile.IsNativePath(outPath) ? "they stay NaN" : "their frames are written without energy=")}");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
