using AlHpc.Network;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Cli;

/// <summary>One test per message of issue 16 ("Messages that mislead"): before/after in docs/cli.md.</summary>
[Collection("console")]
public class MessageTests
{
    private static string Seed => TestPaths.RepoData("struct_min_25.xsf");

    private static string ModelFileIn(string dir)
    {
        var path = Path.Combine(dir, "model.json");
        ModelFile.Save(path, TestModels.Random(3, Activation.Tanh));
        return path;
    }

    [Fact]
    public void APotentialThatIsAModelSaysSo()
    {
        var dir = TestPaths.NewTempDir();
        var err = CliHarness.Fails("energy", Seed, "--potential", ModelFileIn(dir), "-o", Path.Combine(dir, "e.xyz"));
        Assert.Contains("looks like an AlHpc network model", err);
        Assert.Contains("--model", err);
        Assert.DoesNotContain("Tersoff entry", err);
    }

    [Fact]
    public void AModelThatIsAStructureFileSaysSo()
    {
        var dir = TestPaths.NewTempDir();
        var xyz = Path.Combine(dir, "seed.xyz");
        File.WriteAllText(xyz, "1\nProperties=species:S:1:pos:R:3 energy=0 pbc=\"F F F\"\nO 0 0 0\n");
        var err = CliHarness.Fails("energy", Seed, "--model", xyz, "-o", Path.Combine(dir, "e.xyz"));
        Assert.Contains("this looks like an extxyz structure file, not a network model", err);
        Assert.Contains(xyz + ":1:", err);
        Assert.Equal([xyz], Directory.GetFiles(dir));
    }

    [Fact]
    public void AStructureWithAnElementThePotentialLacksNamesFileLineFrameAtomAndElement()
    {
        var dir = TestPaths.NewTempDir();
        var xyz = Path.Combine(dir, "mixed.xyz");
        File.WriteAllText(xyz, "2\nProperties=species:S:1:pos:R:3 pbc=\"F F F\"\nO 0 0 0\nH 0.96 0 0\n");
        const string why = "frame 0, atom 1: element 'H' is not a species of the potential, which accepts 'O' (index 0)";
        Assert.Contains($"{xyz}:4: {why}", CliHarness.Fails("energy", xyz, "-o", Path.Combine(dir, "e.xyz")));
        Assert.Contains($"{xyz}:4: {why}", CliHarness.Fails("descriptors", xyz, "-o", Path.Combine(dir, "g.csv")));
        Assert.Contains("the HDF5 test-set format holds one species", CliHarness.Fails("convert", xyz, "-o", Path.Combine(dir, "s.h5")));
        Assert.Equal([xyz], Directory.GetFiles(dir));
    }

    [Fact]
    public void AnUnknownConfigurationKeyNamesKeyFileLineAndTheNearestKey()
    {
        var dir = TestPaths.NewTempDir();
        var cfg = Path.Combine(dir, "run.json");
        File.WriteAllText(cfg, "{\n  \"seed\": 3,\n  \"training\": {\n    \"epoch\": 30\n  }\n}\n");
        var err = CliHarness.Fails("learn", "--config", cfg, "--print-config");
        Assert.Contains($"{cfg}:4: unknown key \"epoch\" in \"training\"; did you mean \"epochs\"?", err);
        File.WriteAllText(cfg, "{\n  \"stop\": { \"maxIterations\": \"many\" }\n}\n");
        err = CliHarness.Fails("learn", "--config", cfg, "--print-config");
        Assert.Contains($"{cfg}:2: \"stop.maxIterations\": expected a whole number", err);
    }

    [Fact]
    public void ResumeOnADirectoryThatIsNotARunSaysSo()
    {
        var dir = TestPaths.NewTempDir();
        var err = CliHarness.Fails("learn", "--resume", dir);
        Assert.Contains("not an active-learning run", err);
        Assert.Contains($"alhpc learn --out {dir}", err);
        Assert.DoesNotContain("file not found", err);
    }

    [Fact]
    public void ATestSetWithAWrongExtensionNamesTheTestSetFormats()
    {
        var dir = TestPaths.NewTempDir();
        var err = CliHarness.Fails("testset", "--count", "2", "--sizes", "1-2", "-o", Path.Combine(dir, "t.txt"));
        Assert.Contains(".h5", err);
        Assert.DoesNotContain(".xsf", err);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void AnOptionTypoGetsTheNearestOptionAndTheCommandsHelp()
    {
        var err = CliHarness.Fails("sample", "metropolis", "--size", "3", "--temprature", "300", "-o", "x.xyz");
        Assert.Contains("unknown option '--temprature'; did you mean '--temperature'?", err);
        Assert.Contains("Try 'alhpc sample --help'.", err);
        Assert.DoesNotContain("unexpected argument '300'", err);
        err = CliHarness.Fails("evalute", "--reference");
        Assert.Contains("did you mean 'evaluate'?", err);
        err = CliHarness.Fails("train", "--data", "x.xyz", "--epoch", "3", "-o", "m.json");
        Assert.Contains("did you mean '--epochs'?", err);
        Assert.Contains("Try 'alhpc train --help'.", err);
    }

    [Fact]
    public void BadSamplerValuesNameTheOptionNotTheDotNetParameter()
    {
        var dir = TestPaths.NewTempDir();
        var err = CliHarness.Fails("sample", "metropolis", "--size", "3", "--temperature", "-5", "-o", Path.Combine(dir, "s.xyz"));
        Assert.Contains("--temperature", err);
        Assert.DoesNotContain("TemperatureK", err);
        err = CliHarness.Fails("sample", "nested", "--size", "3", "--max-step", "0", "-o", Path.Combine(dir, "s.xyz"));
        Assert.Contains("--max-step", err);
        Assert.DoesNotContain("MaxStep", err);
        err = CliHarness.Fails("train", "--data", Seed, "--hidden", "10,x", "-o", Path.Combine(dir, "m.json"));
        Assert.Contains("--hidden", err);
    }
}
