using System.Globalization;
using System.Text;
using AlHpc.Structures;

namespace AlHpc.TestSets;

/// <summary>
/// What a test set contains: sizes, energies per molecule, force magnitudes, and (for generated sets) how
/// each cluster was sampled, as text (the figures: AlHpc.Reporting.TestSetFigures; used for docs/testsets.md).
/// </summary>
public static class TestSetSummary
{

    /// <summary>A plain-text summary. <paramref name="nested"/>/<paramref name="temperatureK"/>: optional provenance columns.</summary>
    public static string Describe(ClusterBatch b, TestSetMetadata? meta = null, double[]? nested = null, double[]? temperatureK = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        int n = b.ClusterCount;
        var sizes = Enumerable.Range(0, n).Select(b.SizeOf).ToArray();
        var epm = EnergyPerMolecule(b);
        sb.AppendLine(string.Create(inv, $"clusters: {n:N0}, molecules: {b.AtomCount:N0}, sizes {sizes.Min()}-{sizes.Max()} (mean {sizes.Average():0.0}), forces: {(b.Forces != null ? "yes" : "no")}"));
        if (meta != null)
        {
            if (meta.Description.Length > 0) sb.AppendLine($"description: {meta.Description}");
            if (meta.Reference.Length > 0) sb.AppendLine($"reference: {meta.Reference}");
            if (meta.Recipe.Length > 0) sb.AppendLine($"recipe: {meta.Recipe}");
            if (meta.Seed is long s) sb.AppendLine(string.Create(inv, $"seed: {s}"));
            if (meta.Program.Length > 0) sb.AppendLine($"written by {meta.Program} at {meta.Created}");
        }
        void Stats(string label, IEnumerable<double> values)
        {
            var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
            if (v.Length == 0) { sb.AppendLine($"{label}: -"); return; }
            sb.AppendLine(string.Create(inv, $"{label}: min {v[0]:0.0000}, 5% {v[(int)(0.05 * (v.Length - 1))]:0.0000}, median {v[v.Length / 2]:0.0000}, 95% {v[(int)(0.95 * (v.Length - 1))]:0.0000}, max {v[^1]:0.0000} (n = {v.Length:N0})"));
        }
        Stats("energy per molecule (eV), all", epm);
        foreach (var r in Evaluation.SizeRange.Paper)
            Stats($"energy per molecule (eV), sizes {r.Label}", Enumerable.Range(0, n).Where(c => r.Contains(sizes[c])).Select(c => epm[c]));
        if (nested != null)
        {
            Stats("energy per molecule (eV), Metropolis", Enumerable.Range(0, n).Where(c => nested[c] == 0).Select(c => epm[c]));
            Stats("energy per molecule (eV), nested", Enumerable.Range(0, n).Where(c => nested[c] != 0).Select(c => epm[c]));
            sb.AppendLine(string.Create(inv, $"nested-sampling clusters: {nested.Count(x => x != 0):N0} ({100.0 * nested.Count(x => x != 0) / n:0.0} %)"));
        }
        if (temperatureK != null) Stats("Metropolis temperature (K)", temperatureK);
        if (b.Forces != null) Stats("force component (eV/A)", SampleForces(b, 1_000_000));
        return sb.ToString();
    }

    internal static double[] EnergyPerMolecule(ClusterBatch b) =>
        Enumerable.Range(0, b.ClusterCount).Select(c => b.SizeOf(c) > 0 ? b.Energies[c] / b.SizeOf(c) : double.NaN).ToArray();

    /// <summary>At most <paramref name="max"/> force components, evenly strided (deterministic).</summary>
    internal static double[] SampleForces(ClusterBatch b, int max)
    {
        var f = b.Forces!;
        if (f.Length <= max) return f;
        long stride = (f.Length + max - 1) / max;
        var r = new double[(f.Length + stride - 1) / stride];
        for (long i = 0, k = 0; i < f.Length; i += stride, k++) r[k] = f[i];
        return r;
    }
}
