using System.Reflection;
using System.Text.RegularExpressions;

namespace AlHpc.Tests.Api;

/// <summary>
/// The public API of the product assemblies is exactly the list in docs/api.md: a type made public (or internal)
/// without the document saying so fails here, with the names to add or remove.
/// </summary>
public class PublicApiTests
{
    private static readonly Assembly[] Product =
    [
        typeof(AlHpc.Structures.Cluster).Assembly,            // AlHpc.Core
        typeof(AlHpc.Training.LmTrainer).Assembly,             // AlHpc.Workflows
        typeof(AlHpc.Reporting.RunPlotter).Assembly,           // AlHpc.Reporting
        typeof(AlHpc.OpenCL.OpenClComputeBackend).Assembly,    // AlHpc.OpenCL
    ];

    internal static SortedSet<string> Exported() =>
        new(Product.SelectMany(a => a.GetExportedTypes()).Where(t => !t.IsNested).Select(t => $"{t.Assembly.GetName().Name}: {t.FullName}"), StringComparer.Ordinal);

    internal static SortedSet<string> Documented()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "api.md"));
        var block = Regex.Match(text, "```public-api\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "docs/api.md has no ```public-api block");
        return new(block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
    }

    [Fact]
    public void ThePublicTypesAreTheDocumentedOnes()
    {
        var exported = Exported();
        var documented = Documented();
        var undocumented = exported.Except(documented).ToList();
        var gone = documented.Except(exported).ToList();
        Assert.True(undocumented.Count == 0 && gone.Count == 0,
            $"public but not in docs/api.md:\n  {string.Join("\n  ", undocumented)}\nin docs/api.md but not public:\n  {string.Join("\n  ", gone)}");
    }

    [Fact]
    public void TheModelCoreDependsOnNoWorkflowPlottingOrHdf5Assembly()
    {
        var core = typeof(AlHpc.Structures.Cluster).Assembly;
        var refs = core.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        foreach (var banned in new[] { "AlHpc.Workflows", "AlHpc.Reporting", "AlHpc.OpenCL", "ScottPlot", "SkiaSharp", "PureHDF" })
            Assert.DoesNotContain(banned, refs);
        var opencl = typeof(AlHpc.OpenCL.OpenClComputeBackend).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain("AlHpc.Workflows", opencl);
        Assert.DoesNotContain("AlHpc.Reporting", opencl);
        var workflows = typeof(AlHpc.Training.LmTrainer).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain("AlHpc.Reporting", workflows);
        Assert.DoesNotContain("ScottPlot", workflows);
    }
}
