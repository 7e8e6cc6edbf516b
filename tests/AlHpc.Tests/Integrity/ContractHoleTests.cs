using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Integrity;

/// <summary>Issue 17, Why 6: each hole of the contract (exit 2, file and line, nothing half-written), closed.</summary>
[Collection("console")]
public class ContractHoleTests
{
    private static string Seed => TestPaths.RepoData("struct_min_25.xsf");

    private static string Write(string dir, string name, string text)
    {
        var p = Path.Combine(dir, name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void AnEmptyStructureFileIsBadInput()
    {
        var dir = TestPaths.NewTempDir();
        foreach (var (name, text) in new[] { ("empty.xyz", ""), ("blank.xyz", "\n\n"), ("zero.xyz", "0\n\n"), ("empty.xsf", "ATOMS\n") })
        {
            var (code, _, err) = CliRunner.Run("energy", Write(dir, name, text), "-o", Path.Combine(dir, "out.xyz"));
            Assert.True(code == 2, $"{name}: {code} {err}");
            Assert.Contains(name, err);
            Assert.False(File.Exists(Path.Combine(dir, "out.xyz")));
        }
    }

    [Fact]
    public void AStructureOfAnotherElementThanThePotentialsIsRefused()
    {
        var dir = TestPaths.NewTempDir();
        var si = Write(dir, "si.xyz", "2\n\nSi 0 0 0\nSi 2.8 0 0\n");
        var (code, _, err) = CliRunner.Run("energy", si, "-o", Path.Combine(dir, "out.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("si.xyz:3", err);
        Assert.Contains("'O'", err);
        (code, _, err) = CliRunner.Run("minimize", si, "-o", Path.Combine(dir, "out.xyz"));
        Assert.Equal(2, code);
        Assert.False(File.Exists(Path.Combine(dir, "out.xyz")));
    }

    [Theory]
    [InlineData("2147483000\n\nO 0 0 0\n", "atom count")]
    [InlineData("2\nProperties=species:S:1:pos:R:3:pos:R:3\nO 0 0 0 1 1 1\nO 3 0 0 4 1 1\n", "twice")]
    [InlineData("2\nenergy=-1 energy=-2\nO 0 0 0\nO 3 0 0\n", "twice")]
    public void HugeAtomCountsAndRepeatedKeysAreBadInput(string text, string why)
    {
        var dir = TestPaths.NewTempDir();
        var (code, _, err) = CliRunner.Run("energy", Write(dir, "x.xyz", text), "-o", Path.Combine(dir, "out.xyz"));
        Assert.Equal(2, code);
        Assert.Matches(@"x\.xyz:[12]:", err);
        Assert.Contains(why, err);
    }

    [Fact]
    public void TrainRefusesAnAbsurdEpochCountBeforeWork()
    {
        var dir = TestPaths.NewTempDir();
        var data = TestPaths.Data("mlbop_lammps.extxyz");
        var (code, _, err) = CliRunner.Run("train", "--data", data, "--epochs", "2147483647", "-o", Path.Combine(dir, "m.json"));
        Assert.Equal(2, code);
        Assert.Contains("epochs", err);
    }

    private static string ModelJson(int seed = 5)
    {
        var ms = new MemoryStream();
        ModelFile.Write(ms, TestModels.Random(seed));
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public void ModelLayerErrorsSayWhatIsWrong()
    {
        var text = ModelJson();
        var one = Regex.Replace(text, "\"layers\": \\[[^\\]]*\\]", "\"layers\": [26]");
        var e = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(one), "one.json"));
        Assert.DoesNotContain("must have 26 nodes, got 26", e.Message);
        Assert.Contains("1 layer", e.Message);
        var huge = Regex.Replace(text, "\"layers\": \\[[^\\]]*\\]", "\"layers\": [26, 2000000000, 2000000000, 1]");
        huge = Regex.Replace(huge, "\"activations\": \\[[^\\]]*\\]", "\"activations\": [\"twist\", \"twist\", \"linear\"]");
        e = Assert.Throws<InputFormatException>(() => ModelFile.Parse(Encoding.UTF8.GetBytes(huge), "huge.json"));
        Assert.Contains("huge.json", e.Message);
        Assert.Contains("weights", e.Message);
    }

    [Fact]
    public void AModelWithAByteOrderMarkLoadsAndOneWithBadBytesNamesTheFile()
    {
        var dir = TestPaths.NewTempDir();
        var bom = Path.Combine(dir, "bom.json");
        File.WriteAllBytes(bom, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(ModelJson())]);
        Assert.Equal(0, CliRunner.Run("energy", Seed, "--model", bom, "-o", Path.Combine(dir, "e.xyz")).Code);
        var bytes = Encoding.UTF8.GetBytes(ModelJson());
        int at = Array.IndexOf(bytes, (byte)'p'); // inside a string ("provenance" or "programVersion")
        var bad = Path.Combine(dir, "bad.json");
        bytes[at] = 0xFF;
        File.WriteAllBytes(bad, bytes);
        var (code, _, err) = CliRunner.Run("energy", Seed, "--model", bad, "-o", Path.Combine(dir, "e2.xyz"));
        Assert.Equal(2, code);
        Assert.Contains("bad.json", err);
    }

    [Fact]
    public void AnXsfOutputForManyStructuresIsRefusedBeforeTheWork()
    {
        var dir = TestPaths.NewTempDir();
        var many = Path.Combine(dir, "many.xyz");
        File.Copy(TestPaths.Data("mlbop_lammps.extxyz"), many);
        int frames = ExtXyz.Read(many).Count();
        Assert.True(frames > 1);
        var (code, _, err) = CliRunner.Run("energy", many, "-o", Path.Combine(dir, "x.xsf"));
        Assert.Equal(2, code);
        Assert.Contains($"{frames}", err);
        Assert.False(File.Exists(Path.Combine(dir, "x.xsf")));
    }

    [Fact]
    public void AnOutputThatNamesAnInputIsRefused()
    {
        var dir = TestPaths.NewTempDir();
        var xyz = Path.Combine(dir, "in.xyz");
        File.Copy(TestPaths.Data("mlbop_lammps.extxyz"), xyz);
        var before = File.ReadAllBytes(xyz);
        foreach (var args in new[]
        {
            new[] { "energy", xyz, "-o", xyz },
            new[] { "minimize", xyz, "-o", xyz },
            new[] { "train", "--data", xyz, "--epochs", "1", "-o", xyz },
            new[] { "descriptors", xyz, "-o", xyz },
        })
        {
            var (code, _, err) = CliRunner.Run(args);
            Assert.True(code == 2, $"{args[0]}: {code} {err}");
            Assert.Contains("input", err);
            Assert.Equal(before, File.ReadAllBytes(xyz));
        }
    }

    [Fact]
    public void QuickDoesNotOverrideKeysTheConfigSets()
    {
        var dir = TestPaths.NewTempDir();
        var cfg = Write(dir, "c.json", """{ "training": { "epochs": 7 }, "monitor": { "size": 3 } }""");
        var (code, stdout, _) = CliRunner.Run("learn", "--print-config", "--quick", "--config", cfg);
        Assert.Equal(0, code);
        var c = JsonSerializer.Deserialize<ActiveLearningConfig>(stdout, ActiveLearningConfig.JsonOptions)!;
        var q = ActiveLearningConfig.Quick();
        Assert.Equal(7, c.Training.Epochs);                                             // the config's
        Assert.Equal(3, c.Monitor.Size);                                                // the config's
        Assert.Equal(q.Sampling.Metropolis.Cycles, c.Sampling.Metropolis.Cycles);      // --quick's
        Assert.Equal(q.Stop.MaxIterations, c.Stop.MaxIterations);                      // --quick's

        // A command oracle: a monitor.size the configuration sets (0) is kept by --quick; a configuration that
        // asks for a generated monitoring set (it cannot be labelled) is refused before anything runs.
        var cmdCfg = Write(dir, "cmd.json", """{ "oracle": { "kind": "command", "command": "cp {input} {output}" }, "monitor": { "size": 0 } }""");
        (code, stdout, var err) = CliRunner.Run("learn", "--print-config", "--quick", "--config", cmdCfg);
        Assert.True(code == 0, err);
        Assert.Equal(0, JsonSerializer.Deserialize<ActiveLearningConfig>(stdout, ActiveLearningConfig.JsonOptions)!.Monitor.Size);
        var cmdNoMonitor = Write(dir, "cmd2.json", """{ "oracle": { "kind": "command", "command": "cp {input} {output}" } }""");
        foreach (var quick in new[] { true, false })
        {
            var args = new List<string> { "learn", "--config", cmdNoMonitor, "--out", Path.Combine(dir, "run") };
            if (quick) args.Add("--quick");
            (code, _, err) = CliRunner.Run(args.ToArray());
            Assert.Equal(2, code);
            Assert.Contains("monitor.file", err);
            Assert.False(Directory.Exists(Path.Combine(dir, "run")));
        }
    }

    [Fact]
    public void OutputNamesUpToTheFileSystemLimitWork()
    {
        var dir = TestPaths.NewTempDir();
        var name = new string('n', 251) + ".xyz"; // 255 characters
        var (code, _, err) = CliRunner.Run("energy", Seed, "-o", Path.Combine(dir, name));
        Assert.True(code == 0, err);
        Assert.Single(ExtXyz.Read(Path.Combine(dir, name)));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void ExtraPerAtomColumnsSurviveARewrite()
    {
        var dir = TestPaths.NewTempDir();
        var xyz = Write(dir, "q.xyz", "2\nProperties=species:S:1:pos:R:3:charge:R:1:tag:I:1:label:S:1 energy=-1\nO 0 0 0 -0.5 7 first\nO 2.8 0 0 0.25 8 second\n");
        var outPath = Path.Combine(dir, "out.xyz");
        var (code, _, err) = CliRunner.Run("energy", xyz, "--forces", "-o", outPath);
        Assert.True(code == 0, err);
        var text = File.ReadAllText(outPath);
        Assert.Contains(":charge:R:1:tag:I:1:label:S:1", text);
        var back = ExtXyz.Read(outPath).Single();
        Assert.Equal(new[] { "-0.5", "0.25" }, back.AtomColumns!.Single(c => c.Name == "charge").Values);
        Assert.Equal(new[] { "first", "second" }, back.AtomColumns!.Single(c => c.Name == "label").Values);
        Assert.NotNull(back.Forces);
    }

    [Fact]
    public void ATestSetThatCannotFitInMemoryIsRefusedAtOnce()
    {
        var dir = TestPaths.NewTempDir();
        var sw = Stopwatch.StartNew();
        var (code, _, err) = CliRunner.Run("testset", "--count", "2000000000", "--sizes", "1-200", "-o", Path.Combine(dir, "t.h5"));
        Assert.Equal(2, code);
        Assert.Contains("GB", err);
        Assert.True(sw.Elapsed.TotalSeconds < 10, "it started the work first");
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void AnInterruptedSampleKeepsItsFramesAndLeavesNoTemporaryFile()
    {
        // SIGTERM (a job scheduler's stop; Ctrl+C's SIGINT takes the same path but is ignored by background
        // jobs of a non-interactive shell, so the test cannot rely on it being delivered).
        var dir = TestPaths.NewTempDir();
        var outPath = Path.Combine(dir, "traj.xyz");
        using var p = CliProcess.Start(dir, "sample", "metropolis", "--size", "10", "--cycles", "100000000", "--equilibration", "0", "--every", "10", "--seed", "3", "-o", outPath);
        try
        {
            // Wait until frames reach the temporary file, then stop it.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !Directory.GetFiles(dir, "*.tmp").Any(f => new FileInfo(f).Length > 100_000)) Thread.Sleep(50);
            Assert.False(p.HasExited, p.HasExited ? p.StandardError.ReadToEnd() : "");
            CliProcess.Signal(p, "TERM");
            Assert.True(p.WaitForExit(30_000), "sample did not stop on SIGTERM");
            string err = p.StandardError.ReadToEnd();
            Assert.Equal(1, p.ExitCode);
            Assert.Contains("interrupted", err);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            var frames = ExtXyz.Read(outPath).ToList();
            Assert.True(frames.Count > 10, $"{frames.Count} frames kept");
        }
        finally
        {
            if (!p.HasExited) { p.Kill(); p.WaitForExit(); }
        }
    }
}

/// <summary>Runs the built CLI (alhpc.dll next to the tests) as a child process.</summary>
internal static class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "alhpc.dll");

    public static Process Start(string workingDirectory, params string[] args)
    {
        var host = Environment.ProcessPath is { } pp && Path.GetFileNameWithoutExtension(pp) == "dotnet" ? pp : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var p = Process.Start(psi)!;
        // Drain stdout so a chatty child never blocks; stderr is read at the end.
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        return p;
    }

    public static void Signal(Process p, string signal)
    {
        using var k = Process.Start("bash", ["-c", $"kill -{signal} {p.Id}"])!; // the shell's builtin: no procps needed
        k.WaitForExit();
    }
}
