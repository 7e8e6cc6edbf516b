using System.Globalization;
using System.Text;
using AlHpc.Structures;

namespace AlHpc.IO;

/// <summary>
/// aenet's XSF structure files (one non-periodic structure per file):
/// <code>
/// # total energy = -8.2503244532 eV
///
/// ATOMS
/// O  x y z  [fx fy fz]
/// </code>
/// Units: A, eV, eV/A. The species column (one per atom; mixed elements are fine) may be a symbol or an atomic
/// number; <c>species</c> of the readers works as in <see cref="ExtXyz.Read(string, IReadOnlyList{string}?)"/>. Fortran exponents
/// (1.0D-05) are accepted. Periodic XSF (CRYSTAL/PRIMVEC/PRIMCOORD) is rejected. When the atom lines carry
/// force columns they are read as <see cref="Cluster.Forces"/> (aenet writes zeros when forces are unknown).
/// </summary>
public static class Xsf
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Cluster Read(string path, IReadOnlyList<string>? species = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        using var r = new StreamReader(path, Encoding.UTF8, true, 1 << 16);
        return Read(r, path, species);
    }

    public static Cluster Read(TextReader reader, string fileName, IReadOnlyList<string>? species = null)
    {
        int lineNo = 0;
        double? energy = null;
        bool inAtoms = false, sawAtoms = false;
        var pos = new List<double>();
        List<double>? forces = null;
        int cols = -1;
        var table = species ?? new List<string>(1);
        var types = new List<int>();
        var atomLines = new List<int>();
        Span<Range> ranges = stackalloc Range[9];
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            lineNo++;
            var s = line.AsSpan().Trim();
            if (s.IsEmpty) continue;
            if (s[0] == '#')
            {
                var body = s[1..].Trim();
                const string key = "total energy";
                if (body.StartsWith(key, StringComparison.OrdinalIgnoreCase))
                {
                    var rest = body[key.Length..].Trim();
                    if (rest.IsEmpty || rest[0] != '=') throw new InputFormatException(fileName, lineNo, "expected '# total energy = X eV'");
                    rest = rest[1..].Trim();
                    int sp = rest.IndexOfAny(' ', '\t');
                    var num = sp < 0 ? rest : rest[..sp];
                    var unit = sp < 0 ? ReadOnlySpan<char>.Empty : rest[sp..].Trim();
                    if (!unit.IsEmpty && !unit.Equals("eV", StringComparison.OrdinalIgnoreCase))
                        throw new InputFormatException(fileName, lineNo, $"energy unit '{unit}' is not eV");
                    energy = ParseNumber(num, fileName, lineNo, "total energy");
                }
                continue;
            }
            int m = ExtXyz.SplitWhitespace(s, ranges);
            if (m == 1 && char.IsLetter(s[0]) && IsKeyword(s))
            {
                var kw = s.ToString().ToUpperInvariant();
                if (kw == "ATOMS") { if (sawAtoms) throw new InputFormatException(fileName, lineNo, "a second ATOMS block (one structure per XSF file)"); inAtoms = sawAtoms = true; continue; }
                if (kw is "CRYSTAL" or "SLAB" or "POLYMER" or "PRIMVEC" or "PRIMCOORD" or "CONVVEC")
                    throw new InputFormatException(fileName, lineNo, $"periodic XSF ({kw}) is not supported; AlHpc handles non-periodic clusters");
                throw new InputFormatException(fileName, lineNo, $"unsupported XSF keyword '{kw}'");
            }
            if (!inAtoms) throw new InputFormatException(fileName, lineNo, $"expected ATOMS before atom lines, found '{ExtXyz.Shorten(line)}'");
            if (m != 4 && m != 7) throw new InputFormatException(fileName, lineNo, $"expected 4 columns (species x y z) or 7 (with fx fy fz), found {(m >= ranges.Length ? "more" : m.ToString(Inv))}");
            if (cols < 0) { cols = m; if (m == 7) forces = new List<double>(); }
            else if (m != cols) throw new InputFormatException(fileName, lineNo, $"expected {cols} columns like the first atom line, found {m}");
            var spc = s[ranges[0]];
            string sym;
            if (int.TryParse(spc, NumberStyles.None, Inv, out int z))
            {
                if (z < 1 || z >= Elements.ByAtomicNumber.Count) throw new InputFormatException(fileName, lineNo, $"unknown element (atomic number {z})");
                sym = Elements.ByAtomicNumber[z];
            }
            else
            {
                if (!Elements.IsKnown(spc)) throw new InputFormatException(fileName, lineNo, $"unknown element '{spc}'");
                sym = spc.ToString();
            }
            int type = SpeciesTable.IndexOf(table, sym);
            if (type < 0)
            {
                if (species != null) throw new InputFormatException(fileName, lineNo, $"atom {atomLines.Count}: {SpeciesTable.NotAccepted(sym, species)}");
                ((List<string>)table).Add(sym);
                type = table.Count - 1;
            }
            types.Add(type);
            for (int d = 1; d <= 3; d++) pos.Add(ParseNumber(s[ranges[d]], fileName, lineNo, "position"));
            atomLines.Add(lineNo);
            if (forces != null) for (int d = 4; d <= 6; d++) forces.Add(ParseNumber(s[ranges[d]], fileName, lineNo, "force"));
        }
        if (!sawAtoms) throw new InputFormatException(fileName, lineNo + 1, "no ATOMS block (truncated file?)");
        if (atomLines.Count == 0) throw new InputFormatException(fileName, lineNo + 1, "the ATOMS block holds no atoms (empty structure)");
        if (CoincidentAtoms.Find(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pos)) is { } cp)
            throw new InputFormatException(fileName, atomLines[cp.J], CoincidentAtoms.Describe(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pos))!);
        return new Cluster(pos.ToArray(), table.ToArray(), types.ToArray()) { Energy = energy, Forces = forces?.ToArray() };
    }

    private static bool IsKeyword(ReadOnlySpan<char> s)
    {
        foreach (var ch in s) if (!char.IsLetter(ch)) return false;
        return !Elements.IsKnown(s); // a lone element symbol is a (bad) atom line, not a keyword
    }

    private static double ParseNumber(ReadOnlySpan<char> t, string file, int line, string what)
    {
        double v;
        bool ok;
        if (t.Length <= 64 && (t.Contains('D') || t.Contains('d')))
        {
            Span<char> buf = stackalloc char[64];
            t.CopyTo(buf);
            for (int i = 0; i < t.Length; i++) if (buf[i] is 'D' or 'd') buf[i] = 'E';
            ok = double.TryParse(buf[..t.Length], NumberStyles.Float, Inv, out v);
        }
        else ok = double.TryParse(t, NumberStyles.Float, Inv, out v);
        if (!ok)
            throw new InputFormatException(file, line, $"non-numeric {what} '{ExtXyz.Shorten(t.ToString())}'");
        if (!double.IsFinite(v)) throw new InputFormatException(file, line, $"non-finite {what} '{t}'");
        return v;
    }

    /// <summary>Writes one cluster atomically. Forces columns are written when the cluster has forces.</summary>
    public static void Write(string path, Cluster c) => AtomicFile.WriteText(path, w => Write(w, c));

    public static void Write(TextWriter w, Cluster c)
    {
        Span<char> buf = stackalloc char[40];
        if (c.Energy is { } e)
        {
            w.Write("# total energy = ");
            ExtXyz.WriteDouble(w, e, buf);
            w.Write(" eV\n\n");
        }
        w.Write("ATOMS\n");
        for (int a = 0; a < c.Count; a++)
        {
            w.Write(c.ElementOf(a));
            for (int d = 0; d < 3; d++) { w.Write(' '); ExtXyz.WriteDouble(w, c.Positions[3 * a + d], buf); }
            if (c.Forces != null)
                for (int d = 0; d < 3; d++) { w.Write(' '); ExtXyz.WriteDouble(w, c.Forces[3 * a + d], buf); }
            w.Write('\n');
        }
    }
}
