using System.CommandLine;
using System.Globalization;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc descriptors FILE [--setup FILE.stp] -o OUT.csv`: raw Behler descriptors, one row per atom.</summary>
public static class DescriptorsCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Structures (.xyz/.extxyz, many frames; or .xsf)." };
        var setup = new Option<string?>("--setup") { Description = "aenet descriptor setup (.stp); default: the built-in 8 G2 + 18 G5, Rc = 3.5 A." };
        var output = new Option<string>("--output", "-o") { Description = "CSV output: structure,atom, then the raw (unscaled) descriptors in setup order.", Required = true };
        var cmd = new Command("descriptors", "Compute Behler G2/G5 descriptors (raw, unscaled) of every atom of every structure.");
        cmd.Arguments.Add(file);
        cmd.Options.Add(setup);
        cmd.Options.Add(output);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string path = pr.GetValue(file)!;
            OutputPaths.NotAnInput(pr.GetValue(output)!, path, pr.GetValue(setup));
            var s = pr.GetValue(setup) is { } sp ? AenetSetupFile.Read(sp) : DefaultSetups.Water26;
            var clusters = PotentialLoader.LoadStructures(path, species: [s.Element]); // the setup's one element
            var batch = ClusterBatch.FromClusters(clusters);
            var values = new BatchDescriptors(s).ComputeValues(batch);
            int nf = s.Count;
            AtomicFile.WriteText(pr.GetValue(output)!, w =>
            {
                var ci = CultureInfo.InvariantCulture;
                w.Write("structure,atom");
                foreach (var f in s.Functions) w.Write("," + ColumnName(f));
                w.Write('\n');
                for (int c = 0; c < batch.ClusterCount; c++)
                    for (int a = 0; a < batch.SizeOf(c); a++)
                    {
                        w.Write(c.ToString(ci)); w.Write(','); w.Write(a.ToString(ci));
                        int row = (batch.Offsets[c] + a) * nf;
                        for (int f = 0; f < nf; f++) { w.Write(','); w.Write(FiniteOutput.Format(values[row + f], "a descriptor value")); }
                        w.Write('\n');
                    }
            });
            Console.Error.WriteLine($"alhpc: {batch.AtomCount} atoms of {batch.ClusterCount} structures, {nf} descriptors each -> {pr.GetValue(output)}");
            return ExitCodes.Success;
        }));
        return cmd;
    }

    /// <summary>CSV column name of a function, e.g. "G2:eta=12.5:Rs=2.3:Rc=3.5".</summary>
    public static string ColumnName(SymmetryFunction f)
    {
        var ci = CultureInfo.InvariantCulture;
        return f.Kind == SymmetryFunctionKind.G2
            ? string.Create(ci, $"G2:eta={f.Eta:R}:Rs={f.Rs:R}:Rc={f.Rc:R}")
            : string.Create(ci, $"G5:eta={f.Eta:R}:lambda={f.Lambda:R}:zeta={f.Zeta:R}:Rc={f.Rc:R}");
    }
}
