using System.CommandLine;
using AlHpc.TestSets;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc testset-info FILE [--figures DIR]`: what a test set holds (sizes, energies, forces, recipe), with histograms.</summary>
public static class TestSetInfoCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("file") { Description = "Test set (.h5/.hdf5 or .xyz/.extxyz)." };
        var figures = new Option<string?>("--figures") { Description = "Folder for histogram PNGs (sizes, energy per molecule, energy vs size, forces)." };
        var cmd = new Command("testset-info", "Describe a labelled test set: counts, sizes, energy per molecule and force distributions, recipe; optional histograms.");
        cmd.Arguments.Add(input);
        cmd.Options.Add(figures);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string path = pr.GetValue(input)!;
            double[]? nested = null, temps = null;
            Structures.ClusterBatch b;
            TestSetMetadata meta;
            if (TestSetFile.IsNativePath(path))
            {
                using var r = TestSetReader.Open(path);
                meta = r.Metadata;
                b = r.ReadAll();
                nested = r.ReadColumn("nested");
                temps = r.ReadColumn("temperature_K");
            }
            else b = TestSetIO.Load(path, out meta);
            Console.Write(TestSetSummary.Describe(b, meta, nested, temps));
            if (pr.GetValue(figures) is { } dir)
                foreach (var f in Reporting.TestSetFigures.Write(dir, b, nested, Path.GetFileName(path)))
                    Console.Error.WriteLine($"  wrote {f}");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
