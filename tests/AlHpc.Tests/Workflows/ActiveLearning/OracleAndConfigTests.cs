using AlHpc.ActiveLearning;
using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.Tests.ActiveLearning;

public class ExternalCommandOracleTests
{
    private static List<Cluster> Structures() =>
    [
        new(new double[] { 0, 0, 0, 2.7, 0, 0 }),
        new(new double[] { 0, 0, 0, 2.7, 0, 0, 0, 2.7, 0 }),
    ];

    /// <summary>
    /// An awk "quantum code": energy = -0.1 eV per atom plus 0.01 * the first x coordinate of the second
    /// atom, forces 0. Writes an extxyz with energy= per frame.
    /// </summary>
    private static string Script(string dir, string body)
    {
        var path = Path.Combine(dir, "oracle.sh");
        File.WriteAllText(path, "#!/bin/sh\nset -e\n" + body + "\n");
        return path;
    }

    private const string GoodAwk =
        "awk 'state==0 { n=$1; print; state=1; next }\n" +
        "     state==1 { line=$0; state=2; i=0; next }\n" +
        "     state==2 { i++; atoms[i]=$0; if (i==2) x2=$2; if (i==n) { sub(/Properties=[^ ]*/, \"Properties=species:S:1:pos:R:3:forces:R:3\", line); print line \" energy=\" (-0.1*n + 0.01*x2); for (k=1;k<=n;k++) print atoms[k] \" 0 0 0\"; state=0 } }' \"$1\" > \"$2\"";

    [Fact]
    public void LabelsThroughAShellScriptAndCountsCalls()
    {
        var dir = TestPaths.NewTempDir();
        var script = Script(dir, GoodAwk);
        var oracle = new ExternalCommandOracle($"sh {ExternalCommandOracle.ShellQuote(script)} {{input}} {{output}}", TimeSpan.FromSeconds(30));
        var labels = oracle.Label(Structures(), forces: true, CancellationToken.None);
        Assert.Equal(2, labels.Count);
        Assert.Equal(-0.2 + 0.027, labels[0].Energy, 12);
        Assert.Equal(-0.3 + 0.027, labels[1].Energy, 12);
        Assert.Equal(new double[9], labels[1].Forces);
        Assert.Equal(2, oracle.Calls);
        oracle.Label(Structures().Take(1).ToList(), false, CancellationToken.None);
        Assert.Equal(3, oracle.Calls);
    }

    [Fact]
    public void EnvironmentVariablesNameTheFiles()
    {
        var dir = TestPaths.NewTempDir();
        var script = Script(dir, GoodAwk);
        var oracle = new ExternalCommandOracle($"sh {ExternalCommandOracle.ShellQuote(script)} \"$ALHPC_ORACLE_INPUT\" \"$ALHPC_ORACLE_OUTPUT\" # {{input}} {{output}}", TimeSpan.FromSeconds(30));
        Assert.Equal(2, oracle.Label(Structures(), false, CancellationToken.None).Count);
    }

    private static OracleException Failing(string body, bool forces = false, double timeout = 30)
    {
        var dir = TestPaths.NewTempDir();
        var script = Script(dir, body);
        var oracle = new ExternalCommandOracle($"sh {ExternalCommandOracle.ShellQuote(script)} {{input}} {{output}}", TimeSpan.FromSeconds(timeout));
        var e = Assert.Throws<OracleException>(() => oracle.Label(Structures(), forces, CancellationToken.None));
        Assert.Equal(0, oracle.Calls);
        return e;
    }

    [Fact]
    public void WrongFrameCountFailsClearly()
    {
        var e = Failing("head -n 4 \"$1\" | sed 's/pbc=/energy=-1 pbc=/' > \"$2\"");
        Assert.Contains("returned 1 frames for 2 structures", e.Message);
    }

    [Fact]
    public void WrongAtomCountFailsClearly()
    {
        var e = Failing("printf '1\\nProperties=species:S:1:pos:R:3 energy=-1\\nO 0 0 0\\n1\\nProperties=species:S:1:pos:R:3 energy=-1\\nO 0 0 0\\n' > \"$2\"");
        Assert.Contains("frame 0 has 1 atoms, the input structure has 2", e.Message);
    }

    [Fact]
    public void NaNEnergyFailsClearly()
    {
        var e = Failing("sed 's/pbc=/energy=nan pbc=/' \"$1\" > \"$2\"");
        Assert.Contains("oracle command", e.Message);
        Assert.True(e.Message.Contains("non-finite", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("NaN", StringComparison.OrdinalIgnoreCase), e.Message);
    }

    [Fact]
    public void MissingEnergyFailsClearly()
    {
        var e = Failing("cp \"$1\" \"$2\"");
        Assert.Contains("frame 0 has no energy", e.Message);
    }

    [Fact]
    public void NonZeroExitFailsWithTheStderrTail()
    {
        var e = Failing("echo 'SCF did not converge in 200 cycles' >&2\nexit 3");
        Assert.Contains("exited with code 3", e.Message);
        Assert.Contains("SCF did not converge", e.Message);
    }

    [Fact]
    public void MissingOutputFailsClearly()
    {
        var e = Failing("true");
        Assert.Contains("wrote no output file", e.Message);
    }

    [Fact]
    public void MissingForcesFailWhenAskedFor()
    {
        var e = Failing("sed 's/pbc=/energy=-1 pbc=/' \"$1\" > \"$2\"", forces: true);
        Assert.Contains("no forces", e.Message);
        Assert.Contains("training.forcesWeight", e.Message); // what to change for an energy-only code
    }

    [Fact]
    public void TimeoutKillsTheCommand()
    {
        var e = Failing("sleep 30", timeout: 0.5);
        Assert.Contains("timed out", e.Message);
    }
}

public class PotentialOracleTests
{
    [Fact]
    public void LabelsInParallelLikeOneByOne()
    {
        var list = Enumerable.Range(0, 40).Select(i => new LatticeStarts().RandomCluster(2 + i % 7, i)).ToList();
        var oracle = new PotentialOracle(FakeSetup.Reference);
        var labels = oracle.Label(list, true, CancellationToken.None);
        var ev = FakeSetup.Reference.CreateEvaluator();
        for (int i = 0; i < list.Count; i++)
        {
            var f = new double[list[i].Positions.Length];
            Assert.Equal(ev.Compute(list[i].Positions, f, Span<double>.Empty), labels[i].Energy);
            Assert.Equal(f, labels[i].Forces);
        }
        Assert.Equal(40, oracle.Calls);
    }
}

public class ActiveLearningConfigTests
{
    [Fact]
    public void DefaultsAreThePapersAndRoundTrip()
    {
        var c = new ActiveLearningConfig();
        Assert.Equal(2000, c.Training.Epochs);
        // documented departures from the paper: full-batch LM, capped best-epoch selection
        Assert.Equal(0, c.Training.BatchSize);
        Assert.Equal(0, c.Training.SmallPoolBatchSize);
        Assert.Null(c.Training.SelectionErrorCapMeV); // 10 x the tolerance
        Assert.Equal(0.1, c.Training.Mu);
        Assert.Equal(5000, c.Sampling.Metropolis.Cycles);
        Assert.Equal(300, c.Sampling.Metropolis.TemperatureK);
        Assert.Equal(5000, c.Sampling.Nested.Cycles);
        Assert.Equal(10, c.Sampling.Metropolis.Frames + c.Sampling.Nested.Frames);
        Assert.Equal(1.0, c.Selection.ToleranceMeV);
        Assert.Equal(ToleranceMode.PerMolecule, c.Selection.Mode);
        Assert.Equal(5, c.Stop.ConsecutiveNoAdd);
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "c.json");
        c.Seed = 42;
        c.Selection.Mode = ToleranceMode.PerCluster;
        c.Save(path);
        var back = ActiveLearningConfig.Load(path);
        Assert.Equal(c.ToJson(), back.ToJson());
        Assert.Contains("\"perCluster\"", File.ReadAllText(path));
    }

    [Fact]
    public void TheCommitteeConfigurationOfTheRepositoryLoadsAndIsTheMeasuredOne()
    {
        var c = ActiveLearningConfig.Load(Path.Combine(TestPaths.RepoRoot, "configs", "committee.json"));
        Assert.Equal(SelectionStrategy.Committee, c.Selection.Strategy);
        Assert.True(c.Training.ForcesWeight > 0 && c.Training.ForceProjections > 0, "the committee configuration trains on forces, cheaply");
        // at most 700 oracle calls by construction: the seed plus maxLabels + audit per iteration
        Assert.True(1 + c.Stop.MaxIterations * (c.Selection.MaxLabels + c.Selection.Audit) <= 700);
        // the paper's mode stays the default
        Assert.Equal(SelectionStrategy.All, new ActiveLearningConfig().Selection.Strategy);
        Assert.Equal(0, new ActiveLearningConfig().Training.ForcesWeight);
    }

    [Fact]
    public void PartialFileKeepsDefaults()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "c.json");
        File.WriteAllText(path, "{\n  // comments are allowed\n  \"seed\": 7,\n  \"training\": { \"epochs\": 50 },\n}\n");
        var c = ActiveLearningConfig.Load(path);
        Assert.Equal(7, c.Seed);
        Assert.Equal(50, c.Training.Epochs);
        Assert.Equal(0, c.Training.BatchSize);
    }

    [Fact]
    public void UnknownKeyIsAnErrorWithFileAndLine()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "c.json");
        File.WriteAllText(path, "{\n  \"seed\": 7,\n  \"training\": { \"epocs\": 50 }\n}\n");
        var e = Assert.Throws<InputFormatException>(() => ActiveLearningConfig.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal(3, e.Line);
        Assert.Contains("epocs", e.Message);
    }

    [Fact]
    public void WrongTypeIsAnErrorWithFileAndLine()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "c.json");
        File.WriteAllText(path, "{\n  \"selection\": {\n    \"mode\": \"sometimes\"\n  }\n}\n");
        var e = Assert.Throws<InputFormatException>(() => ActiveLearningConfig.Load(path));
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void BadValuesAreListed()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "c.json");
        File.WriteAllText(path, "{ \"training\": { \"epochs\": 0, \"holdoutFraction\": 1.5 }, \"oracle\": { \"kind\": \"command\" }, \"stop\": { \"consecutiveNoAdd\": 0 } }");
        var e = Assert.Throws<InputFormatException>(() => ActiveLearningConfig.Load(path));
        Assert.Equal(path, e.File);
        Assert.Contains("training.epochs must be >= 1", e.Message);
        Assert.Contains("training.holdoutFraction", e.Message);
        Assert.Contains("oracle.command is required", e.Message);
        Assert.Contains("stop.consecutiveNoAdd", e.Message);
    }

    [Fact]
    public void CommandWithoutPlaceholdersIsRefused()
    {
        var c = new ActiveLearningConfig();
        c.Oracle.Kind = OracleKind.Command;
        c.Oracle.Command = "run_dft.sh";
        var e = Assert.Throws<InputFormatException>(() => c.Validate());
        Assert.Contains("{input} and {output}", e.Message);
    }
}
