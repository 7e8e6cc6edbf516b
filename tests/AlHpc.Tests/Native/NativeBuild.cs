using System.Diagnostics;

namespace AlHpc.Tests.Native;

/// <summary>
/// Builds libalhpc.so once per test run (scripts/build-native.sh: incremental, skipped when unchanged) and
/// runs external tools (gcc, gfortran, python3, lmp) for the embedding tests. A missing tool fails the test.
/// </summary>
public static class NativeBuild
{
    private static readonly Lazy<string> Dir = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>artifacts/native: lib/libalhpc.so and include/alhpc.h.</summary>
    public static string OutDir => Dir.Value;

    public static string LibDir => Path.Combine(OutDir, "lib");
    public static string Library => Path.Combine(LibDir, "libalhpc.so");
    public static string IncludeDir => Path.Combine(TestPaths.RepoRoot, "include");

    private static string Build()
    {
        var r = Run("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "build-native.sh")], timeoutSeconds: 900);
        if (r.ExitCode != 0) throw new InvalidOperationException($"scripts/build-native.sh failed ({r.ExitCode}):\n{r.StdErr}\n{r.StdOut}");
        var so = r.StdOut.Trim().Split('\n')[^1].Trim();
        if (!File.Exists(so)) throw new InvalidOperationException($"build-native.sh reported '{so}', which does not exist");
        return Path.GetDirectoryName(Path.GetDirectoryName(so))!;
    }

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs a program to completion; throws if it cannot start or runs past the timeout.</summary>
    public static Result Run(string file, IEnumerable<string> args, string? workDir = null, IDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir ?? TestPaths.RepoRoot,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran past {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, so.Result, se.Result);
    }

    /// <summary>Runs and asserts exit code 0 (the message carries stderr).</summary>
    public static string RunOk(string file, IEnumerable<string> args, string? workDir = null, IDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var r = Run(file, args, workDir, env, timeoutSeconds);
        if (r.ExitCode != 0) throw new Xunit.Sdk.XunitException($"{file} {string.Join(' ', args)} exited {r.ExitCode}:\n{r.StdErr}\n{r.StdOut}");
        return r.StdOut;
    }

    /// <summary>Compiles a C program against libalhpc.so into dir; returns the executable.</summary>
    public static string CompileC(string source, string dir, string name)
    {
        var exe = Path.Combine(dir, name);
        RunOk("gcc", ["-O2", "-Wall", "-Werror", "-I", IncludeDir, source, "-L", LibDir, "-lalhpc", $"-Wl,-rpath,{LibDir}", "-o", exe]);
        return exe;
    }

    /// <summary>Compiles Fortran sources (the alhpc module first) against libalhpc.so; returns the executable.</summary>
    public static string CompileFortran(string dir, string name, params string[] sources)
    {
        var exe = Path.Combine(dir, name);
        RunOk("gfortran", ["-O2", "-Wall", "-J", dir, Path.Combine(IncludeDir, "alhpc.f90"), .. sources, "-L", LibDir, "-lalhpc", $"-Wl,-rpath,{LibDir}", "-o", exe], workDir: dir);
        return exe;
    }
}
