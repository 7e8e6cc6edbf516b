using System.CommandLine;
using System.Text.Json;
using AlHpc.ActiveLearning;
using AlHpc.Cli;
using AlHpc.Cli.Commands;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Network;
using AlHpc.TestSets;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Cli;

/// <summary>Issue 16, "Inconsistent defaults and options" and the README sequence.</summary>
[Collection("console")]
public class ConventionTests
{
    private static string Seed => TestPaths.RepoData("struct_min_25.xsf");

    private static IEnumerable<Command> CommandsWith(string option) =>
        AlHpcCli.BuildRoot().Subcommands.Where(c => c.Options.Any(o => o.Name == option));

    [Fact]
    public void ThreadCountsBeyondTheCoresAreCappedAtTheCores()
    {
        // issue 17: `train --threads 100000` started 100000 workers with their own buffers and took the machine's memory.
        var root = AlHpcCli.BuildRoot();
        foreach (var c in root.Subcommands.Where(c => c.Options.Any(o => o.Name == "--threads")))
        {
            var o = (Option<int>)c.Options.Single(o => o.Name == "--threads");
            var pr = root.Parse([c.Name, .. RequiredArgs(c.Name), "--threads", "100000"]);
            Assert.Equal(Environment.ProcessorCount, ThreadsOption.Count(pr, o));
            Assert.Equal(1, ThreadsOption.Count(root.Parse([c.Name, .. RequiredArgs(c.Name), "--threads", "1"]), o));
        }
    }

    [Fact]
    public void ThreadsZeroOrAbsentMeansAllCoresInEveryCommand()
    {
        var cmds = CommandsWith("--threads").ToList();
        Assert.True(cmds.Count >= 5, string.Join(", ", cmds.Select(c => c.Name)));
        var root = AlHpcCli.BuildRoot();
        foreach (var c in cmds)
        {
            var o = c.Options.Single(o => o.Name == "--threads");
            Assert.Contains("0 (default) = all cores", o.Description);
            var pr = root.Parse([c.Name, .. RequiredArgs(c.Name)]);
            Assert.Equal(0, pr.GetValue<int>("--threads"));
        }
        var dir = TestPaths.NewTempDir();
        Assert.Equal(0, CliHarness.Run("energy", Seed, "--threads", "0", "-o", Path.Combine(dir, "a.xyz")).Code);
        Assert.Equal(0, CliHarness.Run("minimize", Seed, "--threads", "0", "--max-steps", "3", "-o", Path.Combine(dir, "b.xyz")).Code);
        var err = CliHarness.Fails("energy", Seed, "--threads", "-1", "-o", Path.Combine(dir, "c.xyz"));
        Assert.Contains("give 0 (or leave it out) for all cores", err);
    }

    private static string[] RequiredArgs(string command) => command switch
    {
        "energy" or "minimize" => ["f.xyz", "-o", "o.xyz"],
        "evaluate" => ["--reference", "--testset", "t.h5"],
        "testset" => ["-o", "t.h5"],
        "train" => ["--data", "d.xyz", "-o", "m.json"],
        _ => [],
    };

    [Fact]
    public void OneHardCoreDefaultForSampleAndLearn()
    {
        var pr = AlHpcCli.BuildRoot().Parse(["sample", "metropolis", "--size", "3", "-o", "x.xyz"]);
        Assert.Equal(McDefaults.HardCoreDistance, pr.GetValue<double>("--min-distance"));
        Assert.Equal(McDefaults.HardCoreDistance, new ActiveLearningConfig().Sampling.MinDistance);
        Assert.Equal(McDefaults.HardCoreDistance, new MetropolisSettings().MinPairDistance);
        Assert.Equal(McDefaults.HardCoreDistance, new NestedSettings().MinPairDistance);
        Assert.Equal(2.0, McDefaults.HardCoreDistance); // learn's value: the main job's results do not change
    }

    [Fact]
    public void TrainDefaultsAreOneGenerationOfLearn()
    {
        var learn = new ActiveLearningConfig();
        var t = learn.Training;
        var pr = AlHpcCli.BuildRoot().Parse(["train", "--data", "d.xyz", "-o", "m.json"]);
        Assert.Equal(t.Epochs, pr.GetValue<int>("--epochs"));
        Assert.Equal(t.BatchSize, pr.GetValue<int>("--batch"));
        Assert.Equal(t.SmallPoolBatchSize, pr.GetValue<int>("--small-batch"));
        Assert.Equal(t.Mu, pr.GetValue<double>("--mu"));
        Assert.Equal(t.HoldoutFraction, pr.GetValue<double>("--holdout"));
        Assert.Equal(t.EarlyStopEpochs, pr.GetValue<int>("--early-stop"));
        Assert.Equal(10 * learn.Selection.ToleranceMeV, pr.GetValue<double>("--selection-cap"));
        Assert.Equal(string.Join(',', t.HiddenLayers), pr.GetValue<string>("--hidden"));
        Assert.Equal(t.Activation, pr.GetValue<string>("--activation"));
        // and the train-only settings are the same type's defaults
        var own = new AlHpc.Training.TrainingSettings();
        Assert.Equal(own.Seed, pr.GetValue<int>("--seed"));
        Assert.Equal(t.ForcesWeight, pr.GetValue<double>("--forces-weight"));
        Assert.Equal(t.ForceProjections, pr.GetValue<int>("--force-projections"));
        Assert.Equal(own.IsolatedAtomEnergy, pr.GetValue<double>("--isolated-energy"));
    }

    [Fact]
    public void TrainNamesBadSettingsByItsOptions()
    {
        var dir = TestPaths.NewTempDir();
        var err = CliHarness.Fails("train", "--data", Seed, "--batch", "-1", "-o", Path.Combine(dir, "m.json"));
        Assert.Contains("alhpc: --batch must be >= 0 (0: full batch)", err);
        err = CliHarness.Fails("train", "--data", Seed, "--selection-cap", "-1", "--early-stop", "-3", "-o", Path.Combine(dir, "m.json"));
        Assert.Contains("--early-stop must be >= 0 (0: off)", err);
        Assert.Contains("--selection-cap must be >= 0", err);
        Assert.DoesNotContain("selectionErrorCapMeV", err);
        err = CliHarness.Fails("train", "--data", Seed, "--forces-weight", "0.1", "--force-projections", "-1", "-o", Path.Combine(dir, "m.json"));
        Assert.Contains("alhpc: --force-projections must be >= 0", err);
        Assert.DoesNotContain("forceProjections", err);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void AnOptionOfTheOtherSamplingMethodIsAnError()
    {
        var dir = TestPaths.NewTempDir();
        var err = CliHarness.Fails("sample", "nested", "--size", "4", "--temperature", "300", "-o", Path.Combine(dir, "n.xyz"));
        Assert.Contains("--temperature does not apply to nested sampling", err);
        err = CliHarness.Fails("sample", "metropolis", "--size", "4", "--ceiling", "0", "-o", Path.Combine(dir, "m.xyz"));
        Assert.Contains("--ceiling does not apply to metropolis sampling", err);
        Assert.Empty(Directory.GetFiles(dir));
        // and --init with an architecture
        var model = Path.Combine(dir, "m.json");
        ModelFile.Save(model, TestModels.Random(1, Activation.Tanh));
        err = CliHarness.Fails("train", "--data", Seed, "--init", model, "--hidden", "5", "-o", Path.Combine(dir, "o.json"));
        Assert.Contains("--hidden does not apply with --init", err);
    }

    [Fact]
    public void OneVersionString()
    {
        var (c1, v1, _) = CliHarness.Run("version");
        var (c2, v2, _) = CliHarness.Run("--version");
        Assert.Equal(0, c1); Assert.Equal(0, c2);
        Assert.Equal(v1.Trim(), v2.Trim());
        Assert.Equal($"alhpc {ProgramInfo.Version}", v1.Trim());
        Assert.Equal(v1.Trim(), TestSetMetadata.DefaultProgram);
        Assert.Equal(ProgramInfo.Version, ModelFile.ProgramVersion);
        var dir = TestPaths.NewTempDir();
        ModelFile.Save(Path.Combine(dir, "m.json"), TestModels.Random(2));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "m.json")));
        Assert.Equal(v1.Trim(), doc.RootElement.GetProperty("writtenBy").GetString());
        Assert.DoesNotContain('+', ProgramInfo.Version);
    }

    [Fact]
    public void EnergyPrintsTheEnergyOnScreen()
    {
        var dir = TestPaths.NewTempDir();
        var (code, stdout, _) = CliHarness.Run("energy", Seed, "-o", Path.Combine(dir, "seed.xyz"));
        Assert.Equal(0, code);
        Assert.Contains("E = -8.2503244532 eV", stdout);
    }

    [Fact]
    public void QuickRunsGetTheirOwnDirectory()
    {
        Assert.Equal(Path.Combine("runs", "quick"), LearnCommand.DefaultRunDirectory(null, quick: true));
        Assert.Equal(Path.Combine("runs", "default"), LearnCommand.DefaultRunDirectory(null, quick: false));
        Assert.Equal("x", LearnCommand.DefaultRunDirectory("x", quick: true));
        var err = CliHarness.Fails("learn", "--resume", TestPaths.NewTempDir(), "--out", "y");
        Assert.Contains("only --max-iterations may be given with it", err);
    }

    [Fact]
    public void SampleAndTestsetRunWithALearnedModel()
    {
        var dir = TestPaths.NewTempDir();
        var model = Path.Combine(dir, "m.json");
        ModelFile.Save(model, TestModels.Random(4, Activation.Tanh));
        var traj = Path.Combine(dir, "nn.xyz");
        var (code, stdout, err) = CliHarness.Run("sample", "metropolis", "--start", Seed, "--model", model, "--cycles", "20", "--every", "10", "-o", traj);
        Assert.True(code == 0, err);
        Assert.Contains("potential NN 26-10-10-1 tanh", stdout);
        var frames = ExtXyz.Read(traj).ToList();
        Assert.NotEmpty(frames);
        // the frames' energies are the network's
        var pot = new AlHpc.Potentials.NnPotential(ModelFile.Load(model));
        var last = frames[^1];
        Assert.Equal(pot.CreateEvaluator().Compute(last.Positions, new double[last.Positions.Length], default), last.Energy!.Value, 1e-8);
        Assert.Equal(2, CliHarness.Run("sample", "metropolis", "--start", Seed, "--model", model, "--potential", TestPaths.RepoData("mlbop.tersoff"), "-o", traj).Code);
    }
}
