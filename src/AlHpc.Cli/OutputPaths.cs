using AlHpc.IO;

namespace AlHpc.Cli;

/// <summary>Checks every command makes on its output before any work (issue 17: nothing computed, then lost).</summary>
public static class OutputPaths
{
    /// <summary>An output that names one of the inputs would replace it: a usage error (exit 2).</summary>
    public static void NotAnInput(string output, params string?[] inputs)
    {
        var o = Path.GetFullPath(output);
        foreach (var i in inputs)
            if (i != null && string.Equals(Path.GetFullPath(i), o, StringComparison.Ordinal))
                throw new UsageException($"-o {output} is also an input of the command: it would replace it; choose another output name");
    }

    /// <summary>An .xsf output takes one structure: refuse before computing when there are more.</summary>
    public static void FitsFormat(string output, int structures)
    {
        if (StructureFile.FormatOf(output) == StructureFile.Format.Xsf && structures != 1)
            throw new UsageException($"-o {output}: an XSF file holds one structure, the input has {structures}; write them to .xyz");
    }
}
