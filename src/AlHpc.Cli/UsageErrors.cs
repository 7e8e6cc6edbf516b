using System.CommandLine;

namespace AlHpc.Cli;

/// <summary>
/// Parse errors in words a user can act on: an unknown option gets the nearest option of the command
/// it was given to ("did you mean --temperature?"), and the help hint names that command.
/// </summary>
public static class UsageErrors
{
    /// <summary>"alhpc" or "alhpc sample": how to call the command the error belongs to.</summary>
    public static string CommandPath(Command cmd)
    {
        var names = new List<string>();
        for (Symbol? s = cmd; s is Command c; s = c.Parents.FirstOrDefault())
            names.Add(c is RootCommand ? "alhpc" : c.Name);
        if (names.Count == 0 || names[^1] != "alhpc") names.Add("alhpc");
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>One line per problem, each starting with the command ("alhpc sample: ...").</summary>
    public static IEnumerable<string> Describe(ParseResult parse)
    {
        var cmd = parse.CommandResult.Command;
        var unmatched = new HashSet<string>(parse.UnmatchedTokens);
        string where = CommandPath(cmd);
        bool unknownOption = false, unknownCommand = false;
        var lines = new List<string>();
        foreach (var e in parse.Errors)
        {
            string? token = unmatched.FirstOrDefault(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal));
            if (token is null) { lines.Add($"{where}: {e.Message}"); continue; }
            unmatched.Remove(token);
            if (token.StartsWith('-'))
            {
                string name = token.Split('=', 2)[0];
                var options = cmd.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Distinct();
                string? near = Nearest(name, options);
                unknownOption = true;
                lines.Add(near is null
                    ? $"{where}: unknown option '{name}'"
                    : $"{where}: unknown option '{name}'; did you mean '{near}'?");
            }
            else if (cmd is RootCommand)
            {
                string? near = Nearest(token, cmd.Subcommands.Select(c => c.Name));
                unknownCommand = true;
                lines.Add(near is null ? $"alhpc: unknown command '{token}'" : $"alhpc: unknown command '{token}'; did you mean '{near}'?");
            }
            else if (!unknownOption) lines.Add($"{where}: unexpected argument '{token}'"); // else most likely the value of the misspelt option
        }
        // "Required command was not provided" adds nothing to an unknown command
        return unknownCommand ? lines.Where(l => l.Contains("unknown command", StringComparison.Ordinal)) : lines;
    }

    public static string? Nearest(string word, IEnumerable<string> candidates) => Spelling.Nearest(word, candidates);
}
