using System.Globalization;
using System.Text;
using System.Text.Json;
using AlHpc.IO;

namespace AlHpc.Evaluation;

/// <summary>
/// Writes <see cref="EvaluationMetrics"/> as a terminal table, metrics.csv (overall + ranges),
/// by-size.csv (one row per cluster size) and metrics.json (everything). Units: energies in
/// meV/molecule, forces in meV/A. NaN (no data) is written as an empty CSV field and JSON null.
/// </summary>
internal static class MetricsReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public const string CsvHeader = "group,min_size,max_size,clusters,molecules,energy_mae_mev_per_molecule,energy_rmse_mev_per_molecule,energy_max_mev_per_molecule,energy_mean_signed_mev_per_molecule,force_components,force_mae_mev_per_a,force_rmse_mev_per_a,force_max_mev_per_a";

    /// <summary>A fixed-width table: one row per group (all, then the ranges, then monomers when present).</summary>
    public static string FormatTable(EvaluationMetrics m, string? title = null)
    {
        var sb = new StringBuilder();
        if (title != null) sb.AppendLine(title);
        sb.AppendLine(string.Create(Inv, $"{"sizes",-10} {"clusters",9} {"E MAE",9} {"E RMSE",9} {"E max",9} {"F MAE",9} {"F RMSE",9} {"F max",9}"));
        sb.AppendLine(string.Create(Inv, $"{"",-10} {"",9} {"meV/mol",9} {"meV/mol",9} {"meV/mol",9} {"meV/A",9} {"meV/A",9} {"meV/A",9}"));
        void Row(string label, GroupMetrics g) =>
            sb.AppendLine(string.Create(Inv, $"{label,-10} {g.Clusters,9} {F(g.Energy.Mae),9} {F(g.Energy.Rmse),9} {F(g.Energy.Max),9} {F(g.Force.Mae),9} {F(g.Force.Rmse),9} {F(g.Force.Max),9}"));
        Row("all", m.Overall);
        foreach (var r in m.Ranges) Row(r.Label, r);
        if (m.Monomers is { } mono) Row(MonomerRow, mono); // one word: the table splits on whitespace
        return sb.ToString();
    }

    /// <summary>Label of the monomer row of the table (one token, so the columns split on whitespace).</summary>
    public const string MonomerRow = "monomers";

    private static string F(double v) => double.IsNaN(v) ? "-" : v != 0 && Math.Abs(v) < 5e-4 ? v.ToString("0.0E+0", Inv) : v.ToString(v >= 1e5 ? "0.###E+0" : "0.000", Inv);
    private static string C(double v) => FiniteOutput.Optional(v, "a metric");

    private static void CsvRow(TextWriter w, GroupMetrics g) =>
        w.WriteLine(string.Join(',', g.Label, g.MinSize.ToString(Inv), g.MaxSize == int.MaxValue ? "" : g.MaxSize.ToString(Inv),
            g.Clusters.ToString(Inv), g.Molecules.ToString(Inv), C(g.Energy.Mae), C(g.Energy.Rmse), C(g.Energy.Max), C(g.Energy.MeanSigned),
            g.Force.Count.ToString(Inv), C(g.Force.Mae), C(g.Force.Rmse), C(g.Force.Max)));

    /// <summary>metrics.csv: overall and per-range rows.</summary>
    public static void WriteCsv(string path, EvaluationMetrics m) => AtomicFile.WriteText(path, w =>
    {
        w.WriteLine(CsvHeader);
        CsvRow(w, m.Overall);
        foreach (var r in m.Ranges) CsvRow(w, r);
    });

    /// <summary>by-size.csv: one row per cluster size present.</summary>
    public static void WriteBySizeCsv(string path, EvaluationMetrics m) => AtomicFile.WriteText(path, w =>
    {
        w.WriteLine(CsvHeader);
        foreach (var g in m.BySize) CsvRow(w, g);
    });

    /// <summary>metrics.json: overall, ranges, by size and the caller's context (model, test set, timings).</summary>
    public static void WriteJson(string path, EvaluationMetrics m, IReadOnlyDictionary<string, string>? context = null) => AtomicFile.Write(path, s =>
    {
        using var j = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteString("units_energy", "meV/molecule (|E_pred - E_ref| / N per cluster)");
        j.WriteString("units_force", "meV/Angstrom (per Cartesian component)");
        if (context != null)
        {
            j.WriteStartObject("context");
            foreach (var kv in context)
            {
                // numbers as JSON numbers (counts, seconds, threads), everything else as text
                if (long.TryParse(kv.Value, NumberStyles.AllowLeadingSign, Inv, out long l)) j.WriteNumber(kv.Key, l);
                else if (double.TryParse(kv.Value, NumberStyles.Float, Inv, out double d) && double.IsFinite(d)) j.WriteNumber(kv.Key, d);
                else j.WriteString(kv.Key, kv.Value);
            }
            j.WriteEndObject();
        }
        j.WriteBoolean("has_forces", m.HasForces);
        j.WritePropertyName("overall"); Group(j, m.Overall);
        j.WriteStartArray("ranges"); foreach (var r in m.Ranges) Group(j, r); j.WriteEndArray();
        j.WriteStartArray("by_size"); foreach (var g in m.BySize) Group(j, g); j.WriteEndArray();
        j.WriteEndObject();
    });

    private static void Group(Utf8JsonWriter j, GroupMetrics g)
    {
        j.WriteStartObject();
        j.WriteString("group", g.Label);
        j.WriteNumber("min_size", g.MinSize);
        if (g.MaxSize == int.MaxValue) j.WriteNull("max_size"); else j.WriteNumber("max_size", g.MaxSize);
        j.WriteNumber("clusters", g.Clusters);
        j.WriteNumber("molecules", g.Molecules);
        Num(j, "energy_mae", g.Energy.Mae);
        Num(j, "energy_rmse", g.Energy.Rmse);
        Num(j, "energy_max", g.Energy.Max);
        Num(j, "energy_mean_signed", g.Energy.MeanSigned);
        j.WriteNumber("force_components", g.Force.Count);
        Num(j, "force_mae", g.Force.Mae);
        Num(j, "force_rmse", g.Force.Rmse);
        Num(j, "force_max", g.Force.Max);
        j.WriteEndObject();
    }

    private static void Num(Utf8JsonWriter j, string name, double v)
    {
        if (double.IsNaN(v)) j.WriteNull(name); else j.WriteNumber(name, FiniteOutput.Check(v, name));
    }
}
