using System.Diagnostics;
using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Network;
using Xunit.Abstractions;

namespace AlHpc.Tests.Integrity;

/// <summary>
/// Issue 17, What 6: `alhpc learn` (real parts, a smaller-than-quick configuration) SIGKILLed at random
/// moments several times and resumed each time ends with the same pool, models and log as the uninterrupted
/// run. The kill moments are drawn from a seeded generator (printed), one in ten during the start-up, the others uniformly within the first 70 % of the iterations' time; after 4 kills the last resume runs to the end.
/// </summary>
public class KillAnywhereTests(ITestOutputHelper output)
{
    private const string Config = """
    {
      "seed": 5,
      "plots": false,
      "training": { "epochs": 12 },
      "sampling": { "metropolis": { "cycles": 40 }, "nested": { "cycles": 40 } },
      "selection": { "toleranceMeV": 0.01 },
      "stop": { "maxIterations": 3 },
      "monitor": { "size": 8, "maxMolecules": 16 }
    }
    """;

    private static (int Code, string Err, double Seconds) RunToEnd(string cwd, params string[] args)
    {
        var sw = Stopwatch.StartNew();
        using var p = CliProcess.Start(cwd, args);
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(300_000), "learn did not finish");
        return (p.ExitCode, err, sw.Elapsed.TotalSeconds);
    }

    [Fact]
    public void ARunKilledAnywhereAndResumedEqualsTheUninterruptedRun()
    {
        var dir = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "c.json"), Config);
        // The uninterrupted run, timing when its first checkpoint appears (start-up: process, seed, directory).
        var sw = Stopwatch.StartNew();
        double startup = 0;
        int code;
        string err;
        using (var pa = CliProcess.Start(dir, "learn", "--config", "c.json", "--out", "a"))
        {
            while (!pa.WaitForExit(20))
                if (startup == 0 && File.Exists(Path.Combine(dir, "a", ActiveLearningRun.StateFile))) startup = sw.Elapsed.TotalSeconds;
            err = pa.StandardError.ReadToEnd();
            code = pa.ExitCode;
        }
        double seconds = sw.Elapsed.TotalSeconds;
        Assert.True(code == 0, err);

        int seed = Environment.TickCount & 0xffff;
        var rng = new Random(seed);
        output.WriteLine($"uninterrupted: {seconds:F1} s, first checkpoint after {startup:F1} s; kill moments drawn with seed {seed}");
        int kills = 0, attempts = 0;
        bool done = false;
        double scale = 1.0; // shrinks when a first run finishes before its kill (a machine faster now than during run a)
        while (!done && attempts < 12)
        {
            attempts++;
            bool started = File.Exists(Path.Combine(dir, "b", ActiveLearningRun.StateFile));
            string[] args = started
                ? ["learn", "--resume", "b"]
                : ["learn", "--config", "c.json", "--out", "b", "--allow-existing"]; // killed before the first checkpoint: start again
            if (kills >= 4) { (code, err, _) = RunToEnd(dir, args); Assert.True(code == 0, err); done = true; break; }
            using var p = CliProcess.Start(dir, args);
            // Each start gets a fresh moment: mostly within the iterations (after the start-up), sometimes during it.
            double u = rng.NextDouble();
            int delayMs = (int)(1000 * scale * (u < 0.1 ? u / 0.1 * startup : startup + (u - 0.1) / 0.9 * 0.7 * (seconds - startup)));
            if (p.WaitForExit(delayMs))
            {
                Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
                if (kills == 0)
                {
                    // not one kill yet: the timing of run a overestimated this run; start again, earlier
                    output.WriteLine($"finished before the first kill at {delayMs} ms: starting again with moments x{scale / 2}");
                    Directory.Delete(Path.Combine(dir, "b"), recursive: true);
                    scale /= 2;
                    continue;
                }
                output.WriteLine($"finished before the kill at {delayMs} ms ({(started ? "resume" : "new run")})");
                done = true;
                break;
            }
            p.Kill(); // SIGKILL
            p.WaitForExit();
            kills++;
            output.WriteLine($"killed after {delayMs} ms ({(started ? "resume" : "new run")})");
        }
        Assert.True(done, "the run never finished");
        Assert.True(kills >= 1, "no kill happened");

        // Same pool, same models (weights; the provenance holds a wall-clock time), same log.
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "a", "pool.extxyz")), File.ReadAllText(Path.Combine(dir, "b", "pool.extxyz")));
        var sa = RunState.Load(Path.Combine(dir, "a", "state.json"));
        var sb = RunState.Load(Path.Combine(dir, "b", "state.json"));
        Assert.True(sb.Finished);
        Assert.Equal(sa.Iteration, sb.Iteration);
        Assert.Equal(sa.OracleCalls, sb.OracleCalls);
        Assert.Equal(sa.Log.Select(r => (r.PoolSize, r.Added, r.Gathered, r.OracleCalls, r.TrainMaeMeV, r.GatheredMaeMeV, r.MonitorEnergyMaeMeV)),
                     sb.Log.Select(r => (r.PoolSize, r.Added, r.Gathered, r.OracleCalls, r.TrainMaeMeV, r.GatheredMaeMeV, r.MonitorEnergyMaeMeV)));
        foreach (var m in new[] { "model.json" }.Concat(Enumerable.Range(1, sa.Iteration).Select(RunState.ModelPath)))
        {
            var ma = ModelFile.Load(Path.Combine(dir, "a", m));
            var mb = ModelFile.Load(Path.Combine(dir, "b", m));
            Assert.Equal(ma.Network.WeightValues.ToArray(), mb.Network.WeightValues.ToArray());
            Assert.Equal(ma.EnergyShift, mb.EnergyShift);
        }
        // A kill may leave a temporary file; the next start removes it.
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "b"), "*.tmp", SearchOption.AllDirectories));
        Assert.True(sa.Log.Any(r => r.Added > 0), "the run must add structures");
    }
}
