using System.Diagnostics;
using System.Text.Json;
using AlHpc.ActiveLearning;
using Xunit.Abstractions;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>
/// A real single-node Slurm cluster (Debian slurm-wlm + munge), brought up by scripts/slurm-local.sh for the
/// tests of this collection and stopped afterwards when it was not running before. No skipping: a machine
/// where it cannot start fails these tests (scripts/setup.sh installs the packages; the script needs root).
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    private readonly bool _startedHere;

    public SlurmCluster()
    {
        var script = Path.Combine(TestPaths.RepoRoot, "scripts", "slurm-local.sh");
        var (status, _) = Learn.Sh("bash", [script, "status"]);
        if (status == 0) return;
        var (code, output) = Learn.Sh("bash", [script, "start"], 120);
        if (code != 0) throw new InvalidOperationException($"scripts/slurm-local.sh start failed ({code}):\n{output}");
        _startedHere = true;
    }

    public void Dispose()
    {
        if (_startedHere) Learn.Sh("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "slurm-local.sh"), "stop"]);
    }
}

[CollectionDefinition("slurm")]
public class SlurmCollection : ICollectionFixture<SlurmCluster>, ICollectionFixture<LocalReferenceRun>;

/// <summary>Running `alhpc learn` as a child process (so it can be SIGKILLed) and an ML-BOP oracle script for it.</summary>
public static class Learn
{
    public static string Alhpc => Path.Combine(AppContext.BaseDirectory, "alhpc");

    public static (int Code, string Output) Sh(string file, IEnumerable<string> args, double timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds))) { p.Kill(true); return (-1, "timed out"); }
        p.WaitForExit();
        return (p.ExitCode, o.Result + e.Result);
    }

    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Alhpc) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.StandardInput.Close();
        return p;
    }

    public static (int Code, string Output) Run(params string[] args)
    {
        using var p = Start(args);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(300))) { p.Kill(true); return (-1, "timed out\n" + e.Result); }
        p.WaitForExit();
        return (p.ExitCode, o.Result + e.Result);
    }

    /// <summary>
    /// The oracle: `alhpc energy` (ML-BOP) on the task's structures; every run appends one line to
    /// TASK/runs (how the tests count runs: sacct needs accounting storage, which this cluster has not).
    /// </summary>
    public static string OracleScript(string dir)
    {
        var path = Path.Combine(dir, "mlbop-oracle.sh");
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            "echo \"job=${SLURM_JOB_ID:-none} array=${SLURM_ARRAY_TASK_ID:-none} pid=$$\" >> \"$ALHPC_TASK_DIR/runs\"\n" +
            $"exec {ExternalCommandOracle.ShellQuote(Alhpc)} energy \"$1\" -o \"$2\" --threads 1\n");
        return path;
    }

    /// <summary>A tiny learn configuration labelled by <see cref="OracleScript"/>: 2 iterations of 4 gathered structures.</summary>
    public static string Config(string dir, string dispatch, string extraOracle = "", int maxIterations = 2)
    {
        var path = Path.Combine(dir, $"learn-{dispatch}.json");
        File.WriteAllText(path, $$"""
        {
          "seed": 5,
          "plots": false,
          "oracle": {
            "kind": "command",
            "command": "sh {{OracleScript(dir)}} {input} {output}",
            "dispatch": "{{dispatch}}",
            "timeoutSeconds": 120,
            "retries": 1{{extraOracle}}
          },
          "training": { "epochs": 30 },
          "sampling": { "metropolis": { "cycles": 40, "frames": 2 }, "nested": { "cycles": 40, "frames": 2 } },
          "stop": { "maxIterations": {{maxIterations}} },
          "monitor": { "size": 0 }
        }
        """);
        return path;
    }

    /// <summary>Lines of every TASK/runs file of a run directory, per batch/task.</summary>
    public static Dictionary<string, int> RunsPerTask(string run) =>
        Directory.EnumerateFiles(Path.Combine(run, "oracle"), "runs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Path.Combine(run, "oracle"), Path.GetDirectoryName(f)!), f => File.ReadAllLines(f).Length);

    public static int TaskDirectories(string run) =>
        Directory.EnumerateDirectories(Path.Combine(run, "oracle")).Sum(b => Directory.EnumerateDirectories(b, "task-*").Count());
}

/// <summary>The reference: the same run with dispatch "local" (one command run per batch), computed once.</summary>
public sealed class LocalReferenceRun
{
    public string Dir { get; }
    public string Pool { get; }
    public RunState State { get; }

    public LocalReferenceRun()
    {
        var dir = TestPaths.NewTempDir();
        Dir = Path.Combine(dir, "run");
        var (code, output) = Learn.Run("learn", "--config", Learn.Config(dir, "local"), "--out", Dir);
        if (code != 0) throw new InvalidOperationException("the local reference run failed:\n" + output);
        Pool = File.ReadAllText(Path.Combine(Dir, "pool.extxyz"));
        State = RunState.Load(Path.Combine(Dir, "state.json"));
    }
}

[Collection("slurm")]
public class SlurmDispatchTests(LocalReferenceRun reference, ITestOutputHelper log)
{
    [Fact]
    public void ALearnRunOnSlurmEqualsTheLocalRun()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        var (code, output) = Learn.Run("learn", "--config", Learn.Config(dir, "slurm", ", \"slurm\": { \"pollSeconds\": 0.3, \"sbatch\": [\"#SBATCH --cpus-per-task=1\"] }"), "--out", run);
        Assert.True(code == 0, output);
        Assert.Equal(reference.Pool, File.ReadAllText(Path.Combine(run, "pool.extxyz")));
        var state = RunState.Load(Path.Combine(run, "state.json"));
        Assert.Equal(reference.State.OracleCalls, state.OracleCalls);
        Assert.Equal(reference.State.Iteration, state.Iteration);
        // One Slurm job array per batch, each task ran exactly once, inside a job.
        var runs = Learn.RunsPerTask(run);
        Assert.Equal(Learn.TaskDirectories(run), runs.Count);
        Assert.All(runs, r => Assert.Equal(1, r.Value));
        Assert.All(Directory.EnumerateFiles(Path.Combine(run, "oracle"), "runs", SearchOption.AllDirectories),
            f => Assert.DoesNotContain("job=none", File.ReadAllText(f)));
        Assert.Equal(state.OracleCalls, runs.Count); // one structure per task
        Assert.True(Directory.EnumerateFiles(Path.Combine(run, "oracle", "iter-0001", "task-0000", "try-1"), "stderr").Any());
    }

    [Fact]
    public void ADriverKilledWhileJobsAreQueuedResumesWithoutLosingOrRepeatingATask()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        // One array task at a time, so that jobs are still queued when the driver dies.
        var cfg = Learn.Config(dir, "slurm", ", \"slurm\": { \"pollSeconds\": 0.3, \"maxRunning\": 1 }");
        using (var p = Learn.Start("learn", "--config", cfg, "--out", run))
        {
            var batch = Path.Combine(run, "oracle", "iter-0001");
            var clock = Stopwatch.StartNew();
            double? seen = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(180) && !p.HasExited && !File.Exists(Path.Combine(batch, "task-0000", "try-1", "started")))
            {
                if (seen == null && File.Exists(Path.Combine(batch, "submit-0001.json"))) seen = clock.Elapsed.TotalSeconds;
                Thread.Sleep(20);
            }
            log.WriteLine($"submission record seen at {seen:F2} s");
            if (p.HasExited) Assert.Fail("the run ended before its first iteration's jobs were submitted: " + p.StandardError.ReadToEnd());
            var t0 = clock.Elapsed;
            p.Kill(); // SIGKILL
            p.WaitForExit();
            log.WriteLine($"detected at {t0.TotalSeconds:F2} s, killed by {clock.Elapsed.TotalSeconds:F2} s");
        }
        var iter1 = Path.Combine(run, "oracle", "iter-0001");
        var records = Directory.GetFiles(iter1, "submit-*.json");
        int submitted = records.Sum(f => OracleSubmission.Load(f).Attempts.Count);
        var (q, queue) = Learn.Sh("squeue", ["-h", "-r", "-o", "%j %K %T"]);
        log.WriteLine(queue);
        int queued = queue.Split('\n').Count(l => records.Any(f => l.StartsWith("alhpc-" + OracleSubmission.Load(f).Token, StringComparison.Ordinal)));
        Assert.True(queued > 0, $"no job of the run was queued or running when the driver was killed ({q}: {queue}; records {string.Join(", ", records.Select(f => File.ReadAllText(f)))}; files {string.Join(", ", Directory.EnumerateFiles(iter1, "*", SearchOption.AllDirectories))}");
        // The hardest moment: killed after sbatch, before the job id was recorded. Forget the ids: the
        // resumed run must find the jobs by the token in their names (or their files), not submit again.
        foreach (var f in records) { var s = OracleSubmission.Load(f); s.JobId = null; s.Save(f); }

        var (code, output) = Learn.Run("learn", "--resume", run);
        Assert.True(code == 0, output);
        Assert.Contains("re-attached", output);
        Assert.Equal(reference.Pool, File.ReadAllText(Path.Combine(run, "pool.extxyz")));
        var state = RunState.Load(Path.Combine(run, "state.json"));
        Assert.Equal(reference.State.OracleCalls, state.OracleCalls);
        var runs = Learn.RunsPerTask(run);
        int tasks = Learn.TaskDirectories(run);
        Assert.Equal(tasks, runs.Count);
        Assert.All(runs, r => Assert.True(r.Value == 1, $"{r.Key} ran {r.Value} times"));
        Assert.Equal(records.Length, Directory.GetFiles(iter1, "submit-*.json").Length); // nothing of iteration 1 was submitted again
        int iterTasks = Directory.EnumerateDirectories(iter1, "task-*").Count();
        log.WriteLine($"kill-and-resume on Slurm: iteration 1 had {iterTasks} tasks, {submitted} submitted before the kill, {queued} queued or running at the kill; " +
                      $"after the resume {tasks} tasks in the run ({runs.Values.Sum()} runs), {state.OracleCalls} structures labelled; pool {state.PoolSize}");
    }

    [Fact]
    public async Task SigtermWithoutATerminalCancelsTheJobsWhenConfiguredTo()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        var cfg = Learn.Config(dir, "slurm", ", \"slurm\": { \"pollSeconds\": 0.3, \"maxRunning\": 1, \"cancelOnInterrupt\": true }");
        using var p = Learn.Start("learn", "--config", cfg, "--out", run);
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEndAsync();
        var record = Path.Combine(run, "oracle", "iter-0001", "submit-0001.json");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(180) && !p.HasExited && !(File.Exists(record) && OracleSubmission.Load(record).JobId != null)) Thread.Sleep(20);
        if (p.HasExited) Assert.Fail("the run ended before its first iteration's jobs were submitted: " + await err);
        Learn.Sh("kill", ["-TERM", p.Id.ToString()]);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "SIGTERM did not stop the driver");
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("cancelled Slurm job(s)", await err);
        var token = OracleSubmission.Load(record).Token;
        // scancel is asynchronous: a cancelled task may show as COMPLETING for a moment; none stays pending or running.
        string queue = "";
        var wait = Stopwatch.StartNew();
        do
        {
            (_, queue) = Learn.Sh("squeue", ["-h", "-r", "-t", "PENDING,RUNNING", "-o", "%j %K %T"]);
            if (!queue.Contains("alhpc-" + token)) break;
            Thread.Sleep(200);
        } while (wait.Elapsed < TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("alhpc-" + token, queue);
    }

    [Fact]
    public void RetriesThenReportsOrDropsATaskThatAlwaysFails()
    {
        var dir = TestPaths.NewTempDir();
        var script = ShellOracles.Script(dir,
            "echo \"job=$SLURM_JOB_ID\" >> \"$ALHPC_TASK_DIR/runs\"\n" +
            // structure 0 fails on its first run; structure 2 always fails
            "if grep -q ' 2.7 ' \"$1\" && [ $(wc -l < \"$ALHPC_TASK_DIR/runs\") -lt 2 ]; then echo 'SCF did not converge' >&2; exit 3; fi\n" +
            "if grep -q ' 2.9 ' \"$1\"; then echo 'segmentation fault' >&2; exit 139; fi\n" + ShellOracles.Awk());
        OracleSettings Settings(OracleFailurePolicy p) => new()
        {
            Dispatch = OracleDispatch.Slurm, Retries = 2, OnFailure = p,
            Slurm = new SlurmSettings { PollSeconds = 0.3, Sbatch = ["#SBATCH --time=5"] },
        };
        var s = ShellOracles.SameSizeStructures(3);
        var drop = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Settings(OracleFailurePolicy.Drop));
        drop.Preflight();
        var batch = Path.Combine(dir, "drop");
        var labels = drop.Label(s, false, batch, CancellationToken.None);
        Assert.NotNull(labels[0]);
        Assert.NotNull(labels[1]);
        Assert.Null(labels[2]);
        Assert.Equal(2, drop.Calls); // a failed task is never counted as labelled
        int Runs(string b, int t) => File.ReadAllLines(Path.Combine(b, $"task-{t:D4}", "runs")).Length;
        Assert.Equal([2, 1, 3], new[] { Runs(batch, 0), Runs(batch, 1), Runs(batch, 2) });

        var stop = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Settings(OracleFailurePolicy.Stop));
        var b2 = Path.Combine(dir, "stop");
        var e = Assert.Throws<OracleException>(() => stop.Label(s, false, b2, CancellationToken.None));
        Assert.Contains(Path.Combine(b2, "task-0002", "try-3"), e.Message);
        Assert.Contains("exited with code 139", e.Message);
        Assert.Contains("segmentation fault", e.Message);
        Assert.Equal(0, stop.Calls);
    }

    [Fact]
    public async Task AMissingSbatchIsAClearErrorAtTheStart()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        var cfg = Learn.Config(dir, "slurm");
        var psi = new ProcessStartInfo(Learn.Alhpc) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "learn", "--config", cfg, "--out", run }) psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = Path.Combine(dir, "no-slurm-here");
        // the app host finds the runtime through DOTNET_ROOT when PATH has no dotnet
        psi.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));
        p.WaitForExit();
        var output = await o + await e;
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("'sbatch' could not be run", output);
        Assert.False(File.Exists(Path.Combine(run, "state.json")));
    }

    [Fact]
    public void ARejectedJobScriptIsAClearErrorAtTheStart()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        var cfg = Learn.Config(dir, "slurm", ", \"slurm\": { \"sbatch\": [\"#SBATCH --partition=no-such-partition\"] }");
        var clock = Stopwatch.StartNew();
        var (code, output) = Learn.Run("learn", "--config", cfg, "--out", run);
        Assert.NotEqual(0, code);
        Assert.Contains("rejects the job script", output);
        Assert.Contains("no-such-partition", output);
        Assert.False(File.Exists(Path.Combine(run, "state.json")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
    }
}

/// <summary>The same kill-and-resume rule for dispatch "pool": the driver's processes outlive a SIGKILL and are re-attached.</summary>
[Collection("slurm")]
public class PoolDispatchResumeTests(LocalReferenceRun reference, ITestOutputHelper log)
{
    [Fact]
    public void ADriverKilledWhileProcessesRunResumesWithoutLosingOrRepeatingATask()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        var cfg = Learn.Config(dir, "pool", ", \"processes\": 1");
        using (var p = Learn.Start("learn", "--config", cfg, "--out", run))
        {
            var batch = Path.Combine(run, "oracle", "iter-0001");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(180) && !p.HasExited
                   && !(Directory.Exists(batch) && Directory.EnumerateFiles(batch, "started", SearchOption.AllDirectories).Any()))
                Thread.Sleep(10);
            if (p.HasExited) Assert.Fail("the run ended before its first iteration's oracle runs: " + p.StandardError.ReadToEnd());
            p.Kill();
            p.WaitForExit();
            int running = Directory.EnumerateFiles(batch, "started", SearchOption.AllDirectories).Count(f => !File.Exists(Path.Combine(Path.GetDirectoryName(f)!, "exit")));
            log.WriteLine($"killed with {running} oracle process(es) running");
        }
        var (code, output) = Learn.Run("learn", "--resume", run);
        Assert.True(code == 0, output);
        Assert.Contains("re-attached", output);
        Assert.Equal(reference.Pool, File.ReadAllText(Path.Combine(run, "pool.extxyz")));
        var runs = Learn.RunsPerTask(run);
        Assert.Equal(Learn.TaskDirectories(run), runs.Count);
        Assert.All(runs, r => Assert.True(r.Value == 1, $"{r.Key} ran {r.Value} times"));
        log.WriteLine($"kill-and-resume with the process pool: {runs.Count} tasks, {runs.Values.Sum()} runs");
    }
}

/// <summary>SIGTERM to `alhpc learn` while the local oracle command runs: the command's whole process group goes with it.</summary>
[Collection("console")]
public class LearnSigtermTests
{
    [Fact]
    public async Task SigtermKillsTheOracleProcessGroup()
    {
        var dir = TestPaths.NewTempDir();
        var sleep = ShellOracles.UniqueSleep();
        var script = ShellOracles.Script(dir, $"(sleep {sleep}) &\nsleep {sleep}");
        var cfg = Path.Combine(dir, "c.json");
        File.WriteAllText(cfg, $$"""
        { "oracle": { "kind": "command", "command": "sh {{script}} {input} {output}" }, "monitor": { "size": 0 }, "plots": false }
        """);
        using var p = Learn.Start("learn", "--config", cfg, "--out", Path.Combine(dir, "run"));
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (ShellOracles.ProcessesWith(sleep).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited) Thread.Sleep(20);
        Assert.Equal(2, ShellOracles.ProcessesWith(sleep).Count); // the seed labelling is running
        Learn.Sh("kill", ["-TERM", p.Id.ToString()]);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "SIGTERM did not stop the driver during the seed labelling");
        ShellOracles.AssertNoneLeft(sleep);
        Assert.Contains("interrupted", await err);
    }
}
