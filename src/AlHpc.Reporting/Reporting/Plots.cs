using System.Globalization;
using AlHpc.IO;
using ScottPlot;
using SkiaSharp;

namespace AlHpc.Reporting;

/// <summary>
/// Points of one parity-plot series: reference values <see cref="X"/> against predictions <see cref="Y"/>.
/// <see cref="Represented"/>: when the caller already subsampled, the number of points these stand for
/// (shown in the legend and the "showing n of N" note); null = X.Length.
/// </summary>
internal sealed record PointSeries(string Label, double[] X, double[] Y, string? ColorHex = null, long? Represented = null);

/// <summary>One curve: <see cref="X"/>, <see cref="Y"/> (NaN values leave gaps).</summary>
internal sealed record LineSeries(string Label, double[] X, double[] Y, bool Markers = true, string? ColorHex = null);

/// <summary>One panel of a parity figure.</summary>
/// <remarks><see cref="ClipToBulk"/>: the axes span the bulk of the points (see <see cref="Plots.BulkRange"/>); points
/// outside are drawn on the edge as red triangles and counted in the legend, so a few far outliers cannot squeeze
/// the rest into a smear.</remarks>
internal sealed record ParityPanel(string Title, string XLabel, string YLabel, IReadOnlyList<PointSeries> Series, string? Note = null, bool ClipToBulk = false);

/// <summary>
/// Headless PNG figures (ScottPlot 5, SkiaSharp 3): parity plots, multi-panel parity figures and line
/// charts with an optional second y axis. Every call checks once that text can be drawn (a font was
/// found; without fonts SkiaSharp silently draws no text) and fails loudly otherwise. Files are
/// written atomically. Large point clouds are randomly subsampled (seeded, so figures are
/// reproducible) to <see cref="DefaultMaxPoints"/> and the plot says so.
/// </summary>
internal static partial class Plots
{
    public const int DefaultMaxPoints = 50_000;
    public const string PreferredFont = "DejaVu Sans";

    private static readonly object Gate = new();
    private static string? _font;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    /// <summary>
    /// Finds a usable font (DejaVu Sans preferred), makes it ScottPlot's default and checks that a test
    /// string really renders pixels. Throws <see cref="InvalidOperationException"/> (with the fix) if not.
    /// Returns the font family used.
    /// </summary>
    public static string EnsureFont()
    {
        lock (Gate)
        {
            if (_font != null) return _font;
            var mgr = SKFontManager.Default;
            string? family = null;
            using (var tf = mgr.MatchFamily(PreferredFont))
                if (tf != null && string.Equals(tf.FamilyName, PreferredFont, StringComparison.OrdinalIgnoreCase)) family = PreferredFont;
            if (family == null)
            {
                foreach (var f in mgr.GetFontFamilies())
                {
                    using var tf = mgr.MatchFamily(f);
                    if (tf != null && InkedPixels(tf) > 0) { family = f; break; }
                }
            }
            if (family == null)
                throw new InvalidOperationException("no usable font found: plots would have no text. Install one (Debian: apt-get install fonts-dejavu-core, or run scripts/setup.sh).");
            using (var tf = mgr.MatchFamily(family))
                if (tf == null || InkedPixels(tf) == 0)
                    throw new InvalidOperationException($"font '{family}' draws no text: plots would have no labels. Install fonts-dejavu-core (scripts/setup.sh).");
            Fonts.Default = family;
            _font = family;
            return family;
        }
    }

    private static int InkedPixels(SKTypeface tf)
    {
        using var bmp = new SKBitmap(64, 32);
        using (var canvas = new SKCanvas(bmp))
        using (var font = new SKFont(tf, 20))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = false })
        {
            canvas.Clear(SKColors.White);
            canvas.DrawText("Ag", 4, 24, font, paint);
        }
        int inked = 0;
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width; x++)
                if (bmp.GetPixel(x, y).Red < 128) inked++;
        return inked;
    }

    /// <summary>Single-panel parity plot (prediction against reference) with the y = x line.</summary>
    public static void Parity(string path, ParityPanel panel, int maxPoints = DefaultMaxPoints, int width = 800, int height = 720)
    {
        EnsureFont();
        var plt = new Plot();
        FillParity(plt, panel, maxPoints);
        Save(plt, path, width, height);
    }

    /// <summary>Parity panels side by side in one PNG (the paper's Figure 3 a-c / Figure 4 layout).</summary>
    public static void ParityPanels(string path, IReadOnlyList<ParityPanel> panels, int maxPoints = DefaultMaxPoints, int panelWidth = 600, int height = 600)
    {
        EnsureFont();
        if (panels.Count == 0) throw new ArgumentException("no panels", nameof(panels));
        var mp = new Multiplot();
        var preexisting = mp.GetPlots().ToList(); // a new Multiplot starts with one empty plot
        foreach (var p in panels)
        {
            var plt = new Plot();
            FillParity(plt, p, maxPoints);
            mp.AddPlot(plt);
        }
        foreach (var old in preexisting) mp.RemovePlot(old);
        mp.Layout = new ScottPlot.MultiplotLayouts.Columns();
        AtomicFile.WriteViaPath(path, tmp => mp.SavePng(tmp, panelWidth * panels.Count, height));
    }

    /// <summary>
    /// Line chart: <paramref name="left"/> series on the left axis and optional <paramref name="right"/>
    /// series on a second (right) axis, e.g. test MAE and pool size against active-learning iteration.
    /// Log axes plot log10 of the values with decade ticks (non-positive values are dropped).
    /// </summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> left,
        string? y2Label = null, IReadOnlyList<LineSeries>? right = null, bool logY = false, bool logY2 = false,
        string? note = null, int width = 900, int height = 600)
    {
        var plt = NewPlot(title, xLabel, yLabel);
        int colour = 0;
        foreach (var s in left) AddLine(plt, s, logY, plt.Axes.Left, ref colour);
        if (right is { Count: > 0 })
        {
            plt.Axes.Right.Label.Text = y2Label ?? "";
            foreach (var s in right) AddLine(plt, s, logY2, plt.Axes.Right, ref colour);
            if (logY2) plt.Axes.Right.TickGenerator = LogTicks();
        }
        if (logY) plt.Axes.Left.TickGenerator = LogTicks();
        if (note != null) plt.Add.Annotation(note, Alignment.LowerLeft);
        LegendOffTheData(plt);
        Save(plt, path, width, height);
    }

    private static void AddLine(Plot plt, LineSeries s, bool log, IYAxis axis, ref int colour)
    {
        if (s.X.Length != s.Y.Length) throw new ArgumentException($"series '{s.Label}': {s.X.Length} x values, {s.Y.Length} y values");
        var xs = new List<double>(s.X.Length);
        var ys = new List<double>(s.Y.Length);
        for (int i = 0; i < s.X.Length; i++)
        {
            double y = s.Y[i];
            if (double.IsNaN(y) || double.IsNaN(s.X[i]) || (log && y <= 0)) continue;
            xs.Add(s.X[i]);
            ys.Add(log ? Math.Log10(y) : y);
        }
        var sc = plt.Add.Scatter(xs.ToArray(), ys.ToArray());
        sc.LegendText = s.Label;
        sc.Color = Color.FromHex(s.ColorHex ?? Palette[colour++ % Palette.Length]);
        sc.LineWidth = 2;
        sc.MarkerSize = s.Markers ? 5 : 0;
        sc.Axes.YAxis = axis;
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v).ToString("G4", CultureInfo.InvariantCulture),
    };

    /// <summary>Scatter plot of point series (no y = x line, independent axis ranges), subsampled like parity plots.</summary>
    public static void Scatter(string path, ParityPanel panel, int maxPoints = DefaultMaxPoints, int width = 900, int height = 600)
    {
        EnsureFont();
        var plt = new Plot();
        FillParity(plt, panel, maxPoints, diagonal: false);
        Save(plt, path, width, height);
    }

    /// <summary>
    /// Histogram of <paramref name="values"/> in <paramref name="bins"/> equal bins over [min, max] of the data
    /// (or the given range); one or more series drawn as outlined bars side by side in each bin.
    /// </summary>
    public static void Histogram(string path, string title, string xLabel, IReadOnlyList<(string Label, double[] Values)> series,
        int bins = 50, double? min = null, double? max = null, string yLabel = "count", int width = 900, int height = 600)
    {
        EnsureFont();
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins));
        double lo = min ?? series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(0).Min();
        double hi = max ?? series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        if (!(hi > lo)) hi = lo + 1;
        double w = (hi - lo) / bins;
        var plt = new Plot();
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        int colour = 0;
        double sub = w / Math.Max(1, series.Count);
        for (int si = 0; si < series.Count; si++)
        {
            var counts = new double[bins];
            foreach (var v in series[si].Values)
            {
                if (!double.IsFinite(v) || v < lo || v > hi) continue;
                counts[Math.Min(bins - 1, (int)((v - lo) / w))]++;
            }
            var pos = Enumerable.Range(0, bins).Select(b => lo + b * w + (si + 0.5) * sub).ToArray();
            var bars = plt.Add.Bars(pos, counts);
            var col = Color.FromHex(Palette[colour++ % Palette.Length]);
            foreach (var b in bars.Bars) { b.Size = sub; b.FillColor = col.WithAlpha(0.75); b.LineWidth = 0; }
            bars.LegendText = $"{series[si].Label} (n = {series[si].Values.Length:N0})";
        }
        plt.Axes.Margins(bottom: 0);
        LegendOffTheData(plt);
        Save(plt, path, width, height);
    }

    private static void FillParity(Plot plt, ParityPanel panel, int maxPoints, bool diagonal = true)
    {
        plt.Title(panel.Title);
        plt.XLabel(panel.XLabel);
        plt.YLabel(panel.YLabel);
        (double Lo, double Hi)? view = panel.ClipToBulk
            ? BulkRange(panel.Series.SelectMany(s => s.X.Concat(s.Y)).ToArray())
            : null;
        var outX = new List<double>(); var outY = new List<double>();
        long total = panel.Series.Sum(s => s.Represented ?? s.X.Length);
        long given = panel.Series.Sum(s => (long)s.X.Length);
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        long shown = 0;
        int colour = 0;
        for (int si = 0; si < panel.Series.Count; si++)
        {
            var s = panel.Series[si];
            if (s.X.Length != s.Y.Length) throw new ArgumentException($"series '{s.Label}': {s.X.Length} x values, {s.Y.Length} y values");
            int want = given <= maxPoints ? s.X.Length : (int)Math.Max(1, Math.Round((double)maxPoints * s.X.Length / given));
            var (xs, ys) = Subsample(s.X, s.Y, want, seed: 1234567 + si);
            if (view is var (vlo, vhi))
            {
                bool In(double x, double y) => x >= vlo && x <= vhi && y >= vlo && y <= vhi;
                // every outlier of the full series is drawn (on the edge), the subsample only inside the view
                for (int i = 0; i < s.X.Length; i++)
                    if (!In(s.X[i], s.Y[i])) { outX.Add(Math.Clamp(s.X[i], vlo, vhi)); outY.Add(Math.Clamp(s.Y[i], vlo, vhi)); shown++; }
                var keepX = new List<double>(); var keepY = new List<double>();
                for (int i = 0; i < xs.Length; i++)
                    if (In(xs[i], ys[i])) { keepX.Add(xs[i]); keepY.Add(ys[i]); }
                xs = keepX.ToArray(); ys = keepY.ToArray();
            }
            shown += xs.Length;
            foreach (var v in xs) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            foreach (var v in ys) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            var sp = plt.Add.ScatterPoints(xs, ys);
            sp.LegendText = $"{s.Label} (n = {s.Represented ?? s.X.Length:N0})";
            sp.Color = Color.FromHex(s.ColorHex ?? Palette[colour++ % Palette.Length]).WithAlpha(xs.Length > 2000 ? 0.35 : 0.8);
            sp.MarkerSize = xs.Length > 2000 ? 3 : 5;
        }
        if (view is var (clo, chi)) { lo = clo; hi = chi; }
        if (outX.Count > 0)
        {
            var o = plt.Add.ScatterPoints(outX.ToArray(), outY.ToArray());
            o.LegendText = $"{outX.Count:N0} outside the view (drawn on its edge)";
            o.Color = Colors.Red;
            o.MarkerShape = MarkerShape.FilledTriangleUp;
            o.MarkerSize = 8;
        }
        if (!double.IsFinite(lo)) { lo = 0; hi = 1; }
        if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
        double pad = 0.04 * (hi - lo);
        if (diagonal)
        {
            var diag = plt.Add.Line(lo - pad, lo - pad, hi + pad, hi + pad);
            diag.Color = Colors.Black.WithAlpha(0.6);
            diag.LinePattern = LinePattern.Dashed;
            diag.LegendText = "y = x";
            plt.Axes.SetLimits(lo - pad, hi + pad, lo - pad, hi + pad);
        }
        var notes = new List<string>();
        if (panel.Note != null) notes.Add(panel.Note);
        if (shown < total) notes.Add($"showing {shown:N0} of {total:N0} points (random subsample)");
        if (notes.Count > 0)
        {
            var a = plt.Add.Annotation(string.Join("\n", notes), Alignment.LowerRight);
            a.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
            a.LabelBorderColor = Colors.Gray;
            a.LabelShadowColor = Colors.Transparent;
        }
        LegendOffTheData(plt);
    }

    /// <summary>A reproducible random subset of <paramref name="want"/> points (all when fewer), order kept.</summary>
    internal static (double[] X, double[] Y) Subsample(double[] x, double[] y, int want, int seed)
    {
        int n = x.Length;
        if (want >= n) return (x, y);
        // Selection sampling (Knuth's algorithm S): each index kept with the right conditional probability.
        var rng = new Random(seed);
        var xs = new double[want];
        var ys = new double[want];
        int m = 0;
        for (int i = 0; i < n && m < want; i++)
        {
            if ((n - i) * rng.NextDouble() < want - m) { xs[m] = x[i]; ys[m] = y[i]; m++; }
        }
        return (xs, ys);
    }

    /// <summary>Every legend goes below the data area, never over the points or curves.</summary>
    public static void LegendOffTheData(Plot plt) => plt.ShowLegend(Edge.Bottom);

    /// <summary>
    /// The range that holds the bulk of <paramref name="values"/>: the quartiles widened by three interquartile
    /// ranges on each side (Tukey's far-out fences; for normal data +-4.7 sigma), never beyond the data. Values
    /// outside it are outliers of a clipped view: a few percent of collapsed clusters far from the rest cannot
    /// stretch the axes.
    /// </summary>
    public static (double Lo, double Hi) BulkRange(IReadOnlyCollection<double> values)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (v.Length == 0) return (0, 1);
        double Q(double q) => v[(int)Math.Round(q * (v.Length - 1))];
        double q25 = Q(0.25), q75 = Q(0.75), iqr = Math.Max(q75 - q25, 1e-9 * Math.Max(1, Math.Abs(q25)));
        return (Math.Max(v[0], q25 - 3 * iqr), Math.Min(v[^1], q75 + 3 * iqr));
    }

    /// <summary>Panels stacked vertically in one PNG (e.g. energy and force error against size, then counts).</summary>
    public static void Stacked(string path, IReadOnlyList<Plot> panels, int width, int panelHeight)
    {
        EnsureFont();
        var mp = new Multiplot();
        var preexisting = mp.GetPlots().ToList();
        foreach (var p in panels) mp.AddPlot(p);
        foreach (var old in preexisting) mp.RemovePlot(old);
        mp.Layout = new ScottPlot.MultiplotLayouts.Rows();
        AtomicFile.WriteViaPath(path, tmp => mp.SavePng(tmp, width, panelHeight * panels.Count));
    }

    /// <summary>A plot with the font checked, a title and both axis labels: how every figure starts.</summary>
    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        EnsureFont();
        var plt = new Plot();
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        return plt;
    }

    /// <summary>A line panel for <see cref="Stacked"/>.</summary>
    public static Plot LinePanel(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series)
    {
        var plt = NewPlot(title, xLabel, yLabel);
        int colour = 0;
        foreach (var s in series) AddLine(plt, s, false, plt.Axes.Left, ref colour);
        LegendOffTheData(plt);
        return plt;
    }

    /// <summary>A bar panel (e.g. clusters per size) for <see cref="Stacked"/>.</summary>
    public static Plot BarPanel(string title, string xLabel, string yLabel, double[] x, double[] counts)
    {
        var plt = NewPlot(title, xLabel, yLabel);
        var bars = plt.Add.Bars(x, counts);
        var col = Color.FromHex(Palette[2 % Palette.Length]);
        foreach (var b in bars.Bars) { b.FillColor = col.WithAlpha(0.8); b.LineWidth = 0; b.Size = 0.8; }
        plt.Axes.Margins(bottom: 0);
        return plt;
    }

    private static void Save(Plot plt, string path, int width, int height) =>
        AtomicFile.WriteViaPath(path, tmp => plt.SavePng(tmp, width, height));
}
