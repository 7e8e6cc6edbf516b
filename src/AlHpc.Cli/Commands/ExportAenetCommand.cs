using System.CommandLine;
using AlHpc.Network;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc export-aenet MODEL -o O.nn`: an aenet potential file (every activation aenet has).</summary>
public static class ExportAenetCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "AlHpc model file (JSON)." };
        var output = new Option<string>("--output", "-o") { Description = "aenet potential file to write (binary, aenet's X.nn format; e.g. O.nn).", Required = true };
        var cmd = new Command("export-aenet", "Write a model as an aenet potential file (binary .nn) for aenet's predict.x, its ASE calculator and its LAMMPS pair style; all aenet activations (linear, tanh, sigmoid, mtanh, twist).");
        cmd.Arguments.Add(model);
        cmd.Options.Add(output);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var m = PotentialLoader.LoadModel(pr.GetValue(model)!);
            string outPath = pr.GetValue(output)!;
            try { AenetExport.Export(m, outPath); }
            catch (NotSupportedException e) { throw new UsageException($"{pr.GetValue(model)}: cannot export to aenet: {e.Message}"); }
            Console.Error.WriteLine($"alhpc: wrote the aenet potential {outPath} ({m.Setup.Element}, {string.Join('-', m.Network.LayerSizes)}, {string.Join('/', m.Network.Activations.Select(a => a.ToAenetName()))})");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
