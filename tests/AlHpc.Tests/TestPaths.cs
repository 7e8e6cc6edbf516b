namespace AlHpc.Tests;

/// <summary>Locations of test data (copied into tests/AlHpc.Tests/Data, see data/README.md).</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Data(string name) => Path.Combine(RepoRoot, "tests", "AlHpc.Tests", "Data", name);

    public static string RepoData(string name) => Path.Combine(RepoRoot, "data", name);

    /// <summary>A fresh empty temporary folder for one test.</summary>
    public static string NewTempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "alhpc-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "AlHpc.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("AlHpc.sln not found above the test binaries");
    }
}
