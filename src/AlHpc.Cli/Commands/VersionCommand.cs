using System.CommandLine;

namespace AlHpc.Cli.Commands;

public static class VersionCommand
{
    public static Command Create()
    {
        var cmd = new Command("version", "Print the AlHpc version.");
        cmd.SetAction(_ => ExitCodes.Guard(() =>
        {
            Console.WriteLine(AlHpc.ProgramInfo.NameAndVersion);
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
