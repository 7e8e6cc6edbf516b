namespace AlHpc;

/// <summary>Data files embedded in the assembly (see data/README.md for provenance).</summary>
internal static class EmbeddedData
{
    /// <summary>ML-BOP parameters, LAMMPS pair_style tersoff format.</summary>
    public const string MlBopTersoff = "data/mlbop.tersoff";

    /// <summary>Minimized 25-molecule cluster (aenet XSF), ML-BOP energy -8.2503244532 eV.</summary>
    public const string SeedCluster25 = "data/struct_min_25.xsf";

    public static string ReadText(string name)
    {
        using var s = typeof(EmbeddedData).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from the build");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
