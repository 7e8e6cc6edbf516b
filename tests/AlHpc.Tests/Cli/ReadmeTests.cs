using System.Diagnostics;
using System.Text;
using AlHpc.Cli;
using AlHpc.Cli.Commands;

namespace AlHpc.Tests.Cli;

/// <summary>
/// Issue 16, "The README's own sequence fails": run.sh passes its arguments through, a quick run has its
/// own directory, and the README's marked code blocks (install, then the worked session) run verbatim.
/// </summary>
public class ReadmeTests
{
    private static (int Code, string Out, string Err) Bash(string script, string cwd, IDictionary<string, string>? env = null, int timeoutMs = 300_000)
    {
        var psi = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // the test host's MSBuild/VSTest variables must not leak into a nested dotnet
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(k);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); Assert.Fail($"timed out: {script}"); }
        return (p.ExitCode, so.Result, se.Result);
    }

    private static string[] RunShArguments(params string[] args)
    {
        var dir = TestPaths.NewTempDir();
        var log = Path.Combine(dir, "args.txt");
        var fake = Path.Combine(dir, "dotnet");
        File.WriteAllText(fake, $"#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > '{log}'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var quoted = string.Join(' ', args.Select(a => $"'{a}'"));
        var (code, _, err) = Bash($"PATH='{dir}':$PATH ./run.sh {quoted}", TestPaths.RepoRoot, new Dictionary<string, string> { ["ALHPC_NO_REPORT"] = "1" });
        Assert.True(code == 0, err);
        var all = File.ReadAllLines(log);
        return all.SkipWhile(a => a != "--").Skip(1).ToArray();
    }

    [Fact]
    public void RunShPassesEveryArgumentThroughToLearn()
    {
        var a = RunShArguments("--out", "runs/x", "--seed", "2");
        Assert.Equal(["learn", "--out", "runs/x", "--seed", "2"], a);
        Assert.Empty(AlHpcCli.BuildRoot().Parse(a).Errors);

        var q = RunShArguments("--quick");
        Assert.Equal(["learn", "--quick"], q);
        var pr = AlHpcCli.BuildRoot().Parse(q);
        Assert.Empty(pr.Errors);
        // ./run.sh --quick and ./run.sh use different directories, so the second does not find the first's run
        Assert.NotEqual(LearnCommand.DefaultRunDirectory(pr.GetValue<string?>("--out"), pr.GetValue<bool>("--quick")),
                        LearnCommand.DefaultRunDirectory(null, false));

        var r = RunShArguments("--resume", "runs/default");
        Assert.Empty(AlHpcCli.BuildRoot().Parse(r).Errors);
        Assert.DoesNotContain("--out", r);
    }

    [Fact]
    public void ValidateMakesTheTestSetBaselineAndReportOfARun()
    {
        // scripts/validate.sh (the end of ./run.sh's default run) with a dotnet that logs its calls.
        var dir = TestPaths.NewTempDir();
        var log = Path.Combine(dir, "calls.txt");
        var fake = Path.Combine(dir, "dotnet");
        File.WriteAllText(fake, $"#!/usr/bin/env bash\nprintf '%s ' \"$@\" >> '{log}'; echo >> '{log}'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        var env = new Dictionary<string, string> { ["ALHPC_TESTSET_COUNT"] = "7" };
        // Not a run: exit 2, one line naming it, nothing called.
        var (code, _, err) = Bash($"PATH='{dir}':$PATH scripts/validate.sh '{run}'", TestPaths.RepoRoot, env);
        Assert.Equal(2, code);
        Assert.Contains("not an active-learning run", err);
        Assert.False(File.Exists(log));
        File.WriteAllText(Path.Combine(run, "state.json"), "{}");
        (code, _, err) = Bash($"PATH='{dir}':$PATH scripts/validate.sh '{run}'", TestPaths.RepoRoot, env);
        Assert.True(code == 0, err);
        var calls = File.ReadAllLines(log).Select(l => l.Split(" -- ", 2)[1].Trim()).ToArray();
        Assert.Equal(3, calls.Length);
        Assert.Equal("testset --count 7 --sizes 1-200 --seed 1 -o runs/data/testset-7.h5", calls[0]);
        Assert.Equal($"baseline {run} --testset runs/data/testset-7.h5", calls[1]);
        Assert.Equal($"report {run} --testset runs/data/testset-7.h5 --compute", calls[2]);
        // Each call must parse as the CLI's own command line.
        foreach (var c in calls) Assert.Empty(AlHpcCli.BuildRoot().Parse(c.Split(' ')).Errors);
    }

    /// <summary>The bash blocks preceded by a "&lt;!-- ci: run" line, in README order.</summary>
    public static List<string> MarkedBlocks(string readme)
    {
        var blocks = new List<string>();
        var lines = readme.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith("<!-- ci: run", StringComparison.Ordinal)) continue;
            Assert.StartsWith("```bash", lines[i + 1]);
            var sb = new StringBuilder();
            for (i += 2; !lines[i].StartsWith("```", StringComparison.Ordinal); i++) sb.Append(lines[i]).Append('\n');
            blocks.Add(sb.ToString());
        }
        return blocks;
    }

    [Fact]
    public void TheReadmeInstallAndWorkedSessionRunVerbatim()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var blocks = MarkedBlocks(readme);
        Assert.Equal(2, blocks.Count);
        Assert.Contains("scripts/install.sh", blocks[0]);
        Assert.Contains("alhpc energy", blocks[1]);

        // A fresh user: empty HOME (the install goes to ~/.local), a working directory with the repository's
        // data/ and scripts/, nothing else; `alhpc` is found only through the README's own PATH line.
        var work = TestPaths.NewTempDir();
        var home = Path.Combine(work, "home");
        Directory.CreateDirectory(home);
        var session = Path.Combine(work, "session");
        Directory.CreateDirectory(session);
        foreach (var d in new[] { "data", "scripts" })
            Directory.CreateSymbolicLink(Path.Combine(session, d), Path.Combine(TestPaths.RepoRoot, d));
        var env = new Dictionary<string, string>
        {
            ["HOME"] = home, ["ALHPC_INSTALL_NO_BUILD"] = "1", ["POCL_SIGFPE_HANDLER"] = "0", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1",
            ["PATH"] = string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(p => !File.Exists(Path.Combine(p, "alhpc")))),
        };
        var (code, stdout, stderr) = Bash(string.Join('\n', blocks), session, env);
        Assert.True(code == 0, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.True(File.Exists(Path.Combine(home, ".local", "bin", "alhpc")));
        Assert.Contains("E = -8.2503244532 eV", stdout);
        foreach (var f in new[] { "seed.xyz", "m300.xyz", "test.h5", "runs/q/model.json", "nn.xyz", "eval/metrics.json", "mtanh.json", "n2p2/input.nn", "n2p2/weights.008.data", "O.nn" })
            Assert.True(File.Exists(Path.Combine(session, f)), f);
    }
}
