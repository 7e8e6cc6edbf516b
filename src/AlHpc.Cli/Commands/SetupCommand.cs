using System.CommandLine;
using AlHpc.Descriptors;

namespace AlHpc.Cli.Commands;

/// <summary>`alhpc setup`: write the default descriptor setup, or check and summarise an aenet .stp file.</summary>
public static class SetupCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("FILE") { Description = "An aenet setup (.stp) to check and summarise.", Arity = ArgumentArity.ZeroOrOne };
        var writeDefault = new Option<bool>("--write-default") { Description = "Write the built-in 8 G2 + 18 G5 (Rc = 3.5 A) setup." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the setup (aenet .stp format)." };
        var cmd = new Command("setup", "Descriptor setups: write the default (--write-default -o FILE.stp) or check an aenet .stp file.");
        cmd.Arguments.Add(file);
        cmd.Options.Add(writeDefault);
        cmd.Options.Add(output);
        cmd.SetAction(pr => ExitCodes.Guard(() =>
        {
            string? input = pr.GetValue(file);
            bool def = pr.GetValue(writeDefault);
            if (def == (input != null)) throw new UsageException("give either --write-default or a setup FILE");
            var s = def ? DefaultSetups.Water26 : AenetSetupFile.Read(input!);
            if (pr.GetValue(output) is { } o) AenetSetupFile.Write(o, s);
            else if (def) Console.Write(AenetSetupFile.Format(s));
            int g2 = s.Functions.Count(f => f.Kind == SymmetryFunctionKind.G2);
            Console.Error.WriteLine($"alhpc: {s.Count} functions ({g2} G2, {s.Count - g2} G5), element {s.Element}, cutoff {s.Cutoff} A");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
