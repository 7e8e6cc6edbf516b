using System.Diagnostics;
using System.Text.Json.Nodes;
using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Structures;
using AlHpc.Tests.ActiveLearning;

namespace AlHpc.Tests.Integrity;

/// <summary>
/// Issue 17, Why 1 / What 1 and Why 4: a bad checkpoint never changes the run directory, labelled data is
/// never dropped on a resume, one run per directory (a lock naming the holder), --out refuses a user's files,
/// nothing is created before the inputs are checked, temporary files are cleaned on start.
/// </summary>
[Collection("console")]
public class RunDirectoryIntegrityTests
{
    private static ActiveLearningConfig Config()
    {
        var c = FakeSetup.TinyConfig(seed: 11);
        c.Selection.ToleranceMeV = 1e-5; // keeps adding
        c.Stop.MaxIterations = 7;
        return c;
    }

    /// <summary>A run stopped cleanly after 3 iterations (pool larger than the seed).</summary>
    private static string StoppedRun()
    {
        var dir = TestPaths.NewTempDir();
        using var run = ActiveLearningRun.Create(dir, Config(), FakeSetup.Parts(), FakeSetup.SeedPool(), new RunCallbacks { StopAfterIteration = 3 });
        run.Run();
        return dir;
    }

    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != DirectoryLock.FileName)
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string dir)
    {
        var after = Snapshot(dir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (k, v) in before) Assert.True(v.AsSpan().SequenceEqual(after[k]), $"{k} changed");
    }

    [Theory]
    [InlineData("poolSize", "0")]
    [InlineData("poolSize", "-1")]
    [InlineData("poolSize", "2")]          // smaller than the pool file and than the log says
    [InlineData("iteration", "-5")]
    [InlineData("iteration", "1")]         // the log and models say 3
    [InlineData("version", "2")]
    [InlineData("oracleCalls", "-7")]
    [InlineData("latestModel", "\"../../x.json\"")]
    [InlineData("latestModel", "\"models/gen-001.json\"")]
    [InlineData("consecutiveNoAdd", "-1")]
    [InlineData("elapsedSeconds", "\"NaN\"")]
    public void ABadCheckpointIsRejectedAndTheDirectoryIsNotChanged(string field, string value)
    {
        var dir = StoppedRun();
        var statePath = Path.Combine(dir, "state.json");
        var node = JsonNode.Parse(File.ReadAllText(statePath))!;
        node[field] = JsonNode.Parse(value);
        File.WriteAllText(statePath, node.ToJsonString());
        var before = Snapshot(dir);
        var e = Assert.Throws<InputFormatException>(() => ActiveLearningRun.Open(dir, _ => FakeSetup.Parts()));
        Assert.Contains("state.json", e.Message);
        AssertUnchanged(before, dir);
        // and through the CLI: exit 2, the file named
        var (code, _, err) = CliRunner.Run("learn", "--resume", dir);
        Assert.Equal(2, code);
        Assert.Contains("state.json", err);
        AssertUnchanged(before, dir);
    }

    [Fact]
    public void MissingModelsOrLogRowsAreRejected()
    {
        var dir = StoppedRun();
        File.Delete(Path.Combine(dir, "models", "gen-002.json"));
        var before = Snapshot(dir);
        var e = Assert.Throws<InputFormatException>(() => ActiveLearningRun.Open(dir, _ => FakeSetup.Parts()));
        Assert.Contains("gen-002.json", e.Message);
        AssertUnchanged(before, dir);

        dir = StoppedRun();
        var log = File.ReadAllLines(Path.Combine(dir, "log.csv"));
        File.WriteAllLines(Path.Combine(dir, "log.csv"), log.Take(2));
        Assert.Contains("log.csv", Assert.Throws<InputFormatException>(() => ActiveLearningRun.Open(dir, _ => FakeSetup.Parts())).Message);
    }

    [Fact]
    public void StructuresBeyondTheCheckpointAreKeptAsideNotDropped()
    {
        var dir = StoppedRun();
        var poolPath = Path.Combine(dir, "pool.extxyz");
        var pool = ExtXyz.Read(poolPath).ToList();
        int committed = pool.Count;
        var extra = new[]
        {
            new Cluster([0, 0, 0, 2.7, 0, 0]) { Energy = -1.25 },
            new Cluster([0, 0, 0, 2.9, 0, 0]) { Energy = -1.5 },
        };
        ExtXyz.Write(poolPath, pool.Concat(extra));
        var messages = new List<string>();
        using (var run = ActiveLearningRun.Open(dir, _ => FakeSetup.Parts(), new RunCallbacks { Message = messages.Add }))
            Assert.Equal(committed, run.Pool.Count);
        var aside = ExtXyz.Read(Path.Combine(dir, ActiveLearningRun.SetAsideFile)).ToList();
        Assert.Equal(new double?[] { -1.25, -1.5 }, aside.Select(c => c.Energy));
        Assert.Equal(2.9, aside[1].Positions[3]);
        Assert.Contains(messages, m => m.Contains(ActiveLearningRun.SetAsideFile));
        Assert.Equal(committed, ExtXyz.Read(poolPath).Count());

        // A second interruption appends; nothing set aside before is lost.
        ExtXyz.Write(poolPath, ExtXyz.Read(poolPath).ToList().Append(new Cluster([0, 0, 0, 3.1, 0, 0]) { Energy = -0.75 }));
        ActiveLearningRun.Open(dir, _ => FakeSetup.Parts()).Dispose();
        Assert.Equal(new double?[] { -1.25, -1.5, -0.75 }, ExtXyz.Read(Path.Combine(dir, ActiveLearningRun.SetAsideFile)).Select(c => c.Energy));
    }

    [Fact]
    public void TemporaryFilesOfInterruptedWritesAreRemovedOnResume()
    {
        var dir = StoppedRun();
        var t1 = Path.Combine(dir, ".pool.extxyz.12345.0123456789abcdef0123456789abcdef.tmp");
        var t2 = Path.Combine(dir, "models", ".gen-004.json.12345.0123456789abcdef0123456789abcdef.tmp");
        File.WriteAllText(t1, "half");
        File.WriteAllText(t2, "half");
        var user = Path.Combine(dir, "notes.tmp"); // not ours: stays
        File.WriteAllText(user, "mine");
        ActiveLearningRun.Open(dir, _ => FakeSetup.Parts()).Dispose();
        Assert.False(File.Exists(t1));
        Assert.False(File.Exists(t2));
        Assert.True(File.Exists(user));
    }

    /// <summary>Starts a bash process that holds the run directory's lock by the same protocol (flock + PID).</summary>
    private static Process HoldLock(string dir)
    {
        var psi = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", $"exec 9<>'{Path.Combine(dir, DirectoryLock.FileName)}'; flock -n 9 || exit 3; echo $$ >&9; echo locked; exec sleep 60" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var p = Process.Start(psi)!;
        Assert.Equal("locked", p.StandardOutput.ReadLine());
        return p;
    }

    [Fact]
    public void ASecondRunOnTheSameDirectoryFailsNamingTheHolder()
    {
        var dir = StoppedRun();
        // The stopped run of this process released its lock (disposed); another process now holds it.
        var holder = HoldLock(dir);
        try
        {
            var before = Snapshot(dir);
            var (code, _, err) = CliRunner.Run("learn", "--resume", dir);
            Assert.Equal(2, code);
            Assert.Contains($"process {holder.Id}", err);
            AssertUnchanged(before, dir);

            var fresh = TestPaths.NewTempDir();
            var h2 = HoldLock(fresh);
            try
            {
                var e = Assert.Throws<InputFormatException>(() => ActiveLearningRun.Create(fresh, Config(), FakeSetup.Parts(), FakeSetup.SeedPool()));
                Assert.Contains($"process {h2.Id}", e.Message);
                Assert.False(File.Exists(Path.Combine(fresh, "state.json")));
            }
            finally { h2.Kill(); h2.WaitForExit(); }
        }
        finally { holder.Kill(); holder.WaitForExit(); }
        // The holder is gone (killed): the kernel dropped its lock; the run continues.
        using var run = ActiveLearningRun.Open(dir, _ => FakeSetup.Parts());
        Assert.Equal(3, run.State.Iteration);
    }

    [Fact]
    public void OutRefusesADirectoryWithOtherFilesUnlessAllowed()
    {
        var dir = TestPaths.NewTempDir();
        var mine = Path.Combine(dir, "model.json");
        File.WriteAllText(mine, "my own model");
        var e = Assert.Throws<RunDirectoryException>(() => ActiveLearningRun.Create(dir, Config(), FakeSetup.Parts(), FakeSetup.SeedPool()));
        Assert.Equal(["model.json"], e.OtherFiles);
        Assert.False(e.HoldsRun);
        Assert.Contains("model.json", e.Message);
        Assert.DoesNotContain("--", e.Message); // the library's own terms; the CLI names --out and --allow-existing
        Assert.Equal(new[] { "model.json" }, Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Equal("my own model", File.ReadAllText(mine));

        var (code, _, err) = CliRunner.Run("learn", "--quick", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("--out names a directory that holds other files (model.json); choose a new or empty directory, or pass --allow-existing", err);
        Assert.Equal("my own model", File.ReadAllText(mine));

        using var run = ActiveLearningRun.Create(dir, Config(), FakeSetup.Parts(), FakeSetup.SeedPool(), allowOtherFiles: true);
        Assert.True(File.Exists(Path.Combine(dir, "state.json")));
    }

    private sealed class FailingOracle : IOracle
    {
        public string Name => "fails";
        public long Calls => 0;
        public IReadOnlyList<OracleLabel> Label(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel) =>
            throw new OracleException("the reference program is not installed");
    }

    [Fact]
    public void NothingIsLeftBehindWhenTheStartFails()
    {
        var root = TestPaths.NewTempDir();
        var dir = Path.Combine(root, "run");
        var seed = FakeSetup.SeedPool();
        seed[0].Energy = null; // must be labelled: the oracle fails
        Assert.Throws<OracleException>(() => ActiveLearningRun.Create(dir, Config(), FakeSetup.Parts(oracle: new FailingOracle()), seed));
        Assert.False(Directory.Exists(dir), "the failed start left the directory behind");
        // The same --out works afterwards.
        using var run = ActiveLearningRun.Create(dir, Config(), FakeSetup.Parts(), FakeSetup.SeedPool());
        Assert.Equal(0, run.State.Iteration);
    }

    [Theory]
    [InlineData(0.0, "coincident")]       // coincident beads: the reader refuses them
    [InlineData(1.2, "hard core")]        // closer than sampling.minDistance (2 A)
    [InlineData(9.0, "clusterCriterion")] // two pieces
    public void ASeedStructureMustPassTheHardCoreAndTheClusterCriterion(double r, string why)
    {
        var root = TestPaths.NewTempDir();
        var xyz = Path.Combine(root, "seed.xyz");
        File.WriteAllText(xyz, $"3\n\nO 0 0 0\nO 2.8 0 0\nO {2.8 + r} 0 0\n");
        var cfgPath = Path.Combine(root, "c.json");
        File.WriteAllText(cfgPath, $$"""{ "seedStructure": "{{xyz}}", "stop": { "maxIterations": 1 } }""");
        var outDir = Path.Combine(root, "run");
        var (code, _, err) = CliRunner.Run("learn", "--config", cfgPath, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("seed.xyz", err);
        Assert.Contains(why, err);
        Assert.False(Directory.Exists(outDir));
    }
}

/// <summary>Runs the CLI in-process with captured output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    => AlHpc.Tests.Cli.CliHarness.Run(args);
}
