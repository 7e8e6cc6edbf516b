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
            return root;
        }

        public static int Run(string[] args)
        {
            NativeEnvironment.Prepare();
            var root = BuildRoot();
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var e in parse.Errors) Console.Error.WriteLine($"alhpc: {e.Message}");
                Console.Error.WriteLine("Try 'alhpc --help'.");
                return ExitCodes.BadInput;
            }
            return parse.Invoke();
        }
    }
}
