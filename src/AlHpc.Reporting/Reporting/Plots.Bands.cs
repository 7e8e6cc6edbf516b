using ScottPlot;

namespace AlHpc.Reporting;

/// <summary>One curve with a symmetric error band: <see cref="Y"/> +- <see cref="Error"/> at <see cref="X"/>.</summary>
internal sealed record BandSeries(string Label, double[] X, double[] Y, double[] Error, string? ColorHex = null);

internal static partial class Plots
{
    /// <summary>
    /// Curves with shaded error bands (y +- error), e.g. the free energy of cluster formation against size
    /// (Figure 5) or radial distribution functions (Figure 6). Written atomically as PNG.
    /// </summary>
    public static void Bands(string path, string title, string xLabel, string yLabel, IReadOnlyList<BandSeries> series,
        string? note = null, int width = 900, int height = 600) =>
        Save(BandsPlot(title, xLabel, yLabel, series, note), path, width, height);

    /// <summary>
    /// Several band panels side by side in one PNG (e.g. Figure 6 for 10, 30 and 50 molecules).
    /// </summary>
    public static void BandPanels(string path, IReadOnlyList<(string Title, string XLabel, string YLabel, IReadOnlyList<BandSeries> Series, string? Note)> panels,
        int panelWidth = 600, int height = 500)
    {
        EnsureFont();
        if (panels.Count == 0) throw new ArgumentException("no panels", nameof(panels));
        var mp = new Multiplot();
        var preexisting = mp.GetPlots().ToList();
        foreach (var p in panels) mp.AddPlot(BandsPlot(p.Title, p.XLabel, p.YLabel, p.Series, p.Note));
        foreach (var old in preexisting) mp.RemovePlot(old);
        mp.Layout = new ScottPlot.MultiplotLayouts.Columns();
        IO.AtomicFile.WriteViaPath(path, tmp => mp.SavePng(tmp, panelWidth * panels.Count, height));
    }

    private static Plot BandsPlot(string title, string xLabel, string yLabel, IReadOnlyList<BandSeries> series, string? note)
    {
        var plt = NewPlot(title, xLabel, yLabel);
        int colour = 0;
        foreach (var s in series)
        {
            if (s.X.Length != s.Y.Length || s.X.Length != s.Error.Length) throw new ArgumentException($"series '{s.Label}': x, y and error lengths differ");
            var col = Color.FromHex(s.ColorHex ?? Palette[colour++ % Palette.Length]);
            var lo = new double[s.X.Length];
            var hi = new double[s.X.Length];
            for (int i = 0; i < s.X.Length; i++) { lo[i] = s.Y[i] - s.Error[i]; hi[i] = s.Y[i] + s.Error[i]; }
            if (s.X.Length > 1)
            {
                var fill = plt.Add.FillY(s.X, lo, hi);
                fill.FillColor = col.WithAlpha(0.3);
                fill.LineWidth = 0;
            }
            var sc = plt.Add.Scatter(s.X, s.Y);
            sc.LegendText = s.Label;
            sc.Color = col;
            sc.LineWidth = 2;
            sc.MarkerSize = s.X.Length <= 60 ? 4 : 0;
        }
        if (note != null)
        {
            var a = plt.Add.Annotation(note, Alignment.LowerRight);
            a.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
        }
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
