using System.Diagnostics;
using System.Text;
using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>
/// An oracle that runs a user command (a quantum-chemistry code behind a script). For each
/// <see cref="Label"/> call it writes the structures as one extxyz file into a fresh temporary folder,
/// runs the command through <c>/bin/sh -c</c> with <c>{input}</c> and <c>{output}</c> in the template
/// replaced by the (shell-quoted) file paths (also given as environment variables ALHPC_ORACLE_INPUT,
/// ALHPC_ORACLE_OUTPUT), waits at most <see cref="Timeout"/>, and reads the energies back from the output
/// extxyz (<c>energy=</c> on every frame, eV; per-atom <c>forces</c> in eV/A optional).
/// <para>
/// Checks, each failing with an <see cref="OracleException"/> that names the problem and quotes the
/// tail of the command's stderr: non-zero exit, timeout, missing output, unreadable output (e.g. NaN,
/// which the extxyz reader rejects with file and line), wrong frame count, wrong atom count, frame
/// without energy, non-finite energy, forces asked for but missing.
/// </para>
/// </summary>
public sealed class ExternalCommandOracle : IOracle
{
    private long _calls;

    /// <param name="commandTemplate">Shell command, e.g. <c>"./run_dft.sh {input} {output}"</c>.</param>
    /// <param name="timeout">Wall-clock limit of one command run.</param>
    /// <param name="workingDirectory">Directory the command runs in (null: the current directory).</param>
    public ExternalCommandOracle(string commandTemplate, TimeSpan timeout, string? workingDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(commandTemplate)) throw new ArgumentException("the oracle command is empty", nameof(commandTemplate));
        if (timeout <= TimeSpan.Zero) throw new ArgumentException("the oracle timeout must be positive", nameof(timeout));
        CommandTemplate = commandTemplate;
        Timeout = timeout;
        WorkingDirectory = workingDirectory;
    }

    public string CommandTemplate { get; }
    public TimeSpan Timeout { get; }
    public string? WorkingDirectory { get; }
    public string Name => $"command: {CommandTemplate}";
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Sets the call counter (when a run resumes from a checkpoint).</summary>
    public void RestoreCalls(long calls) => Interlocked.Exchange(ref _calls, calls);

    public IReadOnlyList<OracleLabel> Label(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel)
    {
        if (structures.Count == 0) return Array.Empty<OracleLabel>();
        var dir = Path.Combine(Path.GetTempPath(), "alhpc-oracle", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "input.extxyz");
            var output = Path.Combine(dir, "output.extxyz");
            ExtXyz.Write(input, structures.Select(StripLabels));
            var command = CommandTemplate.Replace("{input}", ShellQuote(input)).Replace("{output}", ShellQuote(output));
            var (exit, stderr) = RunShell(command, input, output, cancel);
            if (exit != 0) throw Fail($"exited with code {exit}", stderr);
            if (!File.Exists(output)) throw Fail($"wrote no output file (expected {output})", stderr);
            var labels = ReadLabels(output, structures, forces, stderr);
            Interlocked.Add(ref _calls, structures.Count);
            return labels;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch { /* best effort */ }
        }
    }

    private static Cluster StripLabels(Cluster c) => new((double[])c.Positions.Clone(), c.Species);

    private OracleLabel[] ReadLabels(string output, IReadOnlyList<Cluster> structures, bool forces, string stderr)
    {
        List<Cluster> frames;
        try { frames = ExtXyz.Read(output).ToList(); }
        catch (InputFormatException e) { throw Fail($"wrote an unreadable output: {e.Message}", stderr, e); }
        if (frames.Count != structures.Count)
            throw Fail($"returned {frames.Count} frames for {structures.Count} structures", stderr);
        var labels = new OracleLabel[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f.Count != structures[i].Count)
                throw Fail($"frame {i} has {f.Count} atoms, the input structure has {structures[i].Count}", stderr);
            if (f.Energy is not { } e) throw Fail($"frame {i} has no energy= value", stderr);
            if (!double.IsFinite(e)) throw Fail($"frame {i} has a non-finite energy ({e})", stderr);
            if (forces)
            {
                if (f.Forces is null) throw Fail($"frame {i} has no forces (forces were asked for)", stderr);
                foreach (var v in f.Forces) if (!double.IsFinite(v)) throw Fail($"frame {i} has a non-finite force", stderr);
            }
            labels[i] = new OracleLabel(e, forces ? f.Forces : null);
        }
        return labels;
    }

    private OracleException Fail(string what, string stderr, Exception? inner = null)
    {
        var msg = new StringBuilder($"oracle command '{CommandTemplate}' {what}");
        var tail = Tail(stderr, 2000);
        if (tail.Length > 0) msg.Append("; its stderr ends with:\n").Append(tail);
        return new OracleException(msg.ToString(), inner);
    }

    private (int Exit, string Stderr) RunShell(string command, string input, string output, CancellationToken cancel)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? Environment.CurrentDirectory,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        psi.Environment["ALHPC_ORACLE_INPUT"] = input;
        psi.Environment["ALHPC_ORACLE_OUTPUT"] = output;
        using var p = new Process { StartInfo = psi };
        var err = new StringBuilder();
        var gate = new object();
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (gate) { err.Append(e.Data).Append('\n'); if (err.Length > 64_000) err.Remove(0, err.Length - 32_000); } };
        p.OutputDataReceived += (_, _) => { };
        try { p.Start(); }
        catch (Exception e) { throw new OracleException($"could not start /bin/sh for the oracle command: {e.Message}", e); }
        p.StandardInput.Close();
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (!p.WaitForExit(100))
        {
            if (cancel.IsCancellationRequested || clock.Elapsed > Timeout)
            {
                try { p.Kill(entireProcessTree: true); } catch { /* already gone */ }
                p.WaitForExit();
                cancel.ThrowIfCancellationRequested();
                string text;
                lock (gate) text = err.ToString();
                throw Fail($"timed out after {Timeout.TotalSeconds:G4} s and was killed", text);
            }
        }
        p.WaitForExit();
        lock (gate) return (p.ExitCode, err.ToString());
    }

    private static string Tail(string s, int max)
    {
        s = s.TrimEnd();
        return s.Length <= max ? s : "..." + s[^max..];
    }

    /// <summary>Single-quotes a path for /bin/sh.</summary>
    public static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
