using System.Globalization;
using System.Text;
using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>
/// An oracle that labels structures with the user's command (a quantum-chemistry code behind a script);
/// see docs/oracles.md. Each run of the command gets one extxyz input file and writes one extxyz output
/// file: <c>{input}</c> and <c>{output}</c> in the template are replaced by the (shell-quoted) paths, also
/// given as ALHPC_ORACLE_INPUT and ALHPC_ORACLE_OUTPUT; energies <c>energy=</c> (eV) per frame, per-atom
/// <c>forces</c> (eV/A, the negative gradient) when asked for.
/// <para>
/// Where the command runs (<see cref="OracleDispatch"/>): "local" one run for all structures of a batch;
/// "pool" one run per structure, several at once; "slurm" one Slurm array task per structure. Every run
/// is in its own session and process group, its stdin, stdout and stderr on files in its private attempt
/// directory (nothing is held in memory; errors quote the last 2000 bytes of stderr); every wait is bounded
/// by <see cref="Timeout"/> (and on Slurm by the queue timeout); the whole group is killed on timeout and on
/// cancellation (Ctrl+C, SIGTERM), and whatever it left in the background when it ends.
/// </para>
/// <para>
/// Checks of a run's result, each a failed attempt (retried <see cref="Retries"/> times, then the run stops
/// or drops the structure): non-zero exit, timeout, lost job, missing or unreadable output (e.g. NaN, which
/// the extxyz reader rejects with file and line), wrong frame count, and for every frame: atom count,
/// element, every coordinate within <see cref="PositionTolerance"/> of its input (frames in input order,
/// not relaxed), finite energy, forces when asked for (finite).
/// </para>
/// </summary>
internal sealed class ExternalCommandOracle : IBatchOracle
{
    private long _calls;
    private readonly object _gate = new();
    private OracleDispatcher? _current;

    /// <param name="commandTemplate">Shell command, e.g. <c>"./run_dft.sh {input} {output}"</c>.</param>
    /// <param name="timeout">Wall-clock limit of one command run.</param>
    /// <param name="workingDirectory">Directory the command runs in (null: the current directory).</param>
    public ExternalCommandOracle(string commandTemplate, TimeSpan timeout, string? workingDirectory = null, OracleSettings? settings = null)
    {
        if (string.IsNullOrWhiteSpace(commandTemplate)) throw new ArgumentException("the oracle command is empty", nameof(commandTemplate));
        if (timeout <= TimeSpan.Zero) throw new ArgumentException("the oracle timeout must be positive", nameof(timeout));
        settings ??= new OracleSettings();
        CommandTemplate = commandTemplate;
        Timeout = timeout;
        WorkingDirectory = Path.GetFullPath(workingDirectory ?? Environment.CurrentDirectory);
        Dispatch = settings.Dispatch;
        Retries = settings.Retries;
        OnFailure = settings.OnFailure;
        PositionTolerance = settings.PositionTolerance;
        Slurm = settings.Slurm ?? new SlurmSettings();
        QueueTimeout = TimeSpan.FromSeconds(Slurm.QueueTimeoutSeconds);
        Processes = settings.Processes > 0 ? settings.Processes : Environment.ProcessorCount;
    }

    public string CommandTemplate { get; }
    public TimeSpan Timeout { get; }
    public TimeSpan QueueTimeout { get; }
    public string WorkingDirectory { get; }
    public OracleDispatch Dispatch { get; }
    public int Retries { get; }
    public OracleFailurePolicy OnFailure { get; }
    public double PositionTolerance { get; }
    public int Processes { get; }
    public SlurmSettings Slurm { get; }

    /// <summary>Informational lines (retries, resumed batches).</summary>
    public Action<string>? Message { get; set; }

    public string Name => Dispatch == OracleDispatch.Local ? $"command: {CommandTemplate}" : $"command ({Dispatch.ToString().ToLowerInvariant()}): {CommandTemplate}";
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Sets the call counter (when a run resumes from a checkpoint).</summary>
    public void RestoreCalls(long calls) => Interlocked.Exchange(ref _calls, calls);

    private IOracleScheduler NewScheduler() => Dispatch switch
    {
        OracleDispatch.Slurm => new SlurmScheduler(Slurm),
        OracleDispatch.Pool => new LocalProcessScheduler(Processes),
        _ => new LocalProcessScheduler(1),
    };

    /// <summary>Checks that commands can be run at all (e.g. sbatch present, the #SBATCH lines accepted); clear errors before anything is labelled.</summary>
    public void Preflight() => NewScheduler().Preflight(WorkingDirectory);

    /// <summary>Labels in a fresh private temporary folder (removed afterwards; kept, and named in the error, when the labelling failed).</summary>
    public IReadOnlyList<OracleLabel> Label(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel)
    {
        if (structures.Count == 0) return Array.Empty<OracleLabel>();
        var dir = Directory.CreateTempSubdirectory("alhpc-oracle-").FullName; // mkdtemp: unique, owner-only
        bool keep = false;
        try
        {
            var labels = Label(structures, forces, dir, cancel);
            var missing = labels.Select((l, i) => (l, i)).Where(x => x.l is null).Select(x => x.i).ToList();
            if (missing.Count > 0)
            {
                keep = true;
                throw new OracleException($"oracle command '{CommandTemplate}' dropped {missing.Count} structure(s) (oracle.onFailure = drop) where every structure needs a label; files kept: {dir}");
            }
            return labels.Select(l => l!.Value).ToArray();
        }
        catch (OracleException e) when (!keep)
        {
            keep = true;
            throw new OracleException($"{e.Message}\nfiles kept: {dir}", e);
        }
        finally
        {
            if (!keep) try { Directory.Delete(dir, true); } catch { /* best effort */ }
        }
    }

    /// <summary>
    /// Labels in <paramref name="batchDirectory"/> (created owner-only; inside the run directory for a run): a
    /// directory that already holds this batch is resumed (finished tasks collected, live ones waited for,
    /// only never-submitted ones submitted). Null entries: dropped after the retries (oracle.onFailure = drop).
    /// </summary>
    public IReadOnlyList<OracleLabel?> Label(IReadOnlyList<Cluster> structures, bool forces, string batchDirectory, CancellationToken cancel)
    {
        if (structures.Count == 0) return Array.Empty<OracleLabel?>();
        var d = new OracleDispatcher(this, NewScheduler(), batchDirectory, Message);
        lock (_gate) _current = d;
        try
        {
            var labels = d.Run(structures, forces, Dispatch == OracleDispatch.Local, cancel);
            Interlocked.Add(ref _calls, labels.Count(l => l != null));
            return labels;
        }
        finally
        {
            // Keep the dispatcher reachable after a cancellation, for the question about its Slurm jobs.
        }
    }

    /// <summary>Slurm jobs of the last batch still queued or running (after an interruption).</summary>
    public IReadOnlyList<OracleSubmission> OutstandingJobs
    {
        get
        {
            OracleDispatcher? d;
            lock (_gate) d = _current;
            return Dispatch == OracleDispatch.Slurm && d != null ? d.Outstanding : Array.Empty<OracleSubmission>();
        }
    }

    public void CancelOutstandingJobs() => SlurmScheduler.CancelJobs(OutstandingJobs);

    /// <summary>The text of ATTEMPT/command.sh: change to the working directory, run the command with the paths filled in.</summary>
    internal string CommandScript(string input, string output) =>
        "# written by AlHpc: the oracle command of this attempt\n" +
        $"cd {ShellQuote(WorkingDirectory)} || exit 97\n" +
        CommandTemplate.Replace("{input}", ShellQuote(input)).Replace("{output}", ShellQuote(output)) + "\n";

    /// <summary>Creates <paramref name="dir"/> (and its parents) with owner-only rights on the last level.</summary>
    public static void CreatePrivateDirectory(string dir)
    {
        if (Directory.Exists(dir))
        {
            if (new DirectoryInfo(dir).LinkTarget != null) throw new OracleException($"{dir} is a symbolic link; refusing to use it for oracle files");
            return;
        }
        var parent = Path.GetDirectoryName(Path.GetFullPath(dir));
        if (parent != null) Directory.CreateDirectory(parent);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Reads and checks the output of one run against its input structures.</summary>
    internal OracleLabel[] ReadLabels(string output, IReadOnlyList<Cluster> structures, bool forces)
    {
        List<Cluster> frames;
        try { frames = ExtXyz.Read(output).Take(structures.Count + 1).ToList(); }
        catch (InputFormatException e) { throw new OracleException($"wrote an unreadable output: {e.Message}", e); }
        if (frames.Count != structures.Count)
            throw new OracleException($"returned {(frames.Count > structures.Count ? "more than " + structures.Count : frames.Count.ToString(CultureInfo.InvariantCulture))} frames for {structures.Count} structures");
        var labels = new OracleLabel[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            var s = structures[i];
            if (f.Count != s.Count)
                throw new OracleException($"frame {i} has {f.Count} atoms, the input structure has {s.Count}");
            if (f.FirstElementDifference(s) is var a and >= 0)
                throw new OracleException($"frame {i} atom {a} has element {f.ElementOf(a)}, the input structure has {s.ElementOf(a)}");
            for (int j = 0; j < s.Positions.Length; j++)
            {
                double diff = Math.Abs(f.Positions[j] - s.Positions[j]);
                if (!(diff <= PositionTolerance))
                    throw new OracleException(string.Create(CultureInfo.InvariantCulture,
                        $"frame {i} is not its input structure: atom {j / 3} coordinate {"xyz"[j % 3]} is {f.Positions[j]:G9}, the input has {s.Positions[j]:G9} (tolerance {PositionTolerance:G3} A; frames must come back in input order and unrelaxed)"));
            }
            if (f.Energy is not { } e) throw new OracleException($"frame {i} has no energy= value");
            if (!double.IsFinite(e)) throw new OracleException($"frame {i} has a non-finite energy ({e})");
            if (forces)
            {
                if (f.Forces is null) throw new OracleException($"frame {i} has no forces (forces were asked for: the run trains on them, training.forcesWeight > 0; set it to 0 for an energy-only code)");
                foreach (var v in f.Forces) if (!double.IsFinite(v)) throw new OracleException($"frame {i} has a non-finite force");
            }
            labels[i] = new OracleLabel(e, forces ? f.Forces : null);
        }
        return labels;
    }

    /// <summary>The last <paramref name="max"/> bytes of a file as text (bounded, whatever the file's size); "" when absent.</summary>
    public static string TailOf(string path, int max)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            long start = Math.Max(0, fs.Length - max);
            fs.Seek(start, SeekOrigin.Begin);
            var buf = new byte[(int)Math.Min(max, fs.Length)];
            int n = fs.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
            var s = Encoding.UTF8.GetString(buf, 0, n).TrimEnd();
            return start > 0 ? "..." + s : s;
        }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Single-quotes a path for /bin/sh.</summary>
    public static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
