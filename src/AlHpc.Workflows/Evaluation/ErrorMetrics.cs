using AlHpc.Structures;

namespace AlHpc.Evaluation;

/// <summary>An inclusive range of cluster sizes (molecules). <see cref="Max"/> = int.MaxValue means "and up".</summary>
public sealed record SizeRange(int Min, int Max)
{
    public bool Contains(int size) => size >= Min && size <= Max;

    /// <summary>"1-20", "51+", "25".</summary>
    public string Label => Max == int.MaxValue ? $"{Min}+" : Min == Max ? $"{Min}" : $"{Min}-{Max}";

    /// <summary>The paper's ranges: 1-20, 21-50, 51+ molecules.</summary>
    public static IReadOnlyList<SizeRange> Paper { get; } = [new(1, 20), new(21, 50), new(51, int.MaxValue)];

    /// <summary>Parses "1-20", "51+", "25" (also "51-").</summary>
    public static SizeRange Parse(string text)
    {
        var t = text.Trim();
        if (t.EndsWith('+') || t.EndsWith('-')) return new(int.Parse(t[..^1]), int.MaxValue);
        int dash = t.IndexOf('-');
        if (dash < 0) { int v = int.Parse(t); return new(v, v); }
        int a = int.Parse(t[..dash]), b = int.Parse(t[(dash + 1)..]);
        if (a < 1 || b < a) throw new FormatException($"bad size range '{text}' (want MIN-MAX with 1 <= MIN <= MAX)");
        return new(a, b);
    }
}

/// <summary>
/// Absolute-error statistics of one quantity: count, mean absolute error, root mean square error,
/// largest absolute error and mean signed error (prediction minus reference). Units are those of
/// the values added (the metrics below use meV/molecule and meV/A).
/// </summary>
public readonly record struct ErrorStats(long Count, double SumAbs, double SumSq, double SumSigned, double MaxAbs)
{
    public double Mae => Count > 0 ? SumAbs / Count : double.NaN;
    public double Rmse => Count > 0 ? Math.Sqrt(SumSq / Count) : double.NaN;
    public double MeanSigned => Count > 0 ? SumSigned / Count : double.NaN;
    public double Max => Count > 0 ? MaxAbs : double.NaN;

    public ErrorStats Add(double signedError) =>
        new(Count + 1, SumAbs + Math.Abs(signedError), SumSq + signedError * signedError, SumSigned + signedError, Math.Max(MaxAbs, Math.Abs(signedError)));

    public ErrorStats Merge(in ErrorStats o) =>
        new(Count + o.Count, SumAbs + o.SumAbs, SumSq + o.SumSq, SumSigned + o.SumSigned, Math.Max(MaxAbs, o.MaxAbs));
}

/// <summary>Errors of the clusters of one group (a size range, one size, or all).</summary>
public sealed record GroupMetrics(string Label, int MinSize, int MaxSize, int Clusters, long Molecules, ErrorStats Energy, ErrorStats Force)
{
    /// <summary>Energy MAE, meV/molecule: mean over clusters of |E_pred - E_ref| / N.</summary>
    public double EnergyMae => Energy.Mae;
    /// <summary>Energy RMSE, meV/molecule: sqrt(mean over clusters of ((E_pred - E_ref) / N)^2).</summary>
    public double EnergyRmse => Energy.Rmse;
    /// <summary>Force MAE, meV/A, over all Cartesian components of all atoms.</summary>
    public double ForceMae => Force.Mae;
    /// <summary>Force RMSE, meV/A, over all Cartesian components of all atoms.</summary>
    public double ForceRmse => Force.Rmse;

    /// <summary>True when a cluster of <paramref name="size"/> molecules belongs to this group.</summary>
    public bool Contains(int size) => size >= MinSize && size <= MaxSize;
}

/// <summary>
/// Error metrics of predicted against reference energies and forces, in the paper's units:
/// energy error per molecule |E_pred - E_ref| / N in meV/molecule (one value per cluster), force error
/// per Cartesian component in meV/A (3N values per cluster). Reported overall, for size ranges
/// (default 1-20, 21-50, 51+) and for every cluster size present.
/// <para>
/// Deterministic: each cluster's sums are computed independently (in parallel), then reduced in
/// cluster order, so results do not depend on the thread count.
/// </para>
/// <para>
/// Monomers (size 1): the reference energy of an isolated bead is 0 and every force is 0; a model
/// gets them right only if it is anchored there (see NnModel). They are included in every group
/// they fall into and reported on their own in <see cref="BySize"/> (size 1).
/// </para>
/// </summary>
public sealed class EvaluationMetrics
{
    public required GroupMetrics Overall { get; init; }
    public required IReadOnlyList<GroupMetrics> Ranges { get; init; }
    /// <summary>One entry per cluster size present, ascending.</summary>
    public required IReadOnlyList<GroupMetrics> BySize { get; init; }
    public required bool HasForces { get; init; }

    /// <summary>Per-cluster signed energy error, meV/molecule (pred - ref) / N. For plots and outliers.</summary>
    public required double[] EnergyErrorPerMolecule { get; init; }

    /// <summary>Clusters of size 1, or null when there are none.</summary>
    public GroupMetrics? Monomers => BySize.Count > 0 && BySize[0].MinSize == 1 ? BySize[0] : null;

    /// <summary>
    /// Computes the metrics. <paramref name="reference"/> supplies sizes, reference energies (eV; a NaN
    /// is an error) and, optionally, reference forces (eV/A); predictions are energies [n] (eV) and
    /// optionally forces [3 * atoms] (eV/A). Force metrics need both.
    /// </summary>
    public static EvaluationMetrics Compute(ClusterBatch reference, ReadOnlySpan<double> predictedEnergies, ReadOnlySpan<double> predictedForces = default, IReadOnlyList<SizeRange>? ranges = null) =>
        Compute(reference, predictedEnergies.ToArray(), predictedForces.IsEmpty ? null : predictedForces.ToArray(), ranges);

    /// <summary>As the span overload, without copying the arrays.</summary>
    public static EvaluationMetrics Compute(ClusterBatch reference, double[] predictedEnergies, double[]? predictedForces, IReadOnlyList<SizeRange>? ranges = null)
    {
        ranges ??= SizeRange.Paper;
        int n = reference.ClusterCount;
        if (predictedEnergies.Length != n) throw new ArgumentException($"{predictedEnergies.Length} predicted energies for {n} clusters", nameof(predictedEnergies));
        bool forces = reference.Forces != null && predictedForces is { Length: > 0 };
        if (forces && predictedForces!.Length != reference.Positions.Length)
            throw new ArgumentException($"{predictedForces!.Length} predicted force components for {reference.Positions.Length}", nameof(predictedForces));

        var eErr = new double[n];
        var fStats = forces ? new ErrorStats[n] : null;
        double[] refE = reference.Energies;
        for (int c = 0; c < n; c++)
        {
            if (double.IsNaN(refE[c])) throw new ArgumentException($"cluster {c} has no reference energy");
            int size = reference.SizeOf(c);
            eErr[c] = size > 0 ? 1000.0 * (predictedEnergies[c] - refE[c]) / size : 0.0;
        }
        if (forces)
        {
            // Per-cluster force sums in parallel (each cluster summed sequentially); reduced in order below.
            double[] pf = predictedForces!;
            double[] rf = reference.Forces!;
            int[] off = reference.Offsets;
            Parallel.For(0, (n + 255) / 256, blk =>
            {
                int c1 = Math.Min(n, (blk + 1) * 256);
                for (int c = blk * 256; c < c1; c++)
                {
                    var s = default(ErrorStats);
                    for (int k = 3 * off[c]; k < 3 * off[c + 1]; k++)
                        if (!double.IsNaN(rf[k])) s = s.Add(1000.0 * (pf[k] - rf[k])); // NaN: cluster without reference forces
                    fStats![c] = s;
                }
            });
        }

        var overall = Group("all", 1, int.MaxValue, reference, eErr, fStats, _ => true);
        var rangeList = ranges.Select(r => Group(r.Label, r.Min, r.Max, reference, eErr, fStats, r.Contains)).ToList();
        var bySizeMap = new SortedDictionary<int, (int clusters, long mol, ErrorStats e, ErrorStats f)>();
        for (int c = 0; c < n; c++)
        {
            int size = reference.SizeOf(c);
            bySizeMap.TryGetValue(size, out var g);
            g.clusters++;
            g.mol += size;
            g.e = g.e.Add(eErr[c]);
            if (fStats != null) g.f = g.f.Merge(fStats[c]);
            bySizeMap[size] = g;
        }
        var bySize = bySizeMap.Select(kv => new GroupMetrics($"{kv.Key}", kv.Key, kv.Key, kv.Value.clusters, kv.Value.mol, kv.Value.e, kv.Value.f)).ToList();
        return new EvaluationMetrics { Overall = overall, Ranges = rangeList, BySize = bySize, HasForces = forces, EnergyErrorPerMolecule = eErr };
    }

    private static GroupMetrics Group(string label, int min, int max, ClusterBatch b, double[] eErr, ErrorStats[]? fStats, Func<int, bool> take)
    {
        int clusters = 0;
        long mol = 0;
        ErrorStats e = default, f = default;
        for (int c = 0; c < eErr.Length; c++)
        {
            int size = b.SizeOf(c);
            if (!take(size)) continue;
            clusters++;
            mol += size;
            e = e.Add(eErr[c]);
            if (fStats != null) f = f.Merge(fStats[c]);
        }
        return new GroupMetrics(label, min, max, clusters, mol, e, f);
    }
}
