using System.Diagnostics;
using AlHpc.ActiveLearning;
using AlHpc.Structures;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>Shell "quantum codes" for the command-oracle tests (awk only: nothing beyond a Debian base image).</summary>
internal static class ShellOracles
{
    /// <summary>
    /// Labels every frame of $1 into $2: energy = -0.1 per atom - 0.001 * frame number, forces 0. EDIT is awk
    /// run on each atom line before it is stored (e.g. "if (i==1) $2 = $2 + 0.05"); REVERSE prints the frames last first.
    /// </summary>
    public static string Awk(string edit = "", bool reverse = false) =>
        "awk 'state==0 { n=$1; state=1; next }\n" +
        "     state==1 { hdr=$0; state=2; i=0; next }\n" +
        "     state==2 { i++; " + edit + "; atoms[i]=$0 \" 0 0 0\"; if (i==n) { f++; sub(/Properties=[^ ]*/, \"Properties=species:S:1:pos:R:3:forces:R:3\", hdr);\n" +
        "                frame[f]=n \"\\n\" hdr \" energy=\" (-0.1*n - 0.001*f); for (k=1;k<=n;k++) frame[f]=frame[f] \"\\n\" atoms[k]; state=0 } }\n" +
        "     END { if (" + (reverse ? "1" : "0") + ") { for (k=f;k>=1;k--) print frame[k] } else { for (k=1;k<=f;k++) print frame[k] } }' \"$1\" > \"$2\"";

    public static string Script(string dir, string body, string name = "oracle.sh")
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        return path;
    }

    public static string Command(string script) => $"sh {ExternalCommandOracle.ShellQuote(script)} {{input}} {{output}}";

    /// <summary>Runs <paramref name="f"/> on its own thread and waits at most <paramref name="limit"/> (a hang fails the test instead of blocking the suite).</summary>
    public static (bool Done, T? Result, Exception? Error) Within<T>(Func<T> f, TimeSpan limit)
    {
        T? result = default; Exception? error = null;
        var t = new Thread(() => { try { result = f(); } catch (Exception e) { error = e; } }) { IsBackground = true };
        t.Start();
        bool done = t.Join(limit);
        return (done, result, error);
    }

    /// <summary>Live (non-zombie) processes whose command line contains <paramref name="marker"/>.</summary>
    public static List<int> ProcessesWith(string marker)
    {
        var found = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                if (!cmd.Contains(marker)) continue;
                var stat = File.ReadAllText(Path.Combine(d, "stat"));
                if (stat[(stat.LastIndexOf(')') + 2)] == 'Z') continue;
                found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>A sleep duration that names the test: "600.&lt;digits&gt;" (found again in /proc/*/cmdline).</summary>
    public static string UniqueSleep() => "600." + Random.Shared.NextInt64(100000000, 999999999);

    public static void AssertNoneLeft(string marker)
    {
        var clock = Stopwatch.StartNew();
        while (ProcessesWith(marker).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(50);
        Assert.True(ProcessesWith(marker).Count == 0, $"processes left running: {string.Join(", ", ProcessesWith(marker))}");
    }

    public static List<Cluster> SameSizeStructures(int count) =>
        Enumerable.Range(0, count).Select(i => new Cluster([0, 0, 0, new[] { 2.7, 2.8, 2.9, 3.0, 3.1 }[i], 0, 0, 0, 2.8, new[] { 0, 0.25, 0.5, 0.75, 1.0 }[i]])).ToList();
}

/// <summary>
/// The command oracle cannot hang, lie or leave things behind (issue 17, "an oracle that cannot lie or hang"):
/// own process group, every wait bounded, the whole group killed, a private temporary folder removed
/// afterwards, output read with a bounded buffer, every frame matched to its input.
/// </summary>
public class OracleHardeningTests
{
    private static ExternalCommandOracle Oracle(string script, double timeout = 30, OracleSettings? s = null) =>
        new(ShellOracles.Command(script), TimeSpan.FromSeconds(timeout), null, s ?? new OracleSettings { Retries = 0 });

    [Fact]
    public void ABackgroundChildHoldingTheOutputDoesNotHang()
    {
        var dir = TestPaths.NewTempDir();
        var sleep = ShellOracles.UniqueSleep();
        var script = ShellOracles.Script(dir, ShellOracles.Awk() + $"\n(sleep {sleep}) &\nexit 0");
        var oracle = Oracle(script, timeout: 3);
        var clock = Stopwatch.StartNew();
        var (done, result, error) = ShellOracles.Within(() => oracle.Label(ShellOracles.SameSizeStructures(2), true, CancellationToken.None), TimeSpan.FromSeconds(30));
        Assert.True(done, "the oracle call hung on a background process holding stdout/stderr");
        Assert.Null(error);
        Assert.Equal(2, result!.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:F1} s");
        ShellOracles.AssertNoneLeft(sleep); // what the command left in the background is killed with its group
    }

    [Fact]
    public void TimeoutKillsTheWholeProcessGroup()
    {
        var dir = TestPaths.NewTempDir();
        var sleep = ShellOracles.UniqueSleep();
        var script = ShellOracles.Script(dir, $"(sleep {sleep}) &\nsleep {sleep}");
        var oracle = Oracle(script, timeout: 1);
        var clock = Stopwatch.StartNew();
        var (done, _, error) = ShellOracles.Within(() => oracle.Label(ShellOracles.SameSizeStructures(1), false, CancellationToken.None), TimeSpan.FromSeconds(30));
        Assert.True(done, "hung past the timeout");
        var e = Assert.IsType<OracleException>(error);
        Assert.Contains("timed out", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:F1} s");
        ShellOracles.AssertNoneLeft(sleep);
    }

    [Fact]
    public void CancellationKillsTheGroupAndRemovesTheTemporaryFolder()
    {
        var dir = TestPaths.NewTempDir();
        var sleep = ShellOracles.UniqueSleep();
        var where = Path.Combine(dir, "where");
        var script = ShellOracles.Script(dir, $"dirname \"$(dirname \"$ALHPC_ORACLE_INPUT\")\" > {ExternalCommandOracle.ShellQuote(where)}\n(sleep {sleep}) &\nsleep {sleep}");
        var oracle = Oracle(script, timeout: 600);
        using var cts = new CancellationTokenSource();
        Exception? error = null;
        var worker = new Thread(() => { try { oracle.Label(ShellOracles.SameSizeStructures(1), false, cts.Token); } catch (Exception e) { error = e; } }) { IsBackground = true };
        worker.Start();
        var clock = Stopwatch.StartNew();
        while (ShellOracles.ProcessesWith(sleep).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        cts.Cancel();
        Assert.True(worker.Join(TimeSpan.FromSeconds(20)), "cancellation did not end the oracle call");
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        ShellOracles.AssertNoneLeft(sleep);
        var batch = File.ReadAllText(where).Trim();
        Assert.False(Directory.Exists(batch), $"{batch} was left behind");
    }

    [Fact]
    public void EachRunGetsAPrivateTemporaryFolderThatIsRemoved()
    {
        var dir = TestPaths.NewTempDir();
        var info = Path.Combine(dir, "info");
        var script = ShellOracles.Script(dir,
            $"b=$(dirname \"$(dirname \"$ALHPC_ORACLE_INPUT\")\")\necho \"$b $(stat -c %a \"$b\")\" > {ExternalCommandOracle.ShellQuote(info)}\n" + ShellOracles.Awk());
        var oracle = Oracle(script);
        oracle.Label(ShellOracles.SameSizeStructures(2), false, CancellationToken.None);
        var w = File.ReadAllText(info).Trim().Split(' ');
        Assert.Equal("700", w[1]);
        Assert.DoesNotContain(Path.Combine(Path.GetTempPath(), "alhpc-oracle") + "/", w[0] + "x"); // no fixed shared folder
        Assert.False(Directory.Exists(w[0]), $"{w[0]} was left behind");
    }

    [Fact]
    public void FramesInAnotherOrderAreRejected()
    {
        var dir = TestPaths.NewTempDir();
        var oracle = Oracle(ShellOracles.Script(dir, ShellOracles.Awk(reverse: true)));
        var e = Assert.Throws<OracleException>(() => oracle.Label(ShellOracles.SameSizeStructures(3), false, CancellationToken.None));
        Assert.Contains("frame 0 is not its input structure", e.Message);
        Assert.Contains("task-0000", e.Message);
        Assert.Equal(0, oracle.Calls);
    }

    /// <summary>The failure of an oracle whose output frames are the input's with <paramref name="edit"/> (awk) applied.</summary>
    private static OracleException EditedOutputFails(string edit)
    {
        var dir = TestPaths.NewTempDir();
        var oracle = Oracle(ShellOracles.Script(dir, ShellOracles.Awk(edit: edit)));
        return Assert.Throws<OracleException>(() => oracle.Label(ShellOracles.SameSizeStructures(2), true, CancellationToken.None));
    }

    [Fact]
    public void AFrameWithAnotherElementIsRejectedNamingTheAtom() =>
        Assert.Contains("frame 0 atom 1 has element H, the input structure has O", EditedOutputFails("if (i==2) $1 = \"H\"").Message);

    [Fact]
    public void RelaxedGeometriesAreRejected()
    {
        var e = EditedOutputFails("if (i==2) $3 = $3 + 0.05");
        Assert.Contains("atom 1 coordinate y", e.Message);
        Assert.Contains("task-0000", e.Message);
        // Within the tolerance (a code printing 6 decimals) is fine.
        var ok = Oracle(ShellOracles.Script(TestPaths.NewTempDir(), ShellOracles.Awk(edit: "if (i==2) $3 = $3 + 0.00002"), "ok.sh"));
        Assert.Equal(2, ok.Label(ShellOracles.SameSizeStructures(2), true, CancellationToken.None).Count);
    }

    [Fact]
    public void AFailedAttemptIsRetried()
    {
        var dir = TestPaths.NewTempDir();
        var script = ShellOracles.Script(dir,
            "echo run >> \"$ALHPC_TASK_DIR/runs\"\nif [ $(wc -l < \"$ALHPC_TASK_DIR/runs\") -lt 2 ]; then echo 'SCF failed' >&2; exit 3; fi\n" + ShellOracles.Awk());
        var oracle = Oracle(script, s: new OracleSettings { Retries = 1 });
        var labels = oracle.Label(ShellOracles.SameSizeStructures(2), false, CancellationToken.None);
        Assert.Equal(-0.3 - 0.001, labels[0].Energy, 12);
        Assert.Equal(2, oracle.Calls);
        // With no retries the same command fails, quoting its stderr.
        var once = Oracle(script, s: new OracleSettings { Retries = 0 });
        var e = Assert.Throws<OracleException>(() => once.Label(ShellOracles.SameSizeStructures(2), false, CancellationToken.None));
        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("SCF failed", e.Message);
    }
}

/// <summary>A command printing hundreds of megabytes: the driver reads only a bounded tail (runs alone: it measures allocations).</summary>
[CollectionDefinition("oracle-memory", DisableParallelization = true)]
public class OracleMemoryCollection;

[Collection("oracle-memory")]
public class OracleOutputBoundTests
{
    [Fact]
    public void HugeOutputIsReadWithABoundedBuffer()
    {
        var dir = TestPaths.NewTempDir();
        // 120 MB on stderr in one line, 120 MB on stdout, then a failure.
        var script = ShellOracles.Script(dir, "head -c 120000000 /dev/zero | tr '\\0' x >&2\nhead -c 120000000 /dev/zero | tr '\\0' y\nexit 5");
        var oracle = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(120), null, new OracleSettings { Retries = 0 });
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(true);
        var e = Assert.Throws<OracleException>(() => oracle.Label(ShellOracles.SameSizeStructures(1), false, CancellationToken.None));
        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        Assert.Contains("exited with code 5", e.Message);
        Assert.True(e.Message.Length < 5000, $"message of {e.Message.Length} characters");
        Assert.True(allocated < 30_000_000, $"the driver allocated {allocated / 1e6:F0} MB reading the command's output");
        Directory.Delete(e.Message.Split("files kept: ").Last().Trim(), true);
    }
}

/// <summary>dispatch "pool": N processes at once, retries, and a batch directory that is resumed.</summary>
public class OraclePoolTests
{
    private static OracleSettings Pool(int processes, int retries = 0, OracleFailurePolicy onFailure = OracleFailurePolicy.Stop) =>
        new() { Dispatch = OracleDispatch.Pool, Processes = processes, Retries = retries, OnFailure = onFailure };

    [Fact]
    public void RunsOneProcessPerStructureConcurrently()
    {
        var dir = TestPaths.NewTempDir();
        var batch = Path.Combine(dir, "batch");
        // Each run records when it started and ended; 4 runs of 3 s with 4 processes must all overlap.
        var script = ShellOracles.Script(dir, "date +%s.%N > \"$ALHPC_ATTEMPT_DIR/t0\"\nsleep 3\ndate +%s.%N > \"$ALHPC_ATTEMPT_DIR/t1\"\n" + ShellOracles.Awk());
        var oracle = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Pool(4));
        var s = ShellOracles.SameSizeStructures(4);
        var labels = oracle.Label(s, true, batch, CancellationToken.None);
        double Time(int task, string f) => double.Parse(File.ReadAllText(Path.Combine(batch, $"task-{task:D4}", "try-1", f)), System.Globalization.CultureInfo.InvariantCulture);
        double lastStart = Enumerable.Range(0, 4).Max(t => Time(t, "t0")), firstEnd = Enumerable.Range(0, 4).Min(t => Time(t, "t1"));
        Assert.True(lastStart < firstEnd, $"the 4 runs did not overlap: last start {lastStart:F2}, first end {firstEnd:F2}");
        Assert.All(labels, l => Assert.Equal(-0.3 - 0.001, l!.Value.Energy, 12)); // one frame per run
        Assert.Equal(4, oracle.Calls);
    }

    [Fact]
    public void DropsAStructureThatAlwaysFailsAndAResumeRunsOnlyWhatIsMissing()
    {
        var dir = TestPaths.NewTempDir();
        var batch = Path.Combine(dir, "batch");
        var broken = Path.Combine(dir, "broken");
        File.WriteAllText(broken, "");
        // Structure 2 (x of atom 1 = 2.9) fails while the file "broken" exists.
        var script = ShellOracles.Script(dir,
            "echo run >> \"$ALHPC_TASK_DIR/runs\"\n" +
            $"if [ -e {ExternalCommandOracle.ShellQuote(broken)} ] && grep -q ' 2.9 ' \"$1\"; then echo 'basis set missing' >&2; exit 4; fi\n" + ShellOracles.Awk());
        var s = ShellOracles.SameSizeStructures(4);
        var drop = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Pool(2, retries: 1, OracleFailurePolicy.Drop));
        var labels = drop.Label(s, false, batch, CancellationToken.None);
        Assert.Null(labels[2]);
        Assert.All(new[] { 0, 1, 3 }, i => Assert.NotNull(labels[i]));
        Assert.Equal(3, drop.Calls);
        int Runs(int task) => File.ReadAllLines(Path.Combine(batch, $"task-{task:D4}", "runs")).Length;
        Assert.Equal([1, 1, 2, 1], Enumerable.Range(0, 4).Select(Runs).ToArray());

        // Stop (the default): the error names the task's directory and the reason.
        var stop = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Pool(2, retries: 1));
        var e = Assert.Throws<OracleException>(() => stop.Label(s, false, Path.Combine(dir, "batch2"), CancellationToken.None));
        Assert.Contains(Path.Combine(dir, "batch2", "task-0002"), e.Message);
        Assert.Contains("exited with code 4", e.Message);
        Assert.Contains("basis set missing", e.Message);

        // Fixed, the same batch again: the finished tasks are collected, only task 2 runs (once).
        File.Delete(broken);
        var again = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Pool(2));
        var all = again.Label(s, false, batch, CancellationToken.None);
        Assert.All(all, l => Assert.NotNull(l));
        Assert.Equal(labels[0], all[0]);
        Assert.Equal([1, 1, 3, 1], Enumerable.Range(0, 4).Select(Runs).ToArray());
        // Another set of structures for the same batch directory is refused.
        var other = ShellOracles.SameSizeStructures(5).Skip(1).ToList();
        var mismatch = Assert.Throws<OracleException>(() => again.Label(other, false, batch, CancellationToken.None));
        Assert.Contains("other structures", mismatch.Message);
    }

    [Fact]
    public void ASubmissionRecordedButNeverStartedIsSubmittedOnResumeAndNothingElseRuns()
    {
        var dir = TestPaths.NewTempDir();
        var batch = Path.Combine(dir, "batch");
        var script = ShellOracles.Script(dir, "echo run >> \"$ALHPC_TASK_DIR/runs\"\n" + ShellOracles.Awk());
        var s = ShellOracles.SameSizeStructures(3);
        var first = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Pool(2)).Label(s, false, batch, CancellationToken.None);
        // Make task 1 look as if the driver died right after writing its record (intent), before starting it.
        var attempt = Path.Combine(batch, "task-0001", "try-1");
        foreach (var f in new[] { "exit", "started", "output.extxyz", "stdout", "stderr" }) File.Delete(Path.Combine(attempt, f));
        File.Delete(Path.Combine(batch, "task-0001", "runs"));
        var record = Directory.GetFiles(batch, "submit-*.json").Single(f => OracleSubmission.Load(f).Attempts.Contains(Path.Combine("task-0001", "try-1")));
        var rec = OracleSubmission.Load(record);
        rec.Pid = 0; rec.PidStartTicks = 0;
        rec.Save(record);
        int records = Directory.GetFiles(batch, "submit-*.json").Length;

        var again = new ExternalCommandOracle(ShellOracles.Command(script), TimeSpan.FromSeconds(60), null, Pool(2)).Label(s, false, batch, CancellationToken.None);
        Assert.Equal(first, again);
        Assert.Single(File.ReadAllLines(Path.Combine(batch, "task-0001", "runs")));            // submitted once now
        Assert.Single(Directory.GetDirectories(Path.Combine(batch, "task-0001"), "try-*"));      // in the recorded attempt's directory
        Assert.Single(File.ReadAllLines(Path.Combine(batch, "task-0000", "runs")));            // the others were collected, not run again
        Assert.Single(File.ReadAllLines(Path.Combine(batch, "task-0002", "runs")));
        Assert.Equal(records + 1, Directory.GetFiles(batch, "submit-*.json").Length);
    }
}
