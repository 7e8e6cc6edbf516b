using System.CommandLine;
using AlHpc.Cli;
using AlHpc.Cli.Commands;

// alhpc: the command-line front of AlHpc. Exit codes: 0 success, 2 bad usage or bad input, 1 anything else.
return AlHpcCli.Run(args);

namespace AlHpc.Cli
{
    public static class AlHpcCli
    {
        /// <summary>Every sub-command, in the order `alhpc --help` lists them.</summary>
        public static RootCommand BuildRoot()
        {
            var root = new RootCommand("AlHpc: active learning of neural-network interatomic potentials (units: eV, Angstrom, K).");
            foreach (var c in CommandCatalog.All()) root.Subcommands.Add(c);
            // `alhpc --version` prints the same string as `alhpc version` (AlHpc.ProgramInfo).
            foreach (var o in root.Options)
                if (o is VersionOption v)
                    v.Action = new PrintVersionAction();
            return root;
        }

        private sealed class PrintVersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
        {
            public override int Invoke(ParseResult parseResult)
            {
                Console.Out.WriteLine(AlHpc.ProgramInfo.NameAndVersion);
                return ExitCodes.Success;
            }
        }

        public static int Run(string[] args)
        {
            NativeEnvironment.Prepare();
            var root = BuildRoot();
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var line in UsageErrors.Describe(parse)) Console.Error.WriteLine(line);
                Console.Error.WriteLine($"Try '{UsageErrors.CommandPath(parse.CommandResult.Command)} --help'.");
                return ExitCodes.BadInput;
            }
            return parse.Invoke();
        }
    }
}
