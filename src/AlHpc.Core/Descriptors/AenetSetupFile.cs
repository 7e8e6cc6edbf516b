using System.Globalization;
using System.Text;
using AlHpc.IO;

namespace AlHpc.Descriptors;

/// <summary>
/// aenet's structural-fingerprint setup file (".stp"), Behler2011 symmetry functions, one element:
/// <code>
/// DESCR
///   free text
/// END DESCR
/// ATOM O
/// ENV 1
/// O
/// RMIN 0.75d0
/// SYMMFUNC type=Behler2011      (aenet also accepts FUNCTIONS type=Behler2011)
/// 26
/// G=2 type2=O eta=12.0 Rs=2.3 Rc=3.5
/// G=5 type2=O type3=O eta=0.0987 lambda=-1.0 zeta=2.0 Rc=3.5
/// </code>
/// Keywords are case-insensitive; numbers may use Fortran exponents (1.0d-3); '!' and '#' start comments.
/// Only G=2 and G=5 are supported (G=1, G=3, G=4 are refused with the line number); every
/// type2/type3 must be the ATOM element (AlHpc is single-element).
/// </summary>
public static class AenetSetupFile
{
    /// <summary>Reads a setup file. Errors: <see cref="InputFormatException"/> with file and line.</summary>
    public static DescriptorSetup Read(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFormatException(path, 0, $"cannot read: {e.Message}", e);
        }
        return Parse(lines, path);
    }

    /// <summary>Parses setup-file lines; <paramref name="fileName"/> names the source in errors.</summary>
    public static DescriptorSetup Parse(IReadOnlyList<string> lines, string fileName = "<setup>")
    {
        string? atom = null;
        string? description = null;
        var functions = new List<SymmetryFunction>();
        int declared = -1, declaredLine = 0;
        bool sawFunctions = false;
        int n = lines.Count;
        for (int li = 0; li < n; li++)
        {
            string line = StripComment(lines[li]).Trim();
            if (line.Length == 0) continue;
            var tok = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string key = tok[0].ToUpperInvariant();
            switch (key)
            {
                case "DESCR":
                {
                    var sb = new StringBuilder();
                    int start = li;
                    li++;
                    while (li < n && !lines[li].Trim().StartsWith("END DESCR", StringComparison.OrdinalIgnoreCase))
                    {
                        if (sb.Length > 0) sb.Append('\n');
                        sb.Append(lines[li].Trim());
                        li++;
                    }
                    if (li >= n) throw new InputFormatException(fileName, start + 1, "DESCR without END DESCR");
                    description = sb.ToString();
                    break;
                }
                case "ATOM":
                    if (tok.Length < 2) throw new InputFormatException(fileName, li + 1, "ATOM needs an element symbol");
                    atom = tok[1];
                    break;
                case "ENV":
                {
                    if (tok.Length < 2 || !int.TryParse(tok[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int ne) || ne < 1)
                        throw new InputFormatException(fileName, li + 1, "ENV needs a positive number of species");
                    for (int s = 0; s < ne; s++)
                    {
                        li++;
                        while (li < n && StripComment(lines[li]).Trim().Length == 0) li++;
                        if (li >= n) throw new InputFormatException(fileName, n, $"ENV lists {ne} species but the file ends");
                        string sp = StripComment(lines[li]).Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
                        if (atom != null && !string.Equals(sp, atom, StringComparison.OrdinalIgnoreCase))
                            throw new InputFormatException(fileName, li + 1, $"environment species '{sp}' differs from ATOM '{atom}': AlHpc supports one element");
                    }
                    break;
                }
                case "RMIN":
                    if (tok.Length < 2 || !TryParseNumber(tok[1], out _))
                        throw new InputFormatException(fileName, li + 1, "RMIN needs a number");
                    break;
                case "SYMMFUNC":
                case "FUNCTIONS":
                case "BASIS":
                {
                    string? type = null;
                    foreach (var t in tok.Skip(1))
                    {
                        var kv = t.Split('=', 2);
                        if (kv.Length == 2 && kv[0].Equals("type", StringComparison.OrdinalIgnoreCase)) type = kv[1];
                    }
                    if (type == null || !type.Equals("Behler2011", StringComparison.OrdinalIgnoreCase))
                        throw new InputFormatException(fileName, li + 1, $"{tok[0]} type '{type ?? "(missing)"}' is not supported (only type=Behler2011)");
                    // next non-empty line: count
                    li++;
                    while (li < n && StripComment(lines[li]).Trim().Length == 0) li++;
                    if (li >= n) throw new InputFormatException(fileName, n, "missing number of symmetry functions");
                    var cnt = StripComment(lines[li]).Trim();
                    if (!int.TryParse(cnt, NumberStyles.Integer, CultureInfo.InvariantCulture, out declared) || declared < 1)
                        throw new InputFormatException(fileName, li + 1, $"expected the number of symmetry functions, got '{cnt}'");
                    declaredLine = li + 1;
                    sawFunctions = true;
                    break;
                }
                default:
                    if (key.StartsWith("G=", StringComparison.Ordinal))
                    {
                        if (!sawFunctions) throw new InputFormatException(fileName, li + 1, "symmetry function before SYMMFUNC type=Behler2011");
                        functions.Add(ParseFunction(tok, atom, fileName, li + 1));
                    }
                    else
                    {
                        throw new InputFormatException(fileName, li + 1, $"unknown keyword '{tok[0]}'");
                    }
                    break;
            }
        }
        if (!sawFunctions) throw new InputFormatException(fileName, 0, "no SYMMFUNC type=Behler2011 section");
        if (functions.Count != declared)
            throw new InputFormatException(fileName, declaredLine, $"declares {declared} symmetry functions but lists {functions.Count}");
        try
        {
            return new DescriptorSetup(functions, atom ?? "O") { Description = description };
        }
        catch (ArgumentException e)
        {
            throw new InputFormatException(fileName, 0, e.Message, e);
        }
    }

    private static SymmetryFunction ParseFunction(string[] tok, string? atom, string file, int line)
    {
        var kv = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in tok)
        {
            var p = t.Split('=', 2);
            if (p.Length != 2 || p[0].Length == 0 || p[1].Length == 0)
                throw new InputFormatException(file, line, $"expected key=value, got '{t}'");
            if (!kv.TryAdd(p[0], p[1])) throw new InputFormatException(file, line, $"'{p[0]}' given twice");
        }
        int g = kv["G"] switch
        {
            "2" => 2,
            "5" => 5,
            var other => throw new InputFormatException(file, line, $"G={other} is not supported (AlHpc implements G=2 and G=5)"),
        };
        foreach (var tk in new[] { "type2", "type3" })
            if (kv.TryGetValue(tk, out var sp) && atom != null && !sp.Equals(atom, StringComparison.OrdinalIgnoreCase))
                throw new InputFormatException(file, line, $"{tk}={sp} differs from ATOM {atom}: AlHpc supports one element");
        double Num(string name)
        {
            if (!kv.TryGetValue(name, out var s)) throw new InputFormatException(file, line, $"G={g} needs {name}=");
            if (!TryParseNumber(s, out double v) || !double.IsFinite(v)) throw new InputFormatException(file, line, $"{name}='{s}' is not a number");
            return v;
        }
        string[] allowed = g == 2 ? ["G", "type2", "eta", "Rs", "Rc"] : ["G", "type2", "type3", "eta", "lambda", "zeta", "Rc"];
        foreach (var k in kv.Keys)
            if (!allowed.Contains(k, StringComparer.OrdinalIgnoreCase))
                throw new InputFormatException(file, line, $"unexpected parameter '{k}' for G={g}");
        double eta = Num("eta"), rc = Num("Rc");
        if (!(rc > 0)) throw new InputFormatException(file, line, $"Rc must be > 0, got {rc}");
        if (eta < 0) throw new InputFormatException(file, line, $"eta must be >= 0, got {eta}");
        if (g == 2)
        {
            var g2 = SymmetryFunction.G2(eta, Num("Rs"), rc);
            if (g2.Problem() is { } why2) throw new InputFormatException(file, line, why2);
            return g2;
        }
        double lambda = Num("lambda"), zeta = Num("zeta");
        if (lambda != 1 && lambda != -1) throw new InputFormatException(file, line, $"lambda must be +1 or -1, got {lambda}");
        if (!(zeta >= 1)) throw new InputFormatException(file, line, $"zeta must be >= 1, got {zeta}");
        var g5 = SymmetryFunction.G5(eta, lambda, zeta, rc);
        if (g5.Problem() is { } why) throw new InputFormatException(file, line, why);
        return g5;
    }

    private static string StripComment(string s)
    {
        int i = s.IndexOfAny(['!', '#']);
        return i < 0 ? s : s[..i];
    }

    /// <summary>Parses a number, accepting Fortran exponents (1.5d0, 2D-3).</summary>
    public static bool TryParseNumber(string s, out double v) =>
        double.TryParse(s.Replace('d', 'e').Replace('D', 'e'), NumberStyles.Float, CultureInfo.InvariantCulture, out v);

    /// <summary>Writes a setup in aenet's format (round-trips exactly: numbers with "R").</summary>
    public static void Write(string path, DescriptorSetup setup) =>
        AtomicFile.WriteText(path, w => w.Write(Format(setup)));

    public static string Format(DescriptorSetup setup)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string el = setup.Element;
        sb.Append("DESCR\n");
        foreach (var l in (setup.Description ?? $"AlHpc descriptor setup: {setup.Count} Behler2011 functions, Rc = {setup.Cutoff.ToString("R", ci)} A").Split('\n'))
            sb.Append("  ").Append(l).Append('\n');
        sb.Append("END DESCR\n\n");
        sb.Append("ATOM ").Append(el).Append("\n\n");
        sb.Append("ENV 1\n").Append(el).Append("\n\n");
        sb.Append("RMIN 0.75d0\n\n");
        sb.Append("SYMMFUNC type=Behler2011\n");
        sb.Append(setup.Count.ToString(ci)).Append('\n');
        foreach (var f in setup.Functions)
        {
            if (f.Kind == SymmetryFunctionKind.G2)
                sb.Append(ci, $"G=2 type2={el} eta={f.Eta:R} Rs={f.Rs:R} Rc={f.Rc:R}\n");
            else
                sb.Append(ci, $"G=5 type2={el} type3={el} eta={f.Eta:R} lambda={f.Lambda:R} zeta={f.Zeta:R} Rc={f.Rc:R}\n");
        }
        return sb.ToString();
    }
}
