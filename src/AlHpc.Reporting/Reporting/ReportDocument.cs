using System.Net;
using System.Text;
using AlHpc.IO;

namespace AlHpc.Reporting;

/// <summary>
/// A validation report built once and written twice: a self-contained HTML file (every figure embedded
/// as a base64 PNG data URI, no external resources) and a Markdown twin that links the same PNGs copied
/// into a folder beside it. Blocks: headings, paragraphs, tables, figures and "not run" notices (a
/// missing piece is always listed, never silently left out).
/// </summary>
public sealed class ReportDocument(string title)
{
    private abstract record Block;
    private sealed record Heading(string Text, int Level) : Block;
    private sealed record Paragraph(string Text) : Block;
    private sealed record Table(string[] Header, List<string[]> Rows) : Block;
    private sealed record Figure(string Caption, byte[] Png, string FileName) : Block;
    private sealed record Missing(string What, string How) : Block;

    private readonly List<Block> _blocks = [];

    public string Title { get; } = title;

    /// <summary>Pieces listed as not run.</summary>
    public List<string> NotRun { get; } = [];

    public void AddHeading(string text, int level = 2) => _blocks.Add(new Heading(text, level));
    public void AddParagraph(string text) => _blocks.Add(new Paragraph(text));
    public void AddTable(string[] header, IEnumerable<string[]> rows) => _blocks.Add(new Table(header, rows.ToList()));

    /// <summary>Adds a PNG figure read from <paramref name="pngPath"/>; throws when it is not a PNG.</summary>
    public void AddFigure(string caption, string pngPath, string fileName)
    {
        var bytes = File.ReadAllBytes(pngPath);
        if (!IsPng(bytes)) throw new InvalidDataException($"{pngPath} is not a PNG file");
        _blocks.Add(new Figure(caption, bytes, fileName));
    }

    /// <summary>A piece that was not run, with the command that makes it.</summary>
    public void AddMissing(string what, string how)
    {
        _blocks.Add(new Missing(what, how));
        NotRun.Add(what);
    }

    public static bool IsPng(ReadOnlySpan<byte> b) =>
        b.Length > 8 && b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47 && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A;

    private static string H(string s) => WebUtility.HtmlEncode(s);

    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(H(Title)).Append("</title>\n");
        sb.Append("<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}")
          .Append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;text-align:left}")
          .Append("th{background:#eee}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}")
          .Append(".missing{background:#fff4e5;border-left:4px solid #f0a020;padding:0.5em 1em}code{background:#f4f4f4;padding:0 3px}</style>\n");
        sb.Append("</head>\n<body>\n<h1>").Append(H(Title)).Append("</h1>\n");
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case Heading h: sb.Append($"<h{h.Level}>").Append(H(h.Text)).Append($"</h{h.Level}>\n"); break;
                case Paragraph p: sb.Append("<p>").Append(H(p.Text)).Append("</p>\n"); break;
                case Table t:
                    sb.Append("<table>\n<tr>");
                    foreach (var c in t.Header) sb.Append("<th>").Append(H(c)).Append("</th>");
                    sb.Append("</tr>\n");
                    foreach (var r in t.Rows)
                    {
                        sb.Append("<tr>");
                        foreach (var c in r) sb.Append("<td>").Append(H(c)).Append("</td>");
                        sb.Append("</tr>\n");
                    }
                    sb.Append("</table>\n");
                    break;
                case Figure f:
                    sb.Append("<figure>\n<img alt=\"").Append(H(f.Caption)).Append("\" src=\"data:image/png;base64,")
                      .Append(Convert.ToBase64String(f.Png)).Append("\">\n<figcaption>").Append(H(f.Caption)).Append("</figcaption>\n</figure>\n");
                    break;
                case Missing m:
                    sb.Append("<p class=\"missing\"><strong>Not run: ").Append(H(m.What)).Append(".</strong> ").Append(H(m.How)).Append("</p>\n");
                    break;
            }
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>The Markdown twin; figures are referenced as <paramref name="figureFolder"/>/FILE.</summary>
    public string ToMarkdown(string figureFolder)
    {
        static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
        var sb = new StringBuilder();
        sb.Append("# ").Append(Title).Append("\n\n");
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case Heading h: sb.Append(new string('#', h.Level)).Append(' ').Append(h.Text).Append("\n\n"); break;
                case Paragraph p: sb.Append(p.Text).Append("\n\n"); break;
                case Table t:
                    sb.Append("| ").Append(string.Join(" | ", t.Header.Select(Cell))).Append(" |\n");
                    sb.Append('|').Append(string.Concat(t.Header.Select(_ => "---|"))).Append('\n');
                    foreach (var r in t.Rows) sb.Append("| ").Append(string.Join(" | ", r.Select(Cell))).Append(" |\n");
                    sb.Append('\n');
                    break;
                case Figure f: sb.Append("![").Append(f.Caption).Append("](").Append(figureFolder).Append('/').Append(f.FileName).Append(")\n\n*").Append(f.Caption).Append("*\n\n"); break;
                case Missing m: sb.Append("> **Not run: ").Append(m.What).Append(".** ").Append(m.How).Append("\n\n"); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Writes <paramref name="htmlPath"/>, <paramref name="markdownPath"/> and the PNGs into the folder
    /// <paramref name="figureFolder"/> (relative to the Markdown file), every file atomically.
    /// </summary>
    public void Write(string htmlPath, string markdownPath, string figureFolder = "figures")
    {
        string figDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!, figureFolder);
        Directory.CreateDirectory(figDir);
        foreach (var f in _blocks.OfType<Figure>())
            AtomicFile.Write(Path.Combine(figDir, f.FileName), s => s.Write(f.Png));
        AtomicFile.WriteText(markdownPath, w => w.Write(ToMarkdown(figureFolder)));
        AtomicFile.WriteText(htmlPath, w => w.Write(ToHtml()));
    }
}
