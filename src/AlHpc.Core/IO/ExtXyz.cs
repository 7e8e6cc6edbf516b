using System.Globalization;
using System.Text;
using AlHpc.Structures;

namespace AlHpc.IO;

/// <summary>
/// Extended XYZ as ASE reads and writes it, for non-periodic clusters (one element symbol per atom).
/// Units: positions A, energy eV, forces eV/A.
/// <para>
/// A frame is: the atom count; a comment line of key=value pairs (<c>Properties=species:S:1:pos:R:3[:forces:R:3]</c>,
/// <c>energy=</c>, <c>pbc="F F F"</c>, anything else is kept in <see cref="Cluster.Info"/> and written back);
/// one line per atom. Without a <c>Properties</c> key the columns are <c>species x y z</c> (plain XYZ).
/// Per-atom columns other than species, pos and forces are kept as text (<see cref="Cluster.AtomColumns"/>) and
/// written back, so a rewrite loses nothing; real (R) columns must hold finite numbers.
/// </para>
/// <para>
/// Reading streams one frame at a time. Bad input throws <see cref="InputFormatException"/> with the file,
/// the 1-based line and what was wrong: wrong atom count, non-numeric or non-finite (NaN/Inf) field, unknown
/// element, an element the caller does not accept (see <see cref="Read(string, IReadOnlyList{string}?)"/>), periodic cell,
/// truncated file.
/// Writing uses the shortest round-trip representation of every double, so values survive exactly.
/// </para>
/// </summary>
public static class ExtXyz
{
    internal static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The largest atom count of one structure the readers accept (beyond it: bad input, not a crash).</summary>
    public const int MaxAtoms = 10_000_000;

    /// <summary>
    /// Streams the frames of an extxyz file. <paramref name="species"/>: the elements accepted (a potential's species,
    /// index = type): every atom must be one of them (else an <see cref="InputFormatException"/> naming the line,
    /// frame, atom and element) and they are the species table of every cluster read, so its
    /// <see cref="Cluster.Types"/> are the potential's type indices. Null: any element; each cluster's table lists
    /// its elements in order of first appearance.
    /// </summary>
    public static IEnumerable<Cluster> Read(string path, IReadOnlyList<string>? species = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        return ReadCore(path, species);
    }

    private static IEnumerable<Cluster> ReadCore(string path, IReadOnlyList<string>? species)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), true, 1 << 16);
        foreach (var c in Read(reader, path, species)) yield return c;
    }

    /// <summary>Streams the frames from a reader; <paramref name="fileName"/> names the source in error messages.</summary>
    public static IEnumerable<Cluster> Read(TextReader reader, string fileName, IReadOnlyList<string>? species = null)
    {
        var state = new ReadState(reader, fileName, species);
        int frames = 0;
        while (true)
        {
            Cluster? c;
            try { c = state.NextFrame(); }
            catch (DecoderFallbackException e) { throw new InputFormatException(fileName, state.Line + 1, $"not UTF-8 text ({e.Message})", e); }
            if (c is null) break;
            frames++;
            yield return c;
        }
        if (frames == 0) throw new InputFormatException(fileName, 0, "no structures (empty file)");
    }

    private sealed class ReadState(TextReader reader, string file, IReadOnlyList<string>? species)
    {
        private int _line;
        public int Line => _line;
        private int _frame = -1;
        private int _prevFrameLine;
        private int _prevFrameCount;

        private InputFormatException Error(int line, string problem) => new(file, line, problem);

        private string? ReadLine()
        {
            var s = reader.ReadLine();
            if (s != null) _line++;
            return s;
        }

        public Cluster? NextFrame()
        {
            string? countLine;
            do { countLine = ReadLine(); } while (countLine != null && string.IsNullOrWhiteSpace(countLine));
            if (countLine == null) return null;
            int frameLine = _line;
            _frame++;
            var ct = countLine.AsSpan().Trim();
            if (!int.TryParse(ct, NumberStyles.None, Inv, out int n) || n > MaxAtoms)
            {
                if (n > MaxAtoms) throw Error(frameLine, $"atom count {n} is more than AlHpc handles in one structure ({MaxAtoms})");
                string hint = _prevFrameLine > 0
                    ? $" (wrong atom count? the frame at line {_prevFrameLine} declares {_prevFrameCount} atoms)"
                    : "";
                throw Error(frameLine, $"expected the atom count (a non-negative integer), found '{Shorten(countLine)}'{hint}");
            }
            string? comment = ReadLine();
            if (comment == null) throw Error(_line + 1, $"file ends after the atom count of the frame at line {frameLine} (truncated file?)");
            int commentLine = _line;

            if (n == 0) throw Error(frameLine, "a frame with 0 atoms (empty structure)");
            var kv = ParseKeyValues(comment, commentLine);
            var seenKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, _) in kv)
                if (!seenKeys.Add(key)) throw Error(commentLine, $"the key '{Shorten(key)}' appears twice in the comment line");
            var columns = DefaultColumns;
            double? energy = null;
            var info = new List<KeyValuePair<string, string>>();
            foreach (var (key, value) in kv)
            {
                if (key.Equals("Properties", StringComparison.OrdinalIgnoreCase)) columns = ParseProperties(value, commentLine);
                else if (key.Equals("energy", StringComparison.OrdinalIgnoreCase))
                {
                    if (!double.TryParse(value, NumberStyles.Float, Inv, out double e))
                        throw Error(commentLine, $"non-numeric energy '{Shorten(value)}'");
                    if (!double.IsFinite(e)) throw Error(commentLine, $"non-finite energy '{value}'");
                    energy = e;
                }
                else if (key.Equals("pbc", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var t in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        if (!IsFalse(t))
                            throw Error(commentLine, $"periodic structures are not supported (pbc=\"{value}\"); AlHpc handles non-periodic clusters");
                }
                else info.Add(new(key, value));
            }

            int total = columns.Total;
            var pos = new double[3 * n];
            var types = new int[n];
            var table = species ?? new List<string>(1);
            double[]? forces = columns.Forces >= 0 ? new double[3 * n] : null;
            List<AtomColumn>? extra = columns.Extra.Count == 0 ? null
                : columns.Extra.Select(e => new AtomColumn(e.Name, e.Type, e.Width, new string[(long)n * e.Width <= int.MaxValue ? n * e.Width : throw Error(frameLine, "too many per-atom values")])).ToList();
            Span<Range> ranges = stackalloc Range[Math.Min(total + 2, 64)];
            for (int a = 0; a < n; a++)
            {
                string? line = ReadLine();
                if (line == null)
                    throw Error(_line + 1, $"file ends after {a} of {n} atom lines of the frame at line {frameLine} (truncated file or wrong atom count)");
                var s = line.AsSpan();
                int m = SplitWhitespace(s, ranges);
                if (m != total)
                {
                    string why = m < total && m <= 1
                        ? $"wrong atom count? the frame at line {frameLine} declares {n} atoms but this is not an atom line; "
                        : "";
                    throw Error(_line, $"{why}expected {total} columns ({columns.Describe}), found {(m >= ranges.Length ? "more" : m.ToString(Inv))}");
                }
                types[a] = TypeOf(s[ranges[columns.Species]], table, a);
                for (int d = 0; d < 3; d++)
                {
                    pos[3 * a + d] = ParseNumber(s[ranges[columns.Pos + d]], columns.Pos + d + 1, "pos");
                    if (forces != null) forces[3 * a + d] = ParseNumber(s[ranges[columns.Forces + d]], columns.Forces + d + 1, "forces");
                }
                if (extra != null)
                    for (int x = 0; x < extra.Count; x++)
                    {
                        var (name, type, start, width) = columns.Extra[x];
                        for (int w = 0; w < width; w++)
                        {
                            var t = s[ranges[start + w]];
                            if (type == "R") ParseNumber(t, start + w + 1, name); // real columns: numbers, finite
                            extra[x].Values[a * width + w] = t.ToString();
                        }
                    }
            }
            if (CoincidentAtoms.Find(pos) is { } cp)
                throw Error(frameLine + 2 + cp.J, CoincidentAtoms.Describe(pos)!);
            _prevFrameLine = frameLine;
            _prevFrameCount = n;
            var c = new Cluster(pos, table.ToArray(), types) { Energy = energy, Forces = forces, AtomColumns = extra };
            c.Info.AddRange(info);
            return c;
        }

        /// <summary>The type of an atom's element in the frame's table (the accepted species, or the elements seen so far).</summary>
        private int TypeOf(ReadOnlySpan<char> sp, IReadOnlyList<string> table, int atom)
        {
            int t = SpeciesTable.IndexOf(table, sp);
            if (t >= 0) return t;
            if (!Elements.IsKnown(sp)) throw Error(_line, $"unknown element '{sp}'");
            if (species != null) throw Error(_line, $"frame {_frame}, atom {atom}: {SpeciesTable.NotAccepted(sp.ToString(), species)}");
            ((List<string>)table).Add(sp.ToString());
            return table.Count - 1;
        }

        private double ParseNumber(ReadOnlySpan<char> t, int column, string what)
        {
            if (!double.TryParse(t, NumberStyles.Float, Inv, out double v))
                throw Error(_line, $"non-numeric value '{Shorten(t.ToString())}' in column {column} ({what})");
            if (!double.IsFinite(v)) throw Error(_line, $"non-finite value '{t}' in column {column} ({what})");
            return v;
        }

        private Columns ParseProperties(string value, int line)
        {
            var parts = value.Split(':');
            if (parts.Length % 3 != 0) throw Error(line, $"malformed Properties '{value}' (expected name:type:count triples)");
            int col = 0, species = -1, pos = -1, forces = -1;
            var extra = new List<(string, string, int, int)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var names = new List<string>();
            for (int p = 0; p < parts.Length; p += 3)
            {
                string name = parts[p], type = parts[p + 1];
                if (!int.TryParse(parts[p + 2], NumberStyles.None, Inv, out int count) || count < 1)
                    throw Error(line, $"malformed Properties '{value}': bad column count '{parts[p + 2]}' for '{name}'");
                if (type is not ("S" or "R" or "I" or "L")) throw Error(line, $"malformed Properties '{value}': unknown type '{type}' for '{name}'");
                if (!seen.Add(name)) throw Error(line, $"Properties '{Shorten(value)}' names the column '{name}' twice");
                if (count > 64) throw Error(line, $"Properties: {count} columns for '{name}' is more than AlHpc reads (64)");
                if (name == "species") { if (type != "S" || count != 1) throw Error(line, "Properties: species must be S:1"); species = col; }
                else if (name == "pos") { if (type != "R" || count != 3) throw Error(line, "Properties: pos must be R:3"); pos = col; }
                else if (name == "forces") { if (type != "R" || count != 3) throw Error(line, "Properties: forces must be R:3"); forces = col; }
                else
                {
                    if (name.Length == 0 || name.IndexOfAny([' ', '\t', '"', '\'', '=']) >= 0) throw Error(line, $"Properties: bad column name '{Shorten(name)}'");
                    extra.Add((name, type, col, count));
                }
                names.Add($"{name}:{count}");
                col += count;
            }
            if (species < 0) throw Error(line, $"Properties '{value}' has no species column");
            if (pos < 0) throw Error(line, $"Properties '{value}' has no pos column");
            return new Columns(col, species, pos, forces, string.Join(" ", names)) { Extra = extra };
        }

        private List<(string Key, string Value)> ParseKeyValues(string s, int line)
        {
            var list = new List<(string, string)>();
            int i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                string key = ReadToken(s, ref i, line, isKey: true);
                while (i < s.Length && s[i] == ' ') i++;
                if (i < s.Length && s[i] == '=')
                {
                    i++;
                    while (i < s.Length && s[i] == ' ') i++;
                    string val = i < s.Length ? ReadToken(s, ref i, line, isKey: false) : "";
                    list.Add((key, val));
                }
                else list.Add((key, "T")); // bare key: a flag, as ASE reads it
            }
            return list;
        }

        private string ReadToken(string s, ref int i, int line, bool isKey)
        {
            char q = s[i];
            if (q is '"' or '\'' or '{' or '[')
            {
                char close = q switch { '{' => '}', '[' => ']', _ => q };
                int end = s.IndexOf(close, i + 1);
                if (end < 0) throw Error(line, $"unterminated {q} in the comment line");
                string t = s.Substring(i + 1, end - i - 1);
                i = end + 1;
                return q is '[' or '{' ? t.Replace(',', ' ').Trim() : t;
            }
            int start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i]) && !(isKey && s[i] == '=')) i++;
            return s.Substring(start, i - start);
        }
    }

    private static bool IsFalse(string t) => t is "F" or "f" or "False" or "false" or "FALSE" or "0";

    private sealed record Columns(int Total, int Species, int Pos, int Forces, string Describe)
    {
        /// <summary>Other per-atom columns: name, type, first column, width.</summary>
        public List<(string Name, string Type, int Start, int Width)> Extra { get; init; } = new();
    }

    private static readonly Columns DefaultColumns = new(4, 0, 1, -1, "species x y z");

    /// <summary>Splits on whitespace; returns the number of fields (capped at ranges.Length).</summary>
    internal static int SplitWhitespace(ReadOnlySpan<char> s, Span<Range> ranges)
    {
        int m = 0, i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length) break;
            int start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
            if (m == ranges.Length) return m;
            ranges[m++] = new Range(start, i);
        }
        return m;
    }

    internal static string Shorten(string s) => s.Length > 40 ? s[..40] + "..." : s;

    // ------------------------------------------------------------------ writing

    /// <summary>Writes all clusters to <paramref name="path"/> atomically (never half-written).</summary>
    public static void Write(string path, IEnumerable<Cluster> clusters) =>
        AtomicFile.WriteText(path, w => { foreach (var c in clusters) WriteFrame(w, c); });

    /// <summary>Writes one frame of a cluster (the element symbol of every atom).</summary>
    public static void WriteFrame(TextWriter w, Cluster c) =>
        WriteFrame(w, c.Positions, c.Energy, c.Forces, c.Info, c.Elements, c.Types, c.AtomColumns);

    /// <summary>
    /// Writes one frame of a single-element structure: positions (A), optional energy (eV), optional forces (eV/A,
    /// empty: none), optional extra key=value pairs, the element symbol of every atom.
    /// </summary>
    public static void WriteFrame(TextWriter w, ReadOnlySpan<double> positions, double? energy, ReadOnlySpan<double> forces,
        IReadOnlyList<KeyValuePair<string, string>>? info = null, string species = "O", IReadOnlyList<AtomColumn>? atomColumns = null) =>
        WriteFrame(w, positions, energy, forces, info, [species], default, atomColumns);

    /// <summary>
    /// Writes one frame with per-atom species: <paramref name="elements"/> is the species table (index = type) and
    /// <paramref name="types"/> the type of every atom (empty: all type 0).
    /// </summary>
    public static void WriteFrame(TextWriter w, ReadOnlySpan<double> positions, double? energy, ReadOnlySpan<double> forces,
        IReadOnlyList<KeyValuePair<string, string>>? info, IReadOnlyList<string> elements, ReadOnlySpan<int> types,
        IReadOnlyList<AtomColumn>? atomColumns = null)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3");
        if (elements.Count == 0) throw new ArgumentException("the species table needs at least one element", nameof(elements));
        if (!types.IsEmpty) SpeciesTable.CheckTypes(types, positions.Length / 3, elements);
        if (atomColumns != null)
            foreach (var col in atomColumns)
                if (col.Values.Length != positions.Length / 3 * col.Width) atomColumns = null; // no longer matches the atoms: dropped
        bool hasF = !forces.IsEmpty;
        if (hasF && forces.Length != positions.Length) throw new ArgumentException("forces length must equal positions length");
        int n = positions.Length / 3;
        w.Write(n.ToString(Inv));
        w.Write('\n');
        w.Write(hasF ? "Properties=species:S:1:pos:R:3:forces:R:3" : "Properties=species:S:1:pos:R:3");
        if (atomColumns != null)
            foreach (var col in atomColumns) { w.Write(':'); w.Write(col.Name); w.Write(':'); w.Write(col.Type); w.Write(':'); w.Write(col.Width.ToString(Inv)); }
        Span<char> buf = stackalloc char[40];
        if (energy is { } e)
        {
            w.Write(" energy=");
            WriteDouble(w, e, buf);
        }
        w.Write(" pbc=\"F F F\"");
        if (info != null)
            foreach (var kv in info)
            {
                if (kv.Key.Equals("energy", StringComparison.OrdinalIgnoreCase) || kv.Key.Equals("pbc", StringComparison.OrdinalIgnoreCase)
                    || kv.Key.Equals("Properties", StringComparison.OrdinalIgnoreCase)) continue;
                w.Write(' ');
                w.Write(QuoteIfNeeded(kv.Key));
                w.Write('=');
                w.Write(QuoteIfNeeded(kv.Value));
            }
        w.Write('\n');
        for (int a = 0; a < n; a++)
        {
            w.Write(elements[types.IsEmpty ? 0 : types[a]]);
            for (int d = 0; d < 3; d++) { w.Write(' '); WriteDouble(w, positions[3 * a + d], buf); }
            if (hasF)
                for (int d = 0; d < 3; d++) { w.Write(' '); WriteDouble(w, forces[3 * a + d], buf); }
            if (atomColumns != null)
                foreach (var col in atomColumns)
                    for (int k = 0; k < col.Width; k++) { w.Write(' '); w.Write(col.Values[a * col.Width + k]); }
            w.Write('\n');
        }
    }

    internal static void WriteDouble(TextWriter w, double v, Span<char> buf) => FiniteOutput.Write(w, v, buf, "a coordinate, energy or force");

    private static string QuoteIfNeeded(string s)
    {
        if (s.Length > 0 && s.IndexOfAny([' ', '\t', '=', '"', '\'']) < 0) return s;
        return "\"" + s.Replace('"', '\'') + "\"";
    }
}

/// <summary>
/// Streams frames (a trajectory) into an extxyz file that appears only when complete: frames go to a
/// temporary file in the target folder, which <see cref="Complete"/> renames onto the target. Disposing
/// without <see cref="Complete"/> (an exception, a cancelled run) deletes the temporary file, so no
/// half-written output remains. Not thread safe.
/// </summary>
public sealed class ExtXyzWriter : IDisposable
{
    private readonly string _tmp;
    private FileStream? _stream;
    private StreamWriter? _writer;
    private bool _completed;

    public ExtXyzWriter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(dir);
        _tmp = AtomicFile.TempPath(Path);
        _stream = new FileStream(_tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _writer = new StreamWriter(_stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
    }

    /// <summary>The final path (absolute).</summary>
    public string Path { get; }

    /// <summary>Frames written so far.</summary>
    public long FrameCount { get; private set; }

    /// <summary>Appends one frame of a cluster (positions, energy, forces, info and the element of every atom).</summary>
    public void Write(Cluster c) => Write(c.Positions, c.Energy, c.Forces, c.Info, c.Elements, c.Types);

    /// <summary>Appends one frame of a single-element structure (positions A, energy eV, forces eV/A or empty, extra key=value pairs).</summary>
    public void Write(ReadOnlySpan<double> positions, double? energy = null, ReadOnlySpan<double> forces = default,
        IReadOnlyList<KeyValuePair<string, string>>? info = null, string species = "O") =>
        Write(positions, energy, forces, info, [species], default);

    /// <summary>Appends one frame with per-atom species (table <paramref name="elements"/>, <paramref name="types"/> per atom; empty: all type 0).</summary>
    public void Write(ReadOnlySpan<double> positions, double? energy, ReadOnlySpan<double> forces,
        IReadOnlyList<KeyValuePair<string, string>>? info, IReadOnlyList<string> elements, ReadOnlySpan<int> types)
    {
        var w = _writer ?? throw new ObjectDisposedException(nameof(ExtXyzWriter), "the writer was completed or disposed");
        ExtXyz.WriteFrame(w, positions, energy, forces, info, elements, types);
        FrameCount++;
    }

    /// <summary>Pushes buffered frames to the temporary file (the target still appears only on Complete).</summary>
    public void Flush() => _writer?.Flush();

    /// <summary>Finishes the file: flushes, syncs and renames the temporary file onto <see cref="Path"/>.</summary>
    public void Complete()
    {
        if (_completed) return;
        var w = _writer ?? throw new ObjectDisposedException(nameof(ExtXyzWriter));
        w.Flush();
        _stream!.Flush(true);
        w.Dispose();
        _writer = null; _stream = null;
        File.Move(_tmp, Path, overwrite: true);
        _completed = true;
    }

    /// <summary>Without a prior <see cref="Complete"/>: discards the temporary file (nothing is written to Path).</summary>
    public void Dispose()
    {
        if (_completed) return;
        try { _writer?.Dispose(); } catch { /* disk full etc.: we delete anyway */ }
        _writer = null; _stream = null;
        try { File.Delete(_tmp); } catch { /* best effort */ }
        _completed = true;
    }
}
