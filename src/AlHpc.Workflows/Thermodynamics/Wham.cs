namespace AlHpc.Thermodynamics;

/// <summary>
/// Self-consistent weighted histogram analysis (WHAM) of umbrella periods over a discrete variable
/// (the cluster size). Period p sampled P(n) exp(w_p(n)) / Z_p and recorded the histogram H_p(n) of
/// N_p samples; the combined estimate is
/// P(n) = sum_p H_p(n) / sum_p N_p exp(w_p(n) - f_p), with exp(f_p) = sum_n P(n) exp(w_p(n)),
/// iterated to self-consistency (in logarithms).
/// </summary>
internal static class Wham
{
    /// <summary>
    /// ln P(n) (bin index), normalised so the first bin is 0. Bins no period visited get -infinity.
    /// Throws when <paramref name="periods"/> is empty or the bins differ.
    /// </summary>
    public static double[] LogProbabilities(IReadOnlyList<UmbrellaPeriod> periods, double tolerance = 1e-10, int maxIterations = 100_000)
    {
        if (periods.Count == 0) throw new ArgumentException("no periods", nameof(periods));
        int bins = periods[0].Histogram.Length;
        int np = periods.Count;
        var total = new double[bins];
        var logN = new double[np];
        foreach (var p in periods)
            if (p.Histogram.Length != bins || p.Weights.Length != bins) throw new ArgumentException("periods have different bins");
        for (int k = 0; k < np; k++)
        {
            long sum = 0;
            for (int i = 0; i < bins; i++) { total[i] += periods[k].Histogram[i]; sum += periods[k].Histogram[i]; }
            logN[k] = sum > 0 ? Math.Log(sum) : double.NegativeInfinity;
        }
        var lnP = new double[bins];
        var f = new double[np];
        var lnTotal = total.Select(t => t > 0 ? Math.Log(t) : double.NegativeInfinity).ToArray();
        // Start: the plain unbiased average of all periods.
        for (int i = 0; i < bins; i++) lnP[i] = lnTotal[i];
        var terms = new double[np];
        for (int it = 0; it < maxIterations; it++)
        {
            for (int k = 0; k < np; k++)
            {
                var w = periods[k].Weights;
                f[k] = LogSumExp(bins, i => lnP[i] + w[i]);
            }
            double change = 0;
            for (int i = 0; i < bins; i++)
            {
                if (double.IsNegativeInfinity(lnTotal[i])) { lnP[i] = double.NegativeInfinity; continue; }
                for (int k = 0; k < np; k++) terms[k] = logN[k] + periods[k].Weights[i] - f[k];
                double next = lnTotal[i] - LogSumExp(np, k => terms[k]);
                change = Math.Max(change, Math.Abs(next - lnP[i]));
                lnP[i] = next;
            }
            // Fix the gauge (first visited bin's value does not drift).
            double shift = lnP.FirstOrDefault(double.IsFinite);
            for (int i = 0; i < bins; i++) lnP[i] -= shift;
            if (change < tolerance) break;
        }
        double zero = lnP[0];
        if (double.IsFinite(zero)) for (int i = 0; i < bins; i++) lnP[i] -= zero;
        return lnP;
    }

    private static double LogSumExp(int count, Func<int, double> term)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < count; i++) max = Math.Max(max, term(i));
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        for (int i = 0; i < count; i++) sum += Math.Exp(term(i) - max);
        return max + Math.Log(sum);
    }
}
