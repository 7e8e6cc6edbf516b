using System.Xml.Linq;
using AlHpc.Cli;

namespace AlHpc.Tests.Cli;

/// <summary>One progress mechanism (ConsoleProgress): a line on stderr at a terminal, nothing otherwise; stdout stays clean.</summary>
[Collection("console")]
public class ProgressTests
{
    [Fact]
    public void TheProgressLineIsRedrawnInPlaceAndEndsWithANewline()
    {
        var w = new StringWriter();
        using (var p = new ConsoleProgress("train", 10, "epochs", enabled: true, writer: w))
            p.Report(5, 10);
        string text = w.ToString();
        Assert.StartsWith("\rtrain: 5/10 (50.0 %), ", text);
        Assert.Contains("epochs/s", text);
        Assert.EndsWith(Environment.NewLine, text);
    }

    [Fact]
    public void NothingIsWrittenWhenDisabled()
    {
        var w = new StringWriter();
        using (var p = new ConsoleProgress("train", 10, "epochs", enabled: false, writer: w))
        {
            p.Report(5, 10);
            p.Advance();
        }
        Assert.Equal("", w.ToString());
    }

    [Fact]
    public void TrainWritesNothingToStdout()
    {
        var dir = TestPaths.NewTempDir();
        var (code, stdout, stderr) = CliHarness.Run("train", "--data", TestPaths.RepoData("struct_min_25.xsf"), "--epochs", "3", "-o", Path.Combine(dir, "m.json"));
        Assert.True(code == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Contains("alhpc train: best epoch", stderr);
    }

    /// <summary>Every pinned package is used by a project (Spectre.Console was pinned and referenced but never used).</summary>
    [Fact]
    public void EveryPinnedPackageIsReferenced()
    {
        var root = TestPaths.RepoRoot;
        var pinned = XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion").Select(e => (string)e.Attribute("Include")!).ToList();
        var referenced = Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(p => XDocument.Load(p).Descendants("PackageReference").Select(e => (string)e.Attribute("Include")!))
            .ToHashSet();
        Assert.NotEmpty(pinned);
        var unused = pinned.Except(referenced).ToList();
        Assert.True(unused.Count == 0, "pinned but referenced by no project: " + string.Join(", ", unused));
        Assert.DoesNotContain("Spectre.Console", pinned);
    }
}
