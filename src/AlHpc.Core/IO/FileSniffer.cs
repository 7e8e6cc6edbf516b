using System.Globalization;
using System.Text;

namespace AlHpc.IO;

/// <summary>What a file holds, judged from its content (not its name).</summary>
internal enum FileKind
{
    Unknown,
    Empty,
    Model,
    RunConfig,
    Json,
    ExtXyz,
    Xsf,
    Tersoff,
    Hdf5,
    AenetSetup,
}

/// <summary>
/// Recognises AlHpc's file kinds from the first few kilobytes of a file, so a command given the wrong kind
/// of file can say "this looks like an extxyz structure file, not a network model" instead of failing
/// somewhere inside a parser.
/// </summary>
internal static class FileSniffer
{
    private static readonly byte[] Hdf5Magic = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a];

    /// <summary>The kind of an existing file (Unknown when it cannot be read or is none of the known kinds).</summary>
    public static FileKind Sniff(string path)
    {
        byte[] head;
        try
        {
            using var f = File.OpenRead(path);
            head = new byte[8192];
            int n = 0, r;
            while (n < head.Length && (r = f.Read(head, n, head.Length - n)) > 0) n += r;
            Array.Resize(ref head, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return FileKind.Unknown; }
        return Sniff(head);
    }

    public static FileKind Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(Hdf5Magic)) return FileKind.Hdf5;
        if (head.IndexOf((byte)0) >= 0) return FileKind.Unknown; // some other binary file
        string text = Encoding.UTF8.GetString(head);
        string trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.Length == 0) return FileKind.Empty;
        if (trimmed[0] is '{' or '[')
        {
            if (text.Contains("\"network\"", StringComparison.Ordinal) && text.Contains("\"descriptors\"", StringComparison.Ordinal)) return FileKind.Model;
            foreach (var key in new[] { "\"training\"", "\"sampling\"", "\"oracle\"", "\"selection\"", "\"stop\"", "\"monitor\"", "\"seedStructure\"" })
                if (text.Contains(key, StringComparison.Ordinal)) return FileKind.RunConfig;
            return FileKind.Json;
        }
        var lines = text.Split('\n').Select(l => l.Trim()).ToList();
        if (lines.Count > 0 && !text.EndsWith('\n') && head.Length >= 8192) lines.RemoveAt(lines.Count - 1); // cut line
        var content = lines.Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (content.Count == 0) return FileKind.Unknown;
        var upper = content.Select(l => l.ToUpperInvariant()).ToList();
        if (upper.Any(l => l is "ATOMS" or "PRIMCOORD" or "PRIMVEC" or "CRYSTAL" or "MOLECULE" || l.StartsWith("ATOMS ", StringComparison.Ordinal)))
            return FileKind.Xsf;
        if (upper.Contains("DESCR") || upper.Any(l => l.StartsWith("ENV", StringComparison.Ordinal)) && upper.Any(l => l.StartsWith("SYMMFUNC", StringComparison.Ordinal) || l.StartsWith("FUNCTIONS", StringComparison.Ordinal)))
            return FileKind.AenetSetup;
        if (int.TryParse(content[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int atoms) && atoms >= 0)
            return FileKind.ExtXyz;
        var tokens = content[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length >= 4 && tokens.Take(3).All(t => t.All(char.IsLetter) && t.Length <= 3 && char.IsUpper(t[0]))
            && tokens.Skip(3).All(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            return FileKind.Tersoff;
        return FileKind.Unknown;
    }

    /// <summary>"an extxyz structure file" etc.</summary>
    public static string Describe(FileKind k) => k switch
    {
        FileKind.Empty => "an empty file",
        FileKind.Model => "an AlHpc network model (JSON)",
        FileKind.RunConfig => "an active-learning configuration (JSON)",
        FileKind.Json => "a JSON file",
        FileKind.ExtXyz => "an extxyz structure file",
        FileKind.Xsf => "an aenet XSF structure file",
        FileKind.Tersoff => "a LAMMPS Tersoff parameter file",
        FileKind.Hdf5 => "an HDF5 file (an AlHpc test set?)",
        FileKind.AenetSetup => "an aenet descriptor setup (.stp)",
        _ => "a file of unknown kind",
    };
}
