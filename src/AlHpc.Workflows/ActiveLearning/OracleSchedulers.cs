using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AlHpc.IO;

namespace AlHpc.ActiveLearning;

/// <summary>
/// The write-ahead record of one submission (one local process, or one Slurm job array): written to the
/// batch directory before the scheduler is asked to run anything, completed with the job id or process id
/// afterwards. The token is unique and travels with the job (Slurm job name alhpc-TOKEN, environment
/// ALHPC_ORACLE_TOKEN), so a driver killed between submitting and recording finds the job again.
/// </summary>
public sealed class OracleSubmission
{
    public string Token { get; set; } = "";
    public string Scheduler { get; set; } = "";
    /// <summary>Attempt directories, relative to the batch directory; for Slurm the array index is the position here.</summary>
    public List<string> Attempts { get; set; } = new();
    public string? JobId { get; set; }
    public int Pid { get; set; }
    /// <summary>Process start time (clock ticks since boot, /proc/PID/stat field 22) to tell a reused PID apart.</summary>
    public long PidStartTicks { get; set; }
    public DateTime SubmittedUtc { get; set; }

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public void Save(string path) => AtomicFile.WriteText(path, w => w.Write(JsonSerializer.Serialize(this, Json) + "\n"));

    public static OracleSubmission Load(string path)
    {
        try { return JsonSerializer.Deserialize<OracleSubmission>(File.ReadAllText(path), Json) ?? throw new InputFormatException(path, 0, "empty submission record"); }
        catch (JsonException e) { throw new InputFormatException(path, e.LineNumber is { } l ? (int)l + 1 : 0, $"corrupt submission record: {e.Message}", e); }
    }
}

/// <summary>
/// Where the attempts of a command oracle run: local processes (each in its own session, so the whole
/// process group can be killed) or Slurm jobs. The dispatcher (<see cref="OracleDispatcher"/>) owns the
/// bookkeeping (records, retries, timeouts); a scheduler only starts, lists and kills.
/// </summary>
public interface IOracleScheduler
{
    string Name { get; }

    /// <summary>Attempts that may be submitted and not finished at once (int.MaxValue: the scheduler queues).</summary>
    int Capacity { get; }

    TimeSpan PollInterval { get; }

    /// <summary>True when an unstarted attempt can wait in a queue (Slurm), so the queue timeout applies.</summary>
    bool Queues { get; }

    /// <summary>Fails with a clear <see cref="OracleException"/> when nothing could be submitted (no sbatch, a rejected script).</summary>
    void Preflight(string batchDirectory);

    /// <summary>Runs the attempts of <paramref name="sub"/>; the record is already on disk at <paramref name="recordPath"/> and is updated with the job or process id.</summary>
    void Submit(string batchDirectory, OracleSubmission sub, string recordPath, string wrapper);

    /// <summary>The attempt directories (relative) of these submissions that are queued or running now; null when the scheduler could not be asked.</summary>
    HashSet<string>? Alive(string batchDirectory, IReadOnlyList<OracleSubmission> subs);

    /// <summary>Stops one attempt (timeout, cancelled run), including everything it started.</summary>
    void Kill(string batchDirectory, OracleSubmission sub, string attempt);

    /// <summary>Whether cancelling the run kills running attempts (local processes) or leaves them to the user (Slurm jobs).</summary>
    bool KillOnCancel { get; }
}

/// <summary>Process-group helpers (Linux): kill a session's whole group, tell whether a PID is still the process we started.</summary>
internal static class ProcessGroups
{
    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int sig);

    private const int SIGKILL = 9;
    private static readonly object Gate = new();
    private static readonly HashSet<int> Live = new();

    static ProcessGroups()
    {
        // A driver that exits (SIGTERM without a handler, an unhandled exception) takes its oracle processes with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllRegistered();
    }

    /// <summary>Remembers a process group to kill if this process exits.</summary>
    public static void Register(int pgid) { lock (Gate) Live.Add(pgid); }

    public static void Unregister(int pgid) { lock (Gate) Live.Remove(pgid); }

    public static void KillAllRegistered()
    {
        int[] all;
        lock (Gate) all = Live.ToArray();
        foreach (var g in all) KillGroup(g);
    }

    /// <summary>SIGKILL to every process of group <paramref name="pgid"/> (no effect when none is left).</summary>
    public static void KillGroup(int pgid)
    {
        if (pgid <= 1 || !OperatingSystem.IsLinux()) return;
        try { SysKill(-pgid, SIGKILL); } catch { /* no libc: nothing to do */ }
    }

    /// <summary>Any process left in group <paramref name="pgid"/> (zombies excluded)?</summary>
    public static bool GroupHasMembers(int pgid)
    {
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out _)) continue;
            var st = ReadStat(d);
            if (st is { } s && s.Pgrp == pgid && s.State != 'Z') return true;
        }
        return false;
    }

    /// <summary>Start time of <paramref name="pid"/> in clock ticks since boot; null when it does not exist or is a zombie.</summary>
    public static long? StartTicks(int pid)
    {
        var st = ReadStat($"/proc/{pid}");
        return st is { } s && s.State != 'Z' ? s.Start : null;
    }

    private static (char State, int Pgrp, long Start)? ReadStat(string procDir)
    {
        string text;
        try { text = File.ReadAllText(Path.Combine(procDir, "stat")); }
        catch { return null; }
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        var f = text[(close + 2)..].Split(' ');
        // fields after the command: state(3) ppid(4) pgrp(5) ... starttime(22)
        if (f.Length < 20) return null;
        return (f[0][0], int.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[19], CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Local processes: each attempt runs <c>setsid /bin/sh wrapper ATTEMPT</c>, so it leads a new session and
/// process group (killing the group kills whatever the command left in the background). Up to
/// <see cref="Capacity"/> at once. A process survives a SIGKILL of the driver; a resumed driver finds it
/// again by PID and start time and waits for it.
/// </summary>
internal sealed class LocalProcessScheduler(int processes) : IOracleScheduler
{
    private readonly Dictionary<int, Process> _children = new();

    public string Name => "local";
    public int Capacity { get; } = Math.Max(1, processes);
    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(50);
    public bool Queues => false;
    public bool KillOnCancel => true;

    public void Preflight(string batchDirectory)
    {
        if (!File.Exists("/bin/sh")) throw new OracleException("the oracle command needs /bin/sh");
        if (!File.Exists("/usr/bin/setsid") && !File.Exists("/bin/setsid"))
            throw new OracleException("the oracle command needs setsid (util-linux) to run in its own process group");
    }

    public void Submit(string batchDirectory, OracleSubmission sub, string recordPath, string wrapper)
    {
        var attempt = Path.Combine(batchDirectory, sub.Attempts.Single());
        var psi = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "/bin/setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // the wrapper reopens stdin, stdout and stderr on files; nothing is read here
            WorkingDirectory = batchDirectory,
        };
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add(wrapper);
        psi.ArgumentList.Add(attempt);
        psi.Environment["ALHPC_ORACLE_TOKEN"] = sub.Token;
        Process p;
        try { p = Process.Start(psi) ?? throw new OracleException("could not start the oracle command"); }
        catch (Exception e) when (e is not OracleException) { throw new OracleException($"could not start the oracle command: {e.Message}", e); }
        p.StandardInput.Close();
        ProcessGroups.Register(p.Id);
        lock (_children) _children[p.Id] = p;
        sub.Pid = p.Id;
        sub.PidStartTicks = ProcessGroups.StartTicks(p.Id) ?? 0;
        sub.Save(recordPath);
    }

    public HashSet<string>? Alive(string batchDirectory, IReadOnlyList<OracleSubmission> subs)
    {
        var alive = new HashSet<string>();
        foreach (var s in subs)
        {
            int pid = s.Pid;
            long ticks = s.PidStartTicks;
            if (pid == 0 && ReadStartedPid(Path.Combine(batchDirectory, s.Attempts[0])) is { } p) { pid = p; ticks = 0; }
            if (pid == 0) continue;
            Reap(pid);
            var now = ProcessGroups.StartTicks(pid);
            if (now is { } t && (ticks == 0 || t == ticks)) alive.Add(s.Attempts[0]);
            else Forget(pid);
        }
        return alive;
    }

    /// <summary>The PID the wrapper wrote when it started (first word of ATTEMPT/started).</summary>
    internal static int? ReadStartedPid(string attemptDir)
    {
        try
        {
            var w = File.ReadAllText(Path.Combine(attemptDir, "started")).Split(' ', 2);
            return int.TryParse(w[0], CultureInfo.InvariantCulture, out int pid) && pid > 1 ? pid : null;
        }
        catch (IOException) { return null; }
    }

    public void Kill(string batchDirectory, OracleSubmission sub, string attempt)
    {
        int pid = sub.Pid != 0 ? sub.Pid : ReadStartedPid(Path.Combine(batchDirectory, attempt)) ?? 0;
        if (pid == 0) return;
        if (sub.PidStartTicks != 0 && ProcessGroups.StartTicks(pid) is { } t && t != sub.PidStartTicks) return; // not ours any more
        ProcessGroups.KillGroup(pid);
        Reap(pid);
        Forget(pid);
    }

    /// <summary>After an attempt ended: whatever it left in the background goes too.</summary>
    internal void KillLeftovers(OracleSubmission sub)
    {
        if (sub.Pid == 0) return;
        ProcessGroups.KillGroup(sub.Pid);
        Reap(sub.Pid);
        Forget(sub.Pid);
    }

    private void Reap(int pid)
    {
        Process? p;
        lock (_children) _children.TryGetValue(pid, out p);
        if (p != null && p.WaitForExit(0)) { }
    }

    private void Forget(int pid)
    {
        Process? p;
        lock (_children) { if (_children.Remove(pid, out p)) { } }
        if (p != null) { p.WaitForExit(1000); p.Dispose(); }
        if (!ProcessGroups.GroupHasMembers(pid)) ProcessGroups.Unregister(pid);
    }
}

/// <summary>
/// Slurm: one job array per submission (<c>sbatch --parsable --array=0-(n-1) --job-name=alhpc-TOKEN</c>), the
/// header lines from the configuration, each array task running the wrapper on its attempt directory.
/// Liveness from <c>squeue -h -r --name=...</c> (sacct needs accounting storage, which many small clusters
/// lack); results from the attempt directories themselves.
/// </summary>
internal sealed class SlurmScheduler(SlurmSettings settings) : IOracleScheduler
{
    public string Name => "slurm";
    public int Capacity => int.MaxValue;
    public TimeSpan PollInterval => TimeSpan.FromSeconds(settings.PollSeconds);
    public bool Queues => true;
    public bool KillOnCancel => false;

    private static (int Exit, string Out, string Err) Run(string file, IEnumerable<string> args, string? stdin = null, double timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new OracleException($"oracle.dispatch is \"slurm\" but '{file}' could not be run ({e.Message}); is Slurm installed and on PATH?", e);
        }
        using (p)
        {
            if (stdin != null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
            {
                try { p.Kill(true); } catch { /* gone */ }
                throw new OracleException($"'{file} {string.Join(' ', args)}' did not answer within {timeoutSeconds} s");
            }
            bool done = Task.WaitAll([o, e], TimeSpan.FromSeconds(5));
            return (p.ExitCode, done ? Cap(o.Result) : "", done ? Cap(e.Result) : "");
        }
    }

    private static string Cap(string s) => s.Length > 100_000 ? s[..100_000] : s;

    private string ScriptText(string tasksFile, string wrapper)
    {
        var sb = new StringBuilder("#!/bin/sh\n");
        foreach (var l in settings.Sbatch) sb.Append(l.Trim()).Append('\n');
        sb.Append("# written by AlHpc: array task i runs the oracle command on line i+1 of the task list\n");
        sb.Append("a=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ").Append(ExternalCommandOracle.ShellQuote(tasksFile)).Append(")\n");
        sb.Append("exec /bin/sh ").Append(ExternalCommandOracle.ShellQuote(wrapper)).Append(" \"$a\"\n");
        return sb.ToString();
    }

    public void Preflight(string batchDirectory)
    {
        var (code, _, err) = Run("sbatch", ["--version"]);
        if (code != 0) throw new OracleException($"oracle.dispatch is \"slurm\" but 'sbatch --version' failed: {err.Trim()}");
        // A script with the configured header, checked by the scheduler without running anything.
        var script = ScriptText("/dev/null", "/dev/null");
        var (c2, _, e2) = Run("sbatch", ["--test-only", "--array=0-0", "--job-name=alhpc-preflight", "--output=/dev/null"], script);
        if (c2 != 0)
            throw new OracleException($"Slurm rejects the job script made from oracle.slurm.sbatch ({string.Join("; ", settings.Sbatch)}): {e2.Trim()}");
    }

    public void Submit(string batchDirectory, OracleSubmission sub, string recordPath, string wrapper)
    {
        var stem = Path.GetFileNameWithoutExtension(recordPath);
        var tasksFile = Path.Combine(batchDirectory, stem + ".tasks");
        var scriptFile = Path.Combine(batchDirectory, stem + ".sh");
        AtomicFile.WriteText(tasksFile, w => { foreach (var a in sub.Attempts) { w.Write(Path.Combine(batchDirectory, a)); w.Write('\n'); } });
        AtomicFile.WriteText(scriptFile, w => w.Write(ScriptText(tasksFile, wrapper)));
        var args = new List<string>
        {
            "--parsable",
            $"--job-name=alhpc-{sub.Token}",
            $"--array=0-{sub.Attempts.Count - 1}" + (settings.MaxRunning > 0 ? $"%{settings.MaxRunning}" : ""),
            $"--output={Path.Combine(batchDirectory, "slurm-%A_%a.out")}",
            $"--chdir={batchDirectory}",
            "--export=ALL,ALHPC_ORACLE_TOKEN=" + sub.Token,
            scriptFile,
        };
        var (code, output, err) = Run("sbatch", args);
        if (code != 0) throw new OracleException($"sbatch rejected {scriptFile}: {err.Trim()}");
        sub.JobId = output.Trim().Split(';')[0];
        sub.Save(recordPath);
    }

    public HashSet<string>? Alive(string batchDirectory, IReadOnlyList<OracleSubmission> subs)
    {
        var alive = new HashSet<string>();
        if (subs.Count == 0) return alive;
        var byName = subs.ToDictionary(s => "alhpc-" + s.Token);
        (int, string, string) r;
        try { r = Run("squeue", ["-h", "-r", "-o", "%j %K %T", "--name=" + string.Join(',', byName.Keys)]); }
        catch (OracleException) { return null; }
        if (r.Item1 != 0) return null;
        foreach (var line in r.Item2.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var w = line.Split(' ');
            if (w.Length < 2 || !byName.TryGetValue(w[0], out var s)) continue;
            if (int.TryParse(w[1], CultureInfo.InvariantCulture, out int i) && i >= 0 && i < s.Attempts.Count) alive.Add(s.Attempts[i]);
        }
        return alive;
    }

    public void Kill(string batchDirectory, OracleSubmission sub, string attempt)
    {
        int i = sub.Attempts.IndexOf(attempt);
        if (sub.JobId is { } id && i >= 0) Run("scancel", [$"{id}_{i}"]);
        else if (sub.Attempts.Count == 1) Run("scancel", [$"--name=alhpc-{sub.Token}"]);
    }

    /// <summary>Cancels every queued or running job of these submissions.</summary>
    public static void CancelJobs(IEnumerable<OracleSubmission> subs)
    {
        foreach (var s in subs)
            try { Run("scancel", [s.JobId is { } id ? id : $"--name=alhpc-{s.Token}"]); }
            catch (OracleException) { /* reported by the caller's listing */ }
    }
}
