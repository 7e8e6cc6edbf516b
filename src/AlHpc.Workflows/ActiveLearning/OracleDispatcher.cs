using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>The layout of a batch directory (batch.json), written before any task: resume checks it.</summary>
public sealed class OracleBatchInfo
{
    public int Version { get; set; } = 1;
    public string Dispatch { get; set; } = "";
    public int Structures { get; set; }
    /// <summary>Structures per task, in order (the local dispatch puts all in one task).</summary>
    public List<int> TaskSizes { get; set; } = new();
}

/// <summary>
/// Runs one batch of oracle tasks to the end: every structure labelled once, or its task failed after
/// the retries. The batch directory (owner-only) holds
/// <list type="bullet">
/// <item><c>batch.json</c>: the task layout;</item>
/// <item><c>task-NNNN/input.extxyz</c>: the structures of the task;</item>
/// <item><c>task-NNNN/try-A/</c>: attempt A: <c>command.sh</c>, <c>stdout</c>, <c>stderr</c>, <c>started</c>
///   (written by the wrapper when it starts), <c>output.extxyz</c> (written by the command), <c>exit</c> (the
///   command's exit code, or why the driver ended the attempt);</item>
/// <item><c>submit-NNNN.json</c>: write-ahead submission records (<see cref="OracleSubmission"/>).</item>
/// </list>
/// Opening a batch directory that already exists (a resumed run) collects finished attempts, re-attaches
/// to queued and running ones, and submits only tasks without a live or successful attempt.
/// </summary>
internal sealed class OracleDispatcher
{
    public const string WrapperFile = "run-task.sh";
    private readonly ExternalCommandOracle _oracle;
    private readonly IOracleScheduler _scheduler;
    private readonly string _dir;
    private readonly List<TaskState> _tasks = new();
    private readonly List<(OracleSubmission Sub, string Path)> _subs = new();
    private readonly Action<string>? _say;
    private int _nextSubmission = 1;

    private sealed class TaskState
    {
        public int Index;
        public string Dir = "";
        public int First, Count;
        public int Attempts;            // attempt directories made so far (all sessions)
        public int SessionAttempts;     // attempts finished as failures in this session
        public string? Active;          // relative attempt directory being waited on
        public OracleSubmission? ActiveSub;
        public DateTime ActiveSince;
        public bool Pending;            // needs a submission
        public string? ResubmitAttempt; // an attempt recorded but never submitted: submit it again, same directory
        public int MissingPolls;
        public OracleLabel[]? Labels;
        public string? LastFailure;
        public bool Failed;
        public string Name => $"task-{Index:D4}";
    }

    public OracleDispatcher(ExternalCommandOracle oracle, IOracleScheduler scheduler, string batchDirectory, Action<string>? say)
    {
        _oracle = oracle;
        _scheduler = scheduler;
        _dir = Path.GetFullPath(batchDirectory);
        _say = say;
    }

    /// <summary>Submission records of this batch with attempts still queued or running (what a Ctrl+C may cancel or leave).</summary>
    public IReadOnlyList<OracleSubmission> Outstanding =>
        _tasks.Where(t => t.Active != null && t.ActiveSub != null).Select(t => t.ActiveSub!).Distinct().ToList();

    /// <summary>Labels (null: dropped after the retries, with the drop setting).</summary>
    public OracleLabel?[] Run(IReadOnlyList<Cluster> structures, bool forces, bool oneTask, CancellationToken cancel)
    {
        var info = new OracleBatchInfo
        {
            Dispatch = _scheduler.Name + (oneTask ? "-one-task" : ""),
            Structures = structures.Count,
            TaskSizes = oneTask ? [structures.Count] : Enumerable.Repeat(1, structures.Count).ToList(),
        };
        Prepare(info, structures, forces);
        try
        {
            Loop(structures, forces, cancel);
        }
        catch (OperationCanceledException)
        {
            if (_scheduler.KillOnCancel) KillActive("cancelled: the run was interrupted");
            throw;
        }
        catch
        {
            if (_scheduler.KillOnCancel) KillActive("cancelled: the run stopped");
            throw;
        }
        var labels = new OracleLabel?[structures.Count];
        foreach (var t in _tasks)
            if (t.Labels != null)
                for (int i = 0; i < t.Count; i++) labels[t.First + i] = t.Labels[i];
        return labels;
    }

    // ------------------------------------------------------------------ opening a batch

    private void Prepare(OracleBatchInfo info, IReadOnlyList<Cluster> structures, bool forces)
    {
        ExternalCommandOracle.CreatePrivateDirectory(_dir);
        var infoPath = Path.Combine(_dir, "batch.json");
        if (File.Exists(infoPath))
        {
            OracleBatchInfo old;
            try { old = JsonSerializer.Deserialize<OracleBatchInfo>(File.ReadAllText(infoPath), OracleSubmission.Json)!; }
            catch (JsonException e) { throw new InputFormatException(infoPath, 0, $"corrupt batch record: {e.Message}", e); }
            if (old.Dispatch != info.Dispatch || old.Structures != info.Structures || !old.TaskSizes.SequenceEqual(info.TaskSizes))
                throw new OracleException($"the oracle batch in {_dir} was made with dispatch '{old.Dispatch}' for {old.Structures} structures; " +
                                          $"this run asks for '{info.Dispatch}' and {info.Structures} (was oracle.dispatch changed? move the directory aside to relabel)");
        }
        else
        {
            AtomicFile.WriteText(infoPath, w => w.Write(JsonSerializer.Serialize(info, OracleSubmission.Json) + "\n"));
        }
        AtomicFile.WriteText(Path.Combine(_dir, WrapperFile), w => w.Write(WrapperText()));

        int first = 0;
        for (int k = 0; k < info.TaskSizes.Count; k++)
        {
            var t = new TaskState { Index = k, First = first, Count = info.TaskSizes[k] };
            t.Dir = Path.Combine(_dir, t.Name);
            var part = structures.Skip(first).Take(t.Count).ToList();
            first += t.Count;
            var input = Path.Combine(t.Dir, "input.extxyz");
            if (File.Exists(input)) CheckSameInput(input, part);
            else
            {
                Directory.CreateDirectory(t.Dir);
                ExtXyz.Write(input, part.Select(c => c.CopyAtoms()));
            }
            _tasks.Add(t);
        }

        // Submission records, oldest first: the last record naming an attempt is the one that counts.
        foreach (var f in Directory.EnumerateFiles(_dir, "submit-*.json").Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(f);
            if (int.TryParse(stem["submit-".Length..], CultureInfo.InvariantCulture, out int n)) _nextSubmission = Math.Max(_nextSubmission, n + 1);
            _subs.Add((OracleSubmission.Load(f), f));
        }
        var owner = new Dictionary<string, OracleSubmission>();
        foreach (var (s, _) in _subs) foreach (var a in s.Attempts) owner[a] = s;

        var alive = _subs.Count > 0 ? _scheduler.Alive(_dir, _subs.Select(s => s.Sub).ToList()) : new HashSet<string>();
        if (alive is null) throw new OracleException($"could not ask {_scheduler.Name} which jobs of {_dir} are still queued or running");
        int collected = 0, attached = 0, resubmit = 0;
        foreach (var t in _tasks)
        {
            var tries = Directory.Exists(t.Dir)
                ? Directory.EnumerateDirectories(t.Dir, "try-*").Select(d => int.TryParse(Path.GetFileName(d)[4..], CultureInfo.InvariantCulture, out int a) ? a : 0)
                    .Where(a => a > 0).Order().ToList()
                : new List<int>();
            t.Attempts = tries.Count > 0 ? tries[^1] : 0;
            foreach (var a in tries)
            {
                var rel = Path.Combine(t.Name, $"try-{a}");
                var abs = Path.Combine(_dir, rel);
                if (File.Exists(Path.Combine(abs, "exit")))
                {
                    var (labels, why) = Evaluate(abs, structures.Skip(t.First).Take(t.Count).ToList(), forces);
                    if (labels != null) { t.Labels = labels; t.Active = null; collected++; break; }
                    t.LastFailure = $"{rel}: {why}";
                    continue;
                }
                if (!owner.TryGetValue(rel, out var sub)) { t.ResubmitAttempt = rel; continue; } // made, never recorded
                if (alive.Contains(rel)) { t.Active = rel; t.ActiveSub = sub; t.ActiveSince = DateTime.UtcNow; attached++; continue; }
                bool started = File.Exists(Path.Combine(abs, "started"));
                bool submitted = sub.JobId != null || sub.Pid != 0;
                if (!started && !submitted) { t.ResubmitAttempt = rel; continue; } // recorded as intent, never reached the scheduler
                MarkEnded(abs, started ? "lost: the attempt ended without an exit status (killed, node failure or scancel)" : "lost: the job left the queue without starting");
                t.LastFailure = $"{rel}: lost while the driver was down";
            }
            if (t.Labels != null) { t.Active = null; t.ResubmitAttempt = null; continue; }
            if (t.Active == null) { t.Pending = true; if (t.ResubmitAttempt != null) resubmit++; }
        }
        if (_subs.Count > 0)
            _say?.Invoke($"oracle batch {_dir}: {collected} task(s) already labelled, {attached} still queued or running (re-attached), " +
                         $"{_tasks.Count(t => t.Pending)} to submit ({resubmit} recorded but never submitted)");
    }

    private static void CheckSameInput(string input, IReadOnlyList<Cluster> part)
    {
        var old = ExtXyz.Read(input).ToList();
        bool same = old.Count == part.Count && old.Zip(part).All(p => p.First.Positions.Length == p.Second.Positions.Length && p.First.FirstElementDifference(p.Second) < 0
                                                                     && p.First.Positions.Zip(p.Second.Positions).All(x => Math.Abs(x.First - x.Second) <= 1e-9));
        if (!same)
            throw new OracleException($"{input} holds other structures than this batch asks for (a resumed run gathered different structures?); move the batch directory aside to relabel");
    }

    // ------------------------------------------------------------------ the loop

    private void Loop(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel)
    {
        var failureStop = new List<TaskState>();
        int squeueFailures = 0;
        var lastPoll = Stopwatch.StartNew();
        bool firstRound = true;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            // 1. Collect what ended.
            var running = _tasks.Where(t => t.Active != null).ToList();
            HashSet<string>? alive = null;
            if (running.Count > 0)
            {
                alive = _scheduler.Alive(_dir, running.Select(t => t.ActiveSub!).Distinct().ToList());
                if (alive is null)
                {
                    if (++squeueFailures >= 30) throw new OracleException($"{_scheduler.Name} did not answer for {squeueFailures} polls; the jobs of {_dir} are left as they are (resuming the run re-attaches them)");
                }
                else squeueFailures = 0;
            }
            foreach (var t in running)
            {
                var abs = Path.Combine(_dir, t.Active!);
                bool ended = File.Exists(Path.Combine(abs, "exit"));
                if (!ended && alive != null && !alive.Contains(t.Active!))
                {
                    // Gone from the scheduler without an exit status: look twice (the file may just be landing).
                    if (++t.MissingPolls >= 2 && !File.Exists(Path.Combine(abs, "exit")))
                    {
                        MarkEnded(abs, File.Exists(Path.Combine(abs, "started"))
                            ? "lost: the attempt ended without an exit status (killed, node failure, scancel or a time limit)"
                            : "lost: the job left the queue without starting (cancelled?)");
                    }
                    ended = File.Exists(Path.Combine(abs, "exit"));
                }
                if (!ended)
                {
                    var startedFile = Path.Combine(abs, "started");
                    bool started = File.Exists(startedFile);
                    var since = started ? File.GetLastWriteTimeUtc(startedFile) : t.ActiveSince;
                    if (started && DateTime.UtcNow - since > _oracle.Timeout)
                    {
                        _scheduler.Kill(_dir, t.ActiveSub!, t.Active!);
                        MarkEnded(abs, $"timed out after {_oracle.Timeout.TotalSeconds:G4} s (oracle.timeoutSeconds) and was killed with its process group");
                        ended = true;
                    }
                    else if (!started && _scheduler.Queues && DateTime.UtcNow - t.ActiveSince > _oracle.QueueTimeout)
                    {
                        _scheduler.Kill(_dir, t.ActiveSub!, t.Active!);
                        MarkEnded(abs, $"timed out: still queued after {_oracle.QueueTimeout.TotalSeconds:G4} s; cancelled");
                        ended = true;
                    }
                }
                if (!ended) continue;
                if (_scheduler is LocalProcessScheduler local) local.KillLeftovers(t.ActiveSub!);
                var (labels, why) = Evaluate(abs, structures.Skip(t.First).Take(t.Count).ToList(), forces);
                var rel = t.Active!;
                t.Active = null; t.ActiveSub = null; t.MissingPolls = 0;
                if (labels != null) { t.Labels = labels; continue; }
                t.LastFailure = $"{Path.Combine(_dir, rel)}: {why}";
                t.SessionAttempts++;
                if (t.SessionAttempts > _oracle.Retries)
                {
                    t.Failed = true;
                    _say?.Invoke($"oracle task {t.Dir} failed {t.SessionAttempts} time(s); last: {why}");
                    if (_oracle.OnFailure == OracleFailurePolicy.Stop) failureStop.Add(t);
                }
                else
                {
                    _say?.Invoke($"oracle task {t.Dir} failed ({why}); retry {t.SessionAttempts} of {_oracle.Retries}");
                    t.Pending = true;
                }
            }
            if (failureStop.Count > 0) throw StopError(failureStop);

            // 2. Submit what may start.
            int busy = _tasks.Count(t => t.Active != null);
            var toSubmit = _tasks.Where(t => t.Pending).Take(Math.Max(0, _scheduler.Capacity - busy)).ToList();
            if (toSubmit.Count > 0) Submit(toSubmit);

            if (_tasks.All(t => t.Labels != null || t.Failed)) return;

            // 3. Wait: locally until any exit file appears (short steps), on Slurm one poll interval.
            if (!firstRound || toSubmit.Count == 0)
            {
                var wait = _scheduler.PollInterval - lastPoll.Elapsed;
                if (wait > TimeSpan.Zero && cancel.WaitHandle.WaitOne(wait)) cancel.ThrowIfCancellationRequested();
            }
            firstRound = false;
            lastPoll.Restart();
        }
    }

    private OracleException StopError(List<TaskState> failed)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"oracle command '{_oracle.CommandTemplate}' failed for {failed.Count} task(s) after {_oracle.Retries + 1} attempt(s) each (oracle.onFailure = stop):");
        foreach (var t in failed) sb.Append("\n  ").Append(t.LastFailure);
        var left = _tasks.Count(t => t.Active != null);
        if (left > 0 && !_scheduler.KillOnCancel)
            sb.Append(CultureInfo.InvariantCulture, $"\n{left} other task(s) of this batch are still queued or running; resuming the run collects them");
        return new OracleException(sb.ToString());
    }

    private void Submit(List<TaskState> tasks)
    {
        // One record per local process, one job array per round on Slurm.
        var groups = _scheduler.Capacity == int.MaxValue ? [tasks] : tasks.Select(t => new List<TaskState> { t }).ToList();
        foreach (var g in groups)
        {
            var sub = new OracleSubmission { Token = Guid.NewGuid().ToString("N")[..16], Scheduler = _scheduler.Name, SubmittedUtc = DateTime.UtcNow };
            foreach (var t in g)
            {
                string rel;
                if (t.ResubmitAttempt != null) { rel = t.ResubmitAttempt; t.ResubmitAttempt = null; }
                else
                {
                    t.Attempts++;
                    rel = Path.Combine(t.Name, $"try-{t.Attempts}");
                }
                var abs = Path.Combine(_dir, rel);
                Directory.CreateDirectory(abs);
                AtomicFile.WriteText(Path.Combine(abs, "command.sh"), w => w.Write(_oracle.CommandScript(Path.Combine(t.Dir, "input.extxyz"), Path.Combine(abs, "output.extxyz"))));
                sub.Attempts.Add(rel);
            }
            var path = Path.Combine(_dir, $"submit-{_nextSubmission++:D4}.json");
            sub.Save(path); // write-ahead: the intent is on disk before anything runs
            _subs.Add((sub, path));
            foreach (var t in g) { t.Active = sub.Attempts[g.IndexOf(t)]; t.ActiveSub = sub; t.ActiveSince = DateTime.UtcNow; t.Pending = false; t.MissingPolls = 0; }
            _scheduler.Submit(_dir, sub, path, Path.Combine(_dir, WrapperFile));
        }
    }

    private void KillActive(string why)
    {
        foreach (var t in _tasks.Where(t => t.Active != null))
        {
            try { _scheduler.Kill(_dir, t.ActiveSub!, t.Active!); } catch { /* best effort */ }
            var abs = Path.Combine(_dir, t.Active!);
            if (!File.Exists(Path.Combine(abs, "exit"))) MarkEnded(abs, why);
            t.Active = null;
        }
    }

    /// <summary>Writes the exit record of an attempt the driver ended (never over the command's own).</summary>
    private static void MarkEnded(string attemptDir, string why)
    {
        var path = Path.Combine(attemptDir, "exit");
        if (File.Exists(path)) return;
        AtomicFile.WriteText(path, w => w.Write(why + "\n"));
    }

    // ------------------------------------------------------------------ results

    /// <summary>The labels of a finished attempt, or why it failed.</summary>
    private (OracleLabel[]? Labels, string Why) Evaluate(string attemptDir, IReadOnlyList<Cluster> inputs, bool forcesAsked)
    {
        string exitText;
        try { exitText = File.ReadAllText(Path.Combine(attemptDir, "exit")).Trim(); }
        catch (IOException e) { return (null, $"exit record unreadable: {e.Message}"); }
        string stderr = ExternalCommandOracle.TailOf(Path.Combine(attemptDir, "stderr"), 2000);
        string With(string what) => stderr.Length > 0 ? $"{what}; its stderr ends with:\n{stderr}" : what;
        if (!int.TryParse(exitText, CultureInfo.InvariantCulture, out int code)) return (null, With(exitText));
        if (code != 0) return (null, With($"exited with code {code}"));
        var output = Path.Combine(attemptDir, "output.extxyz");
        if (!File.Exists(output)) return (null, With($"wrote no output file (expected {output})"));
        try { return (_oracle.ReadLabels(output, inputs, forcesAsked), ""); }
        catch (OracleException e) { return (null, With(e.Message)); }
    }

    private string WrapperText() =>
        "#!/bin/sh\n" +
        "# AlHpc oracle task wrapper: runs ATTEMPT/command.sh with stdin, stdout and stderr on files, records its start and exit code.\n" +
        "a=\"$1\"\n" +
        "exec </dev/null >\"$a/stdout\" 2>\"$a/stderr\"\n" +
        "echo \"$$ $(date +%s)\" > \"$a/started.tmp\" && mv \"$a/started.tmp\" \"$a/started\"\n" +
        "t=$(dirname \"$a\")\n" +
        "export ALHPC_ORACLE_INPUT=\"$t/input.extxyz\" ALHPC_ORACLE_OUTPUT=\"$a/output.extxyz\" ALHPC_TASK_DIR=\"$t\" ALHPC_ATTEMPT_DIR=\"$a\"\n" +
        "/bin/sh \"$a/command.sh\"\n" +
        "rc=$?\n" +
        "echo \"$rc\" > \"$a/exit.tmp\" && mv \"$a/exit.tmp\" \"$a/exit\"\n" +
        "exit \"$rc\"\n";
}
