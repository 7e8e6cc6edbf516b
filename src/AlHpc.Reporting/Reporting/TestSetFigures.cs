using AlHpc.Structures;
using AlHpc.TestSets;

namespace AlHpc.Reporting;

/// <summary>Figures of a test set's contents (used for docs/testsets.md and `alhpc testset-info --figures`).</summary>
public static class TestSetFigures
{
    public const string SizeHistogramFile = "size-histogram.png";
    public const string EnergyHistogramFile = "energy-histogram.png";
    public const string EnergyVsSizeFile = "energy-vs-size.png";
    public const string ForceHistogramFile = "force-histogram.png";

    /// <summary>Histograms of sizes, energy per molecule (by sampler when known), E/N against size and force components.</summary>
    public static IReadOnlyList<string> Write(string dir, ClusterBatch b, double[]? nested = null, string title = "test set")
    {
        Directory.CreateDirectory(dir);
        int n = b.ClusterCount;
        var sizes = Enumerable.Range(0, n).Select(c => (double)b.SizeOf(c)).ToArray();
        var epm = TestSetSummary.EnergyPerMolecule(b);
        var files = new List<string>();
        int minS = (int)sizes.Min(), maxS = (int)sizes.Max();
        var p = Path.Combine(dir, SizeHistogramFile);
        Plots.Histogram(p, $"{title}: cluster sizes", "cluster size (molecules)", [("clusters", sizes)], bins: Math.Min(200, maxS - minS + 1), min: minS - 0.5, max: maxS + 0.5, yLabel: "clusters");
        files.Add(p);

        var groups = new List<(string, double[])>();
        if (nested != null)
        {
            groups.Add(("Metropolis", Enumerable.Range(0, n).Where(c => nested[c] == 0).Select(c => epm[c]).ToArray()));
            groups.Add(("nested sampling", Enumerable.Range(0, n).Where(c => nested[c] != 0).Select(c => epm[c]).ToArray()));
        }
        else groups.Add(("clusters", epm));
        p = Path.Combine(dir, EnergyHistogramFile);
        Plots.Histogram(p, $"{title}: energy per molecule", "reference energy per molecule (eV/molecule)", groups, bins: 60, yLabel: "clusters");
        files.Add(p);

        var series = new List<PointSeries>();
        if (nested != null)
        {
            var m = Enumerable.Range(0, n).Where(c => nested[c] == 0).ToArray();
            var ne = Enumerable.Range(0, n).Where(c => nested[c] != 0).ToArray();
            series.Add(new PointSeries("Metropolis", m.Select(c => sizes[c]).ToArray(), m.Select(c => epm[c]).ToArray()));
            series.Add(new PointSeries("nested sampling", ne.Select(c => sizes[c]).ToArray(), ne.Select(c => epm[c]).ToArray()));
        }
        else series.Add(new PointSeries("clusters", sizes, epm));
        p = Path.Combine(dir, EnergyVsSizeFile);
        Plots.Scatter(p, new ParityPanel($"{title}: energy per molecule against size", "cluster size (molecules)", "reference energy per molecule (eV/molecule)", series));
        files.Add(p);

        if (b.Forces != null)
        {
            p = Path.Combine(dir, ForceHistogramFile);
            Plots.Histogram(p, $"{title}: force components", "reference force component (eV/Å)", [("Fx, Fy, Fz (sample)", TestSetSummary.SampleForces(b, 1_000_000))], bins: 80, yLabel: "components");
            files.Add(p);
        }
        return files;
    }
}
