using System.Globalization;

namespace AlHpc.Potentials;

/// <summary>
/// Parameters of a single-element Tersoff potential in LAMMPS <c>pair_style tersoff</c> form (units metal:
/// eV, Angstrom). Entry order in the file: element1 element2 element3 m gamma lambda3 c d costheta0 n beta
/// lambda2 B R D lambda1 A. Property names follow that order; <see cref="D"/> is the angular d and
/// <see cref="BigD"/> the cutoff half-width (LAMMPS' bigd); <see cref="R"/> the cutoff centre (bigr).
/// The interaction ends at <see cref="Cutoff"/> = R + BigD.
/// </summary>
public sealed record TersoffParameters(
    string Element,
    double M,
    double Gamma,
    double Lambda3,
    double C,
    double D,
    double CosTheta0,
    double N,
    double Beta,
    double Lambda2,
    double B,
    double R,
    double BigD,
    double Lambda1,
    double A)
{
    /// <summary>Where the parameters came from (file name or "embedded ML-BOP").</summary>
    public string Source { get; init; } = "";

    /// <summary>Interaction cutoff R + BigD (A).</summary>
    public double Cutoff => R + BigD;

    /// <summary>ML-BOP coarse-grained water (Chan et al. 2019), the built-in reference (data/mlbop.tersoff).</summary>
    public static TersoffParameters MlBop { get; } = Parse(EmbeddedData.ReadText(EmbeddedData.MlBopTersoff), "embedded data/mlbop.tersoff");

    /// <summary>Reads a LAMMPS tersoff file. Throws <see cref="AlHpc.IO.InputFormatException"/> on bad or unsupported input.</summary>
    public static TersoffParameters Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Parses LAMMPS tersoff text: '#' starts a comment, an entry is 3 element names and 17 numbers and may
    /// continue over several lines. Exactly one entry, all three elements the same, is supported.
    /// </summary>
    public static TersoffParameters Parse(string text, string fileName)
    {
        var words = new List<(string Word, int Line)>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw;
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            foreach (var w in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries)) words.Add((w, lineNo));
        }
        const int perEntry = 17; // 3 element names + 14 numbers (LAMMPS: params_per_line = 17)
        if (words.Count == 0) throw new AlHpc.IO.InputFormatException(fileName, 0, "no Tersoff entry found");
        if (words.Count < perEntry)
        {
            throw new AlHpc.IO.InputFormatException(fileName, words[^1].Line,
                $"incomplete Tersoff entry: {words.Count} of {perEntry} fields (3 element names and 14 numbers: m gamma lambda3 c d costheta0 n beta lambda2 B R D lambda1 A)");
        }
        if (words.Count > perEntry)
            throw new AlHpc.IO.InputFormatException(fileName, words[perEntry].Line,
                "more than one Tersoff entry; AlHpc supports a single element (one entry 'X X X' followed by 14 numbers)");
        string e1 = words[0].Word, e2 = words[1].Word, e3 = words[2].Word;
        if (e1 != e2 || e1 != e3)
            throw new AlHpc.IO.InputFormatException(fileName, words[0].Line, $"multi-element entry '{e1} {e2} {e3}' is not supported; AlHpc supports a single element");
        if (!AlHpc.IO.Elements.IsKnown(e1))
            throw new AlHpc.IO.InputFormatException(fileName, words[0].Line, $"unknown element '{e1}'");
        string[] names = ["m", "gamma", "lambda3", "c", "d", "costheta0", "n", "beta", "lambda2", "B", "R", "D", "lambda1", "A"];
        var v = new double[names.Length];
        for (int k = 0; k < names.Length; k++)
        {
            var (w, l) = words[3 + k];
            if (!double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]))
                throw new AlHpc.IO.InputFormatException(fileName, l, $"non-numeric value '{w}' for {names[k]}");
            if (!double.IsFinite(v[k]))
                throw new AlHpc.IO.InputFormatException(fileName, l, $"non-finite value '{w}' for {names[k]}");
        }
        var p = new TersoffParameters(e1, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]) { Source = fileName };
        int Line(int k) => words[3 + k].Line;
        void Reject(int k, string why) => throw new AlHpc.IO.InputFormatException(fileName, Line(k), $"unsupported Tersoff parameter {names[k]} = {v[k].ToString(CultureInfo.InvariantCulture)}: {why}");
        // The checks LAMMPS makes ("Illegal Tersoff parameter"), plus n > 0 and D > 0 that the analytic forces need.
        if (p.M != 1 && p.M != 3) Reject(0, "m must be 1 or 3 (as in LAMMPS)");
        if (p.Gamma < 0) Reject(1, "must be >= 0");
        if (p.C < 0) Reject(3, "must be >= 0");
        if (p.D <= 0) Reject(4, "must be > 0");
        if (p.N <= 0) Reject(6, "must be > 0");
        if (p.Beta < 0) Reject(7, "must be >= 0");
        if (p.Lambda2 < 0) Reject(8, "must be >= 0");
        if (p.B < 0) Reject(9, "must be >= 0");
        if (p.R <= 0) Reject(10, "must be > 0");
        if (p.BigD <= 0 || p.BigD > p.R) Reject(11, "must satisfy 0 < D <= R");
        if (p.Lambda1 < 0) Reject(12, "must be >= 0");
        if (p.A < 0) Reject(13, "must be >= 0");
        // Beyond LAMMPS: the physically meaningful ranges, so that the energy and forces cannot overflow
        // (c = 1e200, gamma = 1e308, d = 1e-300 and costheta0 = 1e308 all gave NaN or Inf with exit 0).
        const double big = MaxMagnitude;
        int[] bounded = [1, 2, 3, 5, 7, 8, 9, 12, 13];
        foreach (var k in bounded)
            if (Math.Abs(v[k]) > big) Reject(k, $"|{names[k]}| > {big:G3} is outside any physically meaningful range (it overflows the energy or forces)");
        if (p.R + p.BigD > MaxCutoff) Reject(10, $"the cutoff R + D = {p.R + p.BigD} A is beyond {MaxCutoff} A");
        if (p.D < MinAngularD) Reject(4, $"must be >= {MinAngularD:G3} (g(theta) divides by d^2)");
        if (p.C / p.D > big) Reject(3, $"c/d = {p.C / p.D:G3} > {big:G3}: g(theta) = gamma (1 + c^2/d^2 - ...) overflows");
        if (p.N < MinN || p.N > big) Reject(6, $"must be in [{MinN}, {big:G3}] (the bond order's (beta zeta)^n and LAMMPS' series thresholds (2n 1e-16)^(-1/n) overflow below {MinN})");
        // A last check of the combination: a dimer and a bent trimer at several distances must give finite energies and forces.
        if (Probe(p) is { } why) throw new AlHpc.IO.InputFormatException(fileName, words[3].Line, $"the Tersoff parameters give {why}; check the parameter values");
        return p;
    }

    /// <summary>Largest magnitude of gamma, lambda3, c, costheta0, beta, lambda2, B, lambda1, A, n and c/d.</summary>
    public const double MaxMagnitude = 1e8;
    /// <summary>Smallest angular d.</summary>
    public const double MinAngularD = 1e-6;
    /// <summary>Smallest exponent n.</summary>
    public const double MinN = 0.1;
    /// <summary>Largest cutoff R + D (A).</summary>
    public const double MaxCutoff = 100;

    private static string? Probe(TersoffParameters p)
    {
        var ev = new TersoffPotential(p).CreateEvaluator();
        var f = new double[9];
        foreach (double frac in new[] { 0.05, 0.3, 0.6, 0.9, 0.99 })
        {
            double r = frac * p.Cutoff;
            foreach (var x in new[] { new[] { 0, 0, 0, r, 0, 0 }, new[] { 0, 0, 0, r, 0, 0, 0.3 * r, 0.9 * r, 0 }, new[] { 0, 0, 0, r, 0, 0, -r, 0, 0 } })
            {
                double e = ev.Compute(x, f.AsSpan(0, x.Length), Span<double>.Empty);
                if (!double.IsFinite(e)) return string.Create(CultureInfo.InvariantCulture, $"a non-finite energy ({e}) for {x.Length / 3} atoms {r:G4} A apart");
                for (int i = 0; i < x.Length; i++)
                    if (!double.IsFinite(f[i])) return string.Create(CultureInfo.InvariantCulture, $"non-finite forces for {x.Length / 3} atoms {r:G4} A apart");
            }
        }
        return null;
    }
}
