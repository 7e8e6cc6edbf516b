using AlHpc.Cli;

namespace AlHpc.Tests.Cli;

/// <summary>Runs `alhpc` in process and captures its exit code, stdout and stderr. The console is global to the
/// process, so every in-process CLI call in the tests goes through here: one lock, no test reads another's output.</summary>
public static class CliHarness
{
    private static readonly object Gate = new();

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var o = Console.Out; var e = Console.Error;
            var so = new StringWriter(); var se = new StringWriter();
            Console.SetOut(so); Console.SetError(se);
            try { return (AlHpcCli.Run(args), so.ToString(), se.ToString()); }
            finally { Console.SetOut(o); Console.SetError(e); }
        }
    }

    /// <summary>Runs `alhpc` in process (captured, under the same lock) and returns only its exit code.</summary>
    public static int Code(params string[] args) => Run(args).Code;

    /// <summary>Asserts exit code 2 and a single-purpose message; returns stderr.</summary>
    public static string Fails(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.True(code == 2, $"exit {code}, stderr: {err}");
        AssertNoDotNetNames(err);
        return err;
    }

    /// <summary>No .NET type or parameter names in what a user reads.</summary>
    public static void AssertNoDotNetNames(string text)
    {
        foreach (var bad in new[] { "System.", "AlHpc.", "(Parameter '", ".NET member", "Exception", "Path: $", "BytePositionInLine" })
            Assert.DoesNotContain(bad, text);
    }
}
