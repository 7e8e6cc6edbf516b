using System.CommandLine;
using AlHpc.Network;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc export-n2p2 MODEL -o DIR`: n2p2/LAMMPS files of a model with tanh/sigmoid/linear layers.</summary>
public static class ExportN2p2Command
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "AlHpc model file (JSON)." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for input.nn, scaling.data and weights.ZZZ.data.", Required = true };
        var cmd = new Command("export-n2p2", "Write a model as n2p2 files (input.nn, scaling.data, weights.008.data) for n2p2 and LAMMPS pair_style nnp.");
        cmd.Arguments.Add(model);
        cmd.Options.Add(output);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            var m = PotentialLoader.LoadModel(pr.GetValue(model)!);
            if (N2p2Export.WhyNot(m, $"export to aenet instead (alhpc export-aenet), or train with --activation {N2p2Export.ExportableActivations} (learn: training.activation)") is { } why) throw new UsageException($"{pr.GetValue(model)}: cannot export to n2p2: {why}");
            N2p2Export.Export(m, pr.GetValue(output)!);
            Console.Error.WriteLine($"alhpc: wrote input.nn, scaling.data, weights data to {pr.GetValue(output)}");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
