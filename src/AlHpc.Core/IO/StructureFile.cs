using AlHpc.Structures;

namespace AlHpc.IO;

/// <summary>Structure files by extension: .xyz/.extxyz (extended XYZ, many frames) and .xsf (aenet XSF, one structure).</summary>
public static class StructureFile
{
    public enum Format { ExtXyz, Xsf }

    /// <summary>The format of a path by its extension; InputFormatException for an unknown one.</summary>
    public static Format FormatOf(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".xyz" or ".extxyz" => Format.ExtXyz,
            ".xsf" => Format.Xsf,
            _ => throw new InputFormatException(path, 0, $"unknown structure file extension '{ext}' (use .xyz, .extxyz or .xsf)"),
        };
    }

    /// <summary>
    /// Streams the clusters of a file (an XSF file yields one). <paramref name="species"/>: the elements accepted
    /// (a potential's species; see <see cref="ExtXyz.Read(string, IReadOnlyList{string}?)"/>), null: any.
    /// </summary>
    public static IEnumerable<Cluster> Read(string path, IReadOnlyList<string>? species = null) =>
        FormatOf(path) switch
        {
            Format.Xsf => [Xsf.Read(path, species)],
            _ => ExtXyz.Read(path, species),
        };

    /// <summary>Writes clusters atomically; an XSF target takes exactly one cluster.</summary>
    public static void Write(string path, IEnumerable<Cluster> clusters)
    {
        if (FormatOf(path) == Format.Xsf)
        {
            using var e = clusters.GetEnumerator();
            if (!e.MoveNext()) throw new ArgumentException($"{path}: no structure to write");
            var c = e.Current;
            if (e.MoveNext()) throw new ArgumentException($"{path}: an XSF file holds one structure; write several with .xyz");
            Xsf.Write(path, c);
        }
        else ExtXyz.Write(path, clusters);
    }
}
