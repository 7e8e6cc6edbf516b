using System.Globalization;
using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>
/// TEMPORARY (adapter): minimal extended-XYZ reading and writing until AlHpc.IO.ExtXyz lands on main;
/// then every call here becomes ExtXyz.Read / ExtXyz.Write and this file goes.
/// </summary>
internal static class ExtXyz
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Write(string path, IEnumerable<Cluster> clusters) =>
        AtomicFile.WriteText(path, w =>
        {
            foreach (var c in clusters)
            {
                bool f = c.Forces != null;
                w.Write($"{c.Count}\nProperties=species:S:1:pos:R:3{(f ? ":forces:R:3" : "")}");
                if (c.Energy is { } e) w.Write(" energy=" + e.ToString("R", Inv));
                w.Write(" pbc=\"F F F\"");
                foreach (var kv in c.Info) w.Write($" {kv.Key}={kv.Value}");
                w.Write('\n');
                for (int a = 0; a < c.Count; a++)
                {
                    w.Write(c.Species);
                    for (int d = 0; d < 3; d++) w.Write(" " + c.Positions[3 * a + d].ToString("R", Inv));
                    if (f) for (int d = 0; d < 3; d++) w.Write(" " + c.Forces![3 * a + d].ToString("R", Inv));
                    w.Write('\n');
                }
            }
        });

    public static IEnumerable<Cluster> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        using var r = new StreamReader(path);
        int line = 0;
        string? s;
        while ((s = r.ReadLine()) != null)
        {
            line++;
            if (string.IsNullOrWhiteSpace(s)) continue;
            if (!int.TryParse(s.Trim(), NumberStyles.Integer, Inv, out int n) || n < 0) throw new InputFormatException(path, line, "bad atom count");
            var comment = r.ReadLine() ?? throw new InputFormatException(path, line + 1, "truncated");
            line++;
            bool hasF = comment.Contains("forces:R:3");
            var c = new Cluster(new double[3 * n]);
            if (hasF) c.Forces = new double[3 * n];
            foreach (var tok in comment.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = tok.IndexOf('=');
                if (eq <= 0) continue;
                var k = tok[..eq]; var v = tok[(eq + 1)..];
                if (k == "energy")
                {
                    if (!double.TryParse(v, NumberStyles.Float, Inv, out double e) || !double.IsFinite(e)) throw new InputFormatException(path, line, $"bad energy '{v}'");
                    c.Energy = e;
                }
                else if (k is not ("Properties" or "pbc") && !k.StartsWith('"') && !v.EndsWith('"')) c.SetInfo(k, v);
            }
            for (int a = 0; a < n; a++)
            {
                var al = r.ReadLine() ?? throw new InputFormatException(path, line + 1, "truncated");
                line++;
                var t = al.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (t.Length < (hasF ? 7 : 4)) throw new InputFormatException(path, line, "too few columns");
                for (int d = 0; d < 3; d++)
                {
                    if (!double.TryParse(t[1 + d], NumberStyles.Float, Inv, out double x) || !double.IsFinite(x)) throw new InputFormatException(path, line, "bad number");
                    c.Positions[3 * a + d] = x;
                    if (hasF)
                    {
                        if (!double.TryParse(t[4 + d], NumberStyles.Float, Inv, out double fx) || !double.IsFinite(fx)) throw new InputFormatException(path, line, "bad number");
                        c.Forces![3 * a + d] = fx;
                    }
                }
            }
            yield return c;
        }
    }
}
