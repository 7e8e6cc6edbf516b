using System.CommandLine;

namespace AlHpc.Cli.Commands;

public static class VersionCommand
{
    public static Command Create()
    {
        var cmd = new Command("version", "Print the AlHpc version.");
        cmd.SetAction(_ => ExitCodes.Guard(() =>
        {
            Console.WriteLine($"alhpc {typeof(AlHpc.Units).Assembly.GetName().Version}");
            return ExitCodes.Success;
        }));
        return cmd;
    }
}
