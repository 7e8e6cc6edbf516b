using System.Text.RegularExpressions;

namespace AlHpc.Tests.Integrity;

/// <summary>
/// The libraries (Core, Workflows, Reporting) report in their own terms (parameter and configuration names); only
/// the CLI knows its options and maps them (OptionNames, InputKinds) or passes its text in (N2p2Export.WhyNot,
/// TestSetGenerator.UnequalCountsNote).
/// </summary>
public partial class LibraryTermsTests
{
    [GeneratedRegex(@"\$?@?""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]*")]
    private static partial Regex Flag();

    /// <summary>Files whose literals are another program's options, not alhpc's.</summary>
    private static readonly string[] OtherProgramsOptions = ["OracleSchedulers.cs"]; // sbatch, squeue, scancel

    [Fact]
    public void NoLibraryMessageNamesACommandLineOption()
    {
        var found = new List<string>();
        foreach (var project in new[] { "AlHpc.Core", "AlHpc.Workflows", "AlHpc.Reporting" })
        {
            var dir = Path.Combine(TestPaths.RepoRoot, "src", project);
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(dir, file);
                if (rel.StartsWith("obj", StringComparison.Ordinal) || rel.StartsWith("bin", StringComparison.Ordinal)) continue;
                if (OtherProgramsOptions.Contains(Path.GetFileName(file))) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                    foreach (Match lit in StringLiteral().Matches(lines[i]))
                        if (Flag().Match(lit.Value) is { Success: true } f)
                            found.Add($"{project}/{rel}:{i + 1}: {f.Value}");
                }
            }
        }
        Assert.True(found.Count == 0, "CLI options named in library messages:\n" + string.Join("\n", found));
    }
}
