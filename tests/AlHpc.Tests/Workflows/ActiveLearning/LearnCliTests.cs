using System.Text.Json;
using AlHpc.ActiveLearning;
using AlHpc.Cli;

namespace AlHpc.Tests.ActiveLearning;

/// <summary>`alhpc learn` end to end with the real parts (ML-BOP oracle, LM trainer, network, samplers), tiny settings.</summary>
[Collection("console")]
public class LearnCliTests
{
    private static string TinyConfigFile(string dir, int maxIterations = 2)
    {
        var path = Path.Combine(dir, "tiny.json");
        File.WriteAllText(path, $$"""
        {
          "seed": 5,
          "training": { "epochs": 30 },
          "sampling": { "metropolis": { "cycles": 40 }, "nested": { "cycles": 40 } },
          "stop": { "maxIterations": {{maxIterations}} },
          "monitor": { "size": 20, "maxMolecules": 40 }
        }
        """);
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    => AlHpc.Tests.Cli.CliHarness.Run(args);

    [Fact]
    public void NewRunThenResumeWithARaisedLimit()
    {
        var dir = TestPaths.NewTempDir();
        var run = Path.Combine(dir, "run");
        var (code, stdout, stderr) = Run("learn", "--config", TinyConfigFile(dir), "--out", run);
        Assert.True(code == 0, stderr);
        Assert.Contains("iter    1 | pool", stdout);
        Assert.Contains("iter    2 | pool", stdout);
        foreach (var f in new[] { "config.json", "pool.extxyz", "state.json", "log.csv", "model.json", "monitor.extxyz", "models/gen-001.json", "models/gen-002.json", "fig2a_progress.png", "fig2b_parity.png" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        var state = RunState.Load(Path.Combine(run, "state.json"));
        Assert.True(state.Finished);
        Assert.Equal(2, state.Iteration);
        Assert.Equal(state.Log.Sum(r => r.Gathered), state.OracleCalls); // the embedded seed comes with its energy
        Assert.All(state.Log, r => Assert.True(double.IsFinite(r.MonitorEnergyMaeMeV)));

        (code, stdout, stderr) = Run("learn", "--resume", run, "--max-iterations", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("iter    3 | pool", stdout);
        Assert.DoesNotContain("iter    2 |", stdout);
        Assert.Equal(3, RunState.Load(Path.Combine(run, "state.json")).Iteration);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run, "log.csv")).Length);

        // An existing run is never overwritten.
        (code, _, stderr) = Run("learn", "--config", TinyConfigFile(dir), "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("--resume", stderr);
    }

    [Fact]
    public void PrintConfigWritesTheEffectiveSettings()
    {
        var (code, stdout, _) = Run("learn", "--print-config", "--quick", "--seed", "9");
        Assert.Equal(0, code);
        var c = JsonSerializer.Deserialize<ActiveLearningConfig>(stdout, ActiveLearningConfig.JsonOptions)!;
        Assert.Equal(9, c.Seed);
        Assert.Equal(ActiveLearningConfig.Quick().Training.Epochs, c.Training.Epochs);
    }

    [Fact]
    public void BadConfigAndBadUsageExitWithTwo()
    {
        var dir = TestPaths.NewTempDir();
        var bad = Path.Combine(dir, "bad.json");
        File.WriteAllText(bad, "{\n \"stop\": { \"maxIterations\": 0 }\n}");
        var (code, _, stderr) = Run("learn", "--config", bad, "--out", Path.Combine(dir, "x"));
        Assert.Equal(2, code);
        Assert.Contains("bad.json", stderr);
        Assert.Contains("stop.maxIterations", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "x")));

        (code, _, stderr) = Run("learn", "--resume", dir, "--seed", "3");
        Assert.Equal(2, code);
        Assert.Contains("--resume", stderr);

        (code, _, stderr) = Run("learn", "--resume", Path.Combine(dir, "nothing-here"));
        Assert.Equal(2, code);
    }
}
