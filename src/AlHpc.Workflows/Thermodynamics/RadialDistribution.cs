using System.Globalization;
using System.Text.Json;
using AlHpc.IO;
using AlHpc.MonteCarlo;
using AlHpc.Optimization;
using AlHpc.Potentials;

namespace AlHpc.Thermodynamics;

/// <summary>Settings of <see cref="RadialDistribution.Compute"/> (units K, A).</summary>
public sealed record RdfSettings
{
    public int Size { get; init; } = 50;
    public double TemperatureK { get; init; } = 300;
    /// <summary>Metropolis cycles per run (a cycle is N trial moves); the first tenth equilibrates.</summary>
    public int Cycles { get; init; } = 20_000;
    /// <summary>Independent runs (different start clusters and seeds); the standard error is their spread.</summary>
    public int Runs { get; init; } = 4;
    public ulong Seed { get; init; } = 1;
    /// <summary>Histogram bin width (A).</summary>
    public double BinWidth { get; init; } = 0.02;
    /// <summary>Largest distance histogrammed (A).</summary>
    public double MaxDistance { get; init; } = 30;
    public double CriterionDistance { get; init; } = 4.0;
    /// <summary>Hard core (A): the project's one default (<see cref="McDefaults.HardCoreDistance"/>, the domain the
    /// active-learning run trains and checks a network in).</summary>
    public double MinPairDistance { get; init; } = McDefaults.HardCoreDistance;
    /// <summary>Worker threads (-1: all cores).</summary>
    public int Threads { get; init; } = -1;

    public void Validate()
    {
        if (Size < 2) throw new ArgumentOutOfRangeException(nameof(Size), "an RDF needs at least 2 molecules");
        if (!(TemperatureK > 0) || !double.IsFinite(TemperatureK)) throw new ArgumentOutOfRangeException(nameof(TemperatureK), "the temperature must be a positive finite number of K");
        if (Cycles < 10) throw new ArgumentOutOfRangeException(nameof(Cycles), "at least 10 cycles");
        if (Runs < 2) throw new ArgumentOutOfRangeException(nameof(Runs), "at least 2 runs (the standard error is their spread)");
        if (!(BinWidth > 0) || !(MaxDistance > BinWidth)) throw new ArgumentOutOfRangeException(nameof(BinWidth), "need 0 < bin width < max distance");
        if (Threads == 0 || Threads < -1) throw new ArgumentOutOfRangeException(nameof(Threads));
    }
}

/// <summary>A position (A) and height of a feature of g(r), each with its standard error between runs.</summary>
public sealed record RdfFeature(double R, double RStdErr, double G, double GStdErr);

/// <summary>First maximum, first minimum and second maximum of g(r).</summary>
public sealed record RdfFeatures(RdfFeature FirstMax, RdfFeature FirstMin, RdfFeature SecondMax);

/// <summary>
/// g(r) of one potential: bin centres <see cref="R"/>, mean <see cref="G"/> over runs and its standard
/// error; the features located on every run and averaged.
/// </summary>
public sealed record RdfResult(string PotentialName, RdfSettings Settings, double[] R, double[] G, double[] StdErr, RdfFeatures Features,
    long Frames, double Seconds, double AcceptanceRatio)
{
    /// <summary>Integral of g over the shells: the mean number of other molecules (N - 1 when all pairs fit the range).</summary>
    public double Integral()
    {
        double w = Settings.BinWidth, sum = 0;
        for (int i = 0; i < R.Length; i++)
        {
            double a = i * w, b = a + w;
            sum += G[i] * 4.0 / 3.0 * Math.PI * (b * b * b - a * a * a);
        }
        return sum;
    }
}

/// <summary>
/// Radial distribution functions of one N-molecule cluster: Metropolis with the Stillinger criterion
/// (<see cref="MetropolisSampler"/>), one frame per cycle after equilibration, in several independent
/// runs in parallel. g(r) = (ordered pairs with distance in [r, r + dr) per frame per molecule) / shell
/// volume (4/3 pi ((r+dr)^3 - r^3), i.e. 4 pi r^2 dr): the unnormalised density the paper shows; it
/// integrates to N - 1.
/// </summary>
public static class RadialDistribution
{
    public static RdfResult Compute(IPotential potential, RdfSettings s, Action<long, long>? progress = null, CancellationToken cancellation = default)
    {
        s.Validate();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int bins = (int)Math.Ceiling(s.MaxDistance / s.BinWidth);
        var perRun = new double[s.Runs][];
        var frames = new long[s.Runs];
        var acc = new double[s.Runs];
        long done = 0, total = (long)s.Runs * s.Cycles;
        Parallel.For(0, s.Runs, new ParallelOptions { MaxDegreeOfParallelism = s.Threads, CancellationToken = cancellation }, run =>
        {
            ulong seed = FreeEnergy.TaskSeed(s.Seed, 1000 + s.Size, run);
            var fe = new AvbmcSettings { CriterionDistance = s.CriterionDistance, MinPairDistance = s.MinPairDistance, TemperatureK = s.TemperatureK };
            var start = FreeEnergy.StartConfiguration(potential, fe, s.Size, seed, relax: true);
            var counts = new double[bins];
            long nFrames = 0;
            double w = s.BinWidth, max2 = s.MaxDistance * s.MaxDistance;
            var sampler = new MetropolisSampler(new MetropolisSettings
            {
                TemperatureK = s.TemperatureK, Cycles = s.Cycles, Seed = seed, TrajectoryEvery = 1,
                CriterionDistance = s.CriterionDistance, MinPairDistance = s.MinPairDistance,
            });
            var result = sampler.Run(potential.CreateMcBackend(), start, frame =>
            {
                var p = frame.Positions;
                int n = p.Length / 3;
                for (int i = 0; i < n; i++)
                    for (int j = i + 1; j < n; j++)
                    {
                        double dx = p[3 * i] - p[3 * j], dy = p[3 * i + 1] - p[3 * j + 1], dz = p[3 * i + 2] - p[3 * j + 2];
                        double r2 = dx * dx + dy * dy + dz * dz;
                        if (r2 >= max2) continue;
                        int b = (int)(Math.Sqrt(r2) / w);
                        if (b < bins) counts[b] += 2; // ordered pairs
                    }
                nFrames++;
            }, (c, _) => { if ((c & 63) == 0) { long now = Interlocked.Add(ref done, 64); progress?.Invoke(now, total); } }, cancellation);
            if (result.Status != McStatus.Completed) throw new InvalidOperationException($"RDF run {run + 1}: {result.Message}");
            if (nFrames == 0) throw new InvalidOperationException("no production frames");
            var g = new double[bins];
            for (int b = 0; b < bins; b++)
            {
                double a = b * w, c = a + w;
                g[b] = counts[b] / (nFrames * (double)s.Size) / (4.0 / 3.0 * Math.PI * (c * c * c - a * a * a));
            }
            perRun[run] = g;
            frames[run] = nFrames;
            acc[run] = result.ProductionAcceptanceRatio;
        });
        var r = Enumerable.Range(0, bins).Select(b => (b + 0.5) * s.BinWidth).ToArray();
        var mean = new double[bins];
        var se = new double[bins];
        for (int b = 0; b < bins; b++)
        {
            double m = perRun.Average(g => g[b]);
            double v = perRun.Sum(g => (g[b] - m) * (g[b] - m)) / (s.Runs - 1);
            mean[b] = m;
            se[b] = Math.Sqrt(v / s.Runs);
        }
        var features = perRun.Select(g => Locate(r, g, s.BinWidth)).ToList();
        RdfFeature Avg(Func<(double R, double G)[], (double R, double G)> pick)
        {
            var xs = features.Select(f => pick(f).R).ToArray();
            var ys = features.Select(f => pick(f).G).ToArray();
            return new RdfFeature(xs.Average(), StdErr(xs), ys.Average(), StdErr(ys));
        }
        var feats = new RdfFeatures(Avg(f => f[0]), Avg(f => f[1]), Avg(f => f[2]));
        return new RdfResult(potential.Name, s, r, mean, se, feats, frames.Sum(), sw.Elapsed.TotalSeconds, acc.Average());
    }

    private static double StdErr(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1) / x.Length);
    }

    /// <summary>
    /// First maximum (the highest point), first minimum (the lowest point between it and the next rise)
    /// and second maximum of g, located on a 5-bin moving average, each refined by a least-squares parabola through
    /// the raw g over +-0.06 A (maxima: the first peak is only ~0.2 A wide) or +-0.08 A (minimum: asymmetric, a wider fit would be pulled towards the slow side). Returns (r, g) for the three.
    /// </summary>
    internal static (double R, double G)[] Locate(double[] r, double[] g, double w)
    {
        int n = g.Length;
        var sm = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0; int c = 0;
            for (int k = Math.Max(0, i - 2); k <= Math.Min(n - 1, i + 2); k++) { sum += g[k]; c++; }
            sm[i] = sum / c;
        }
        int i1 = 0;
        for (int i = 1; i < n; i++) if (sm[i] > sm[i1]) i1 = i;
        // First minimum: the lowest smoothed point after the first maximum before g climbs back by more
        // than 10 % of the first peak's height above it.
        int i2 = i1;
        for (int i = i1 + 1; i < n; i++)
        {
            if (sm[i] < sm[i2]) i2 = i;
            else if (sm[i] - sm[i2] > 0.1 * sm[i1]) break;
        }
        // Second maximum: the highest smoothed point after the minimum before g falls by more than 10 %
        // of the first peak's height below it.
        int i3 = i2;
        for (int i = i2 + 1; i < n; i++)
        {
            if (sm[i] > sm[i3]) i3 = i;
            else if (sm[i3] - sm[i] > 0.1 * sm[i1]) break;
        }
        int hMax = Math.Max(2, (int)Math.Round(0.06 / w)), hMin = Math.Max(2, (int)Math.Round(0.08 / w));
        return [Parabola(r, g, i1, hMax), Parabola(r, g, i2, hMin), Parabola(r, g, i3, hMax)];
    }

    /// <summary>Vertex of the least-squares parabola through g over bins [i - h, i + h]; the bin itself when the fit has no vertex there.</summary>
    private static (double R, double G) Parabola(double[] r, double[] g, int i, int h)
    {
        int lo = Math.Max(0, i - h), hi = Math.Min(g.Length - 1, i + h);
        if (hi - lo < 2) return (r[i], g[i]);
        double x0 = r[i];
        // Normal equations for g = a + b x + c x^2 with x = r - x0.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
        for (int k = lo; k <= hi; k++)
        {
            double x = r[k] - x0, x2 = x * x;
            s0 += 1; s1 += x; s2 += x2; s3 += x2 * x; s4 += x2 * x2;
            t0 += g[k]; t1 += x * g[k]; t2 += x2 * g[k];
        }
        double det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2);
        if (Math.Abs(det) < 1e-300) return (r[i], g[i]);
        double a = (t0 * (s2 * s4 - s3 * s3) - s1 * (t1 * s4 - s3 * t2) + s2 * (t1 * s3 - s2 * t2)) / det;
        double b = (s0 * (t1 * s4 - t2 * s3) - t0 * (s1 * s4 - s3 * s2) + s2 * (s1 * t2 - t1 * s2)) / det;
        double c = (s0 * (s2 * t2 - s3 * t1) - s1 * (s1 * t2 - s3 * t0) + t0 * (s1 * s3 - s2 * s2)) / det;
        if (c == 0) return (r[i], g[i]);
        double xv = -b / (2 * c);
        if (Math.Abs(xv) > (hi - lo) * 0.5 * (r[1] - r[0])) return (r[i], g[i]);
        return (x0 + xv, a + b * xv + c * xv * xv);
    }

    /// <summary>Writes r, g, stderr (and the comparison's g, stderr when given) as CSV, atomically.</summary>
    public static void WriteCsv(string path, RdfResult main, RdfResult? other)
    {
        var ci = CultureInfo.InvariantCulture;
        AtomicFile.WriteText(path, w =>
        {
            w.WriteLine($"# alhpc rdf: g(r) = (ordered pairs in [r - dr/2, r + dr/2) per frame per molecule) / shell volume (A^-3); integrates to N - 1");
            w.WriteLine(string.Create(ci, $"# size: {main.Settings.Size}; temperature_K: {main.Settings.TemperatureK:R}; cycles: {main.Settings.Cycles}; runs: {main.Settings.Runs}; bin_A: {main.Settings.BinWidth:R}; seed: {main.Settings.Seed}"));
            w.WriteLine($"# potential: {main.PotentialName}" + (other != null ? $"; reference: {other.PotentialName}" : ""));
            w.WriteLine("# stderr: standard error between the independent runs");
            w.WriteLine(other == null ? "r,g,stderr" : "r,g,stderr,g_reference,stderr_reference");
            for (int i = 0; i < main.R.Length; i++)
                w.WriteLine(other == null
                    ? string.Create(ci, $"{main.R[i]:F4},{main.G[i]:G8},{main.StdErr[i]:G6}")
                    : string.Create(ci, $"{main.R[i]:F4},{main.G[i]:G8},{main.StdErr[i]:G6},{other.G[i]:G8},{other.StdErr[i]:G6}"));
        });
    }

    /// <summary>The features (and, with a reference, the differences in %) as an object for JSON.</summary>
    public static object Summary(RdfResult main, RdfResult? reference)
    {
        object F(RdfFeature f) => new { r_A = f.R, r_stderr_A = f.RStdErr, g = f.G, g_stderr = f.GStdErr };
        object Set(RdfResult x) => new
        {
            potential = x.PotentialName, first_max = F(x.Features.FirstMax), first_min = F(x.Features.FirstMin), second_max = F(x.Features.SecondMax),
            integral = x.Integral(), frames = x.Frames, seconds = x.Seconds, acceptance = x.AcceptanceRatio,
        };
        var d = new Dictionary<string, object>
        {
            ["size"] = main.Settings.Size, ["temperature_K"] = main.Settings.TemperatureK, ["cycles"] = main.Settings.Cycles,
            ["runs"] = main.Settings.Runs, ["seed"] = main.Settings.Seed, ["model"] = Set(main),
        };
        if (reference != null)
        {
            d["reference"] = Set(reference);
            d["differences_percent"] = Differences(main, reference).ToDictionary(x => x.Name, x => (object)new { percent = x.Percent, stderr_percent = x.StdErrPercent });
            d["max_abs_difference_percent"] = Differences(main, reference).Max(x => Math.Abs(x.Percent));
        }
        return d;
    }

    /// <summary>(name, 100 (model - reference) / reference, its standard error) for the six feature values.</summary>
    public static IEnumerable<(string Name, double Percent, double StdErrPercent)> Differences(RdfResult m, RdfResult refr)
    {
        (string, RdfFeature, RdfFeature)[] pairs =
        [
            ("first_max", m.Features.FirstMax, refr.Features.FirstMax),
            ("first_min", m.Features.FirstMin, refr.Features.FirstMin),
            ("second_max", m.Features.SecondMax, refr.Features.SecondMax),
        ];
        foreach (var (name, a, b) in pairs)
        {
            yield return ($"{name}_r", 100 * (a.R - b.R) / b.R, 100 * Math.Sqrt(a.RStdErr * a.RStdErr + b.RStdErr * b.RStdErr) / b.R);
            yield return ($"{name}_g", 100 * (a.G - b.G) / b.G, 100 * Math.Sqrt(a.GStdErr * a.GStdErr + b.GStdErr * b.GStdErr) / Math.Abs(b.G));
        }
    }

    public static void WriteJson(string path, object summary) =>
        AtomicFile.WriteText(path, w => w.Write(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true })));
}
