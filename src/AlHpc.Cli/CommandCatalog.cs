using System.CommandLine;

namespace AlHpc.Cli.Commands;

/// <summary>
/// The list of sub-commands. Each lives in its own file under Commands/ with a static Create().
/// </summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return DevicesCommand.Create();
        yield return EnergyCommand.Create();
        yield return MinimizeCommand.Create();
        yield return SampleCommand.Create();
        yield return DescriptorsCommand.Create();
        yield return SetupCommand.Create();
        yield return ExportN2p2Command.Create();
        yield return ExportAenetCommand.Create();
        yield return LearnCommand.Create();
        yield return ConvertCommand.Create();
        yield return EvaluateCommand.Create();
        yield return TrainCommand.Create();
        yield return TestSetCommand.Create();
        yield return TestSetInfoCommand.Create();
        yield return FreeEnergyCommand.Create();
        yield return RdfCommand.Create();
        yield return ReportCommand.Create();
        yield return BaselineCommand.Create();
    }
}
