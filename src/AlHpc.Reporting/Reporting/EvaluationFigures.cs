using AlHpc.Evaluation;
using AlHpc.Structures;

namespace AlHpc.Reporting;

/// <summary>
/// The paper's test-set figures from one evaluation: energy parity per size range (Figure 3 a-c),
/// MAE against cluster size (Figure 3 d) and force parity per size range (Figure 4).
/// </summary>
public sealed class EvaluationFigures(int maxPoints = Plots.DefaultMaxPoints) : IEvaluationFigures
{
    /// <summary>Points per parity panel beyond which a seeded random subsample is drawn.</summary>
    public int MaxPoints { get; } = maxPoints;

    IReadOnlyList<string> IEvaluationFigures.Write(string dir, ClusterBatch reference, BatchPrediction prediction, EvaluationMetrics metrics, string modelName, string referenceName) =>
        Write(dir, reference, prediction, metrics, modelName, referenceName, MaxPoints);

    public const string EnergyParityFile = "energy-parity.png";
    public const string MaeBySizeFile = "mae-vs-size.png";
    public const string ForceParityFile = "force-parity.png";

    /// <summary>Size of the MAE-against-size figure: one panel of this height per quantity, plus the counts.</summary>
    public const int MaeBySizeWidth = 900, MaeBySizePanelHeight = 380;

    /// <summary>Writes the figures into <paramref name="dir"/>; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(string dir, ClusterBatch reference, BatchPrediction prediction, EvaluationMetrics metrics,
        string modelName, string referenceName = "reference", int maxPoints = Plots.DefaultMaxPoints)
    {
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        var ranges = metrics.Ranges;
        int n = reference.ClusterCount;

        // Energy parity: energy per molecule (eV/molecule), one panel per size range.
        var ePanels = new List<ParityPanel>();
        foreach (var r in ranges)
        {
            var xs = new List<double>(); var ys = new List<double>();
            for (int c = 0; c < n; c++)
            {
                int size = reference.SizeOf(c);
                if (!r.Contains(size) || size == 0) continue;
                xs.Add(reference.Energies[c] / size);
                ys.Add(prediction.Energies[c] / size);
            }
            ePanels.Add(new ParityPanel($"Energy, {r.Label} molecules", $"{referenceName} energy (eV/molecule)", $"{modelName} energy (eV/molecule)",
                [new PointSeries("clusters", xs.ToArray(), ys.ToArray())],
                $"MAE {r.Energy.Mae:0.00} meV/molecule, RMSE {r.Energy.Rmse:0.00}"));
        }
        var ePath = Path.Combine(dir, EnergyParityFile);
        Plots.ParityPanels(ePath, ePanels, maxPoints);
        written.Add(ePath);

        // MAE against cluster size: energy and force in panels of their own (no twin axes), then the clusters
        // behind each point, so a noisy size with few clusters is seen as such.
        var sizes = metrics.BySize.Select(g => (double)g.MinSize).ToArray();
        var eMae = metrics.BySize.Select(g => g.Energy.Mae).ToArray();
        var counts = metrics.BySize.Select(g => (double)g.Clusters).ToArray();
        var mPath = Path.Combine(dir, MaeBySizeFile);
        var panels = new List<ScottPlot.Plot>
        {
            Plots.LinePanel($"{modelName}: energy error against cluster size", "cluster size (molecules)", "energy MAE (meV/molecule)",
                [new LineSeries("energy MAE", sizes, eMae)]),
        };
        if (metrics.HasForces)
            panels.Add(Plots.LinePanel("force error against cluster size", "cluster size (molecules)", "force MAE (meV/Å)",
                [new LineSeries("force MAE", sizes, metrics.BySize.Select(g => g.Force.Mae).ToArray(), ColorHex: "#d62728")]));
        panels.Add(Plots.BarPanel($"clusters per size ({counts.DefaultIfEmpty(0).Min():N0}-{counts.DefaultIfEmpty(0).Max():N0})", "cluster size (molecules)", "clusters", sizes, counts));
        Plots.Stacked(mPath, panels, MaeBySizeWidth, MaeBySizePanelHeight);
        written.Add(mPath);

        // Force parity: every Cartesian component (eV/A), one panel per size range.
        if (metrics.HasForces && prediction.Forces is { } pf && reference.Forces is { } rf)
        {
            var fPanels = new List<ParityPanel>();
            foreach (var r in ranges)
            {
                long count = 0;
                for (int c = 0; c < n; c++) if (r.Contains(reference.SizeOf(c))) count += 3L * reference.SizeOf(c);
                // Select at most maxPoints components while streaming (Knuth's selection sampling, seeded):
                // no copy of all 3N components of a 100k-cluster set.
                int want = (int)Math.Min(count, maxPoints);
                var xs = new double[want]; var ys = new double[want];
                var rng = new Random(987654 + (int)Math.Min(r.MinSize, 100000));
                long seen = 0; int m = 0;
                for (int c = 0; c < n && m < want; c++)
                {
                    if (!r.Contains(reference.SizeOf(c))) continue;
                    for (int k = 3 * reference.Offsets[c]; k < 3 * reference.Offsets[c + 1] && m < want; k++, seen++)
                        if (want == count || (count - seen) * rng.NextDouble() < want - m) { xs[m] = rf[k]; ys[m] = pf[k]; m++; }
                }
                fPanels.Add(new ParityPanel($"Forces, {r.Label} molecules", $"{referenceName} force component (eV/Å)", $"{modelName} force component (eV/Å)",
                    [new PointSeries("Fx, Fy, Fz", xs, ys, Represented: count)], $"MAE {r.Force.Mae:0.0} meV/Å, RMSE {r.Force.Rmse:0.0}"));
            }
            var fPath = Path.Combine(dir, ForceParityFile);
            Plots.ParityPanels(fPath, fPanels, maxPoints);
            written.Add(fPath);
        }
        return written;
    }
}
