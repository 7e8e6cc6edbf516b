using AlHpc.Geometry;

namespace AlHpc.Potentials;

/// <summary>
/// Single-element Tersoff potential in the LAMMPS <c>pair_style tersoff</c> form (eV, A):
/// E = 1/2 sum_i sum_{j!=i} fC(r_ij) [A exp(-lambda1 r_ij) - b_ij B exp(-lambda2 r_ij)],
/// b_ij = (1 + (beta zeta_ij)^n)^(-1/2n), zeta_ij = sum_{k!=i,j} fC(r_ik) g(cos theta_ijk) exp[(lambda3 (r_ij - r_ik))^m],
/// g = gamma (1 + c^2/d^2 - c^2/(d^2 + (cos theta - costheta0)^2)),
/// fC(r) = 1 below R-D, 1/2 - 1/2 sin(pi/2 (r-R)/D) up to R+D, 0 beyond.
/// <see cref="MlBop"/> is the built-in ML-BOP water model. Thread-safe to share; evaluate through
/// <see cref="CreateEvaluator"/> (one per thread) or <see cref="BatchEvaluator"/>.
/// </summary>
public sealed class TersoffPotential : IPotential
{
    internal readonly TersoffKernel Kernel;

    public TersoffPotential(TersoffParameters parameters, string? name = null)
    {
        Parameters = parameters;
        Kernel = new TersoffKernel(parameters);
        Name = name ?? $"Tersoff ({parameters.Source})";
        Species = [parameters.Element];
    }

    /// <summary>The built-in ML-BOP reference model (embedded data/mlbop.tersoff).</summary>
    public static TersoffPotential MlBop { get; } = new(TersoffParameters.MlBop, "ML-BOP (Tersoff)");

    /// <summary>Loads a LAMMPS tersoff file.</summary>
    public static TersoffPotential Load(string path) => new(TersoffParameters.Load(path));

    public TersoffParameters Parameters { get; }
    public string Name { get; }
    public double Cutoff => Parameters.Cutoff;

    /// <summary>The one species: the element of the parameter entry.</summary>
    public IReadOnlyList<string> Species { get; }

    public TersoffEvaluator CreateEvaluator() => new(this);
    IPotentialEvaluator IPotential.CreateEvaluator() => CreateEvaluator();

    public IMcEnergyBackend CreateMcBackend() => new TersoffMcBackend(this);
}

/// <summary>
/// Evaluates a Tersoff potential on one cluster at a time with a cell-list neighbour list (cost linear in
/// the bead count). Allocation-free after warm-up (buffers grow to the largest cluster seen). Not thread safe.
/// Per-atom energies follow LAMMPS' <c>compute pe/atom</c>: each ordered-pair term is split half and half
/// between its two beads.
/// </summary>
public sealed class TersoffEvaluator : IPotentialEvaluator
{
    private readonly TersoffKernel _k;
    private readonly NeighbourList _nl = new();
    // per neighbour-list entry (directed bond i->j)
    private double[] _ux = [], _uy = [], _uz = [], _fc = [], _dfc = [], _fR = [], _dfR = [], _fA = [], _dfA = [];
    // per (j, k) pair of one centre
    private double[] _cos = new double[64], _g = new double[64], _dg = new double[64], _ex = new double[64], _dex = new double[64];

    internal TersoffEvaluator(TersoffPotential potential)
    {
        _k = potential.Kernel;
        Species = potential.Species;
    }

    public IReadOnlyList<string> Species { get; }

    /// <summary>The neighbour list of the last call (for callers that want it).</summary>
    public NeighbourList Neighbours => _nl;

    public double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies)
    {
        int n = positions.Length / 3;
        bool wantF = !forces.IsEmpty, wantE = !atomEnergies.IsEmpty;
        if (wantF && forces.Length != positions.Length) throw new ArgumentException("forces must have the length of positions", nameof(forces));
        if (wantE && atomEnergies.Length != n) throw new ArgumentException("atomEnergies must have one entry per atom", nameof(atomEnergies));
        if (wantF) forces.Clear();
        if (wantE) atomEnergies.Clear();
        if (n < 2) return 0.0;

        var k = _k;
        _nl.Build(positions, k.Cutoff);
        int pairs = _nl.PairCount;
        if (_ux.Length < pairs) GrowBonds(pairs);
        var start = _nl.Start;
        var idx = _nl.Index;
        var rr = _nl.R;
        var dxs = _nl.Dx; var dys = _nl.Dy; var dzs = _nl.Dz;
        var ux = _ux; var uy = _uy; var uz = _uz; var fcA = _fc; var dfcA = _dfc; var fR = _fR; var dfR = _dfR; var fA = _fA; var dfA = _dfA;

        for (int p = 0; p < pairs; p++)
        {
            double r = rr[p];
            double inv = 1.0 / r;
            ux[p] = dxs[p] * inv; uy[p] = dys[p] * inv; uz[p] = dzs[p] * inv;
            double fc = k.Fc(r, out double dfc);
            fcA[p] = fc; dfcA[p] = dfc;
            double eR = k.A * Math.Exp(-k.Lambda1 * r);
            double eA = -k.B * Math.Exp(-k.Lambda2 * r);
            fR[p] = eR * fc; dfR[p] = eR * (dfc - k.Lambda1 * fc);
            fA[p] = eA * fc; dfA[p] = eA * (dfc - k.Lambda2 * fc);
        }

        double total = 0;
        for (int i = 0; i < n; i++)
        {
            int s = start[i], e = start[i + 1], m = e - s;
            if (m == 0) continue;
            if (m * m > _cos.Length) GrowPairs(m * m);
            var cosA = _cos; var gA = _g; var dgA = _dg; var exA = _ex; var dexA = _dex;
            for (int a = 0; a < m; a++)
            {
                int pj = s + a;
                if (fcA[pj] == 0) continue;
                double rj = rr[pj];
                double zeta = 0, dzdr = 0;
                for (int b = 0; b < m; b++)
                {
                    if (b == a) continue;
                    int pk = s + b;
                    double fck = fcA[pk];
                    if (fck == 0) continue;
                    double cos = ux[pj] * ux[pk] + uy[pj] * uy[pk] + uz[pj] * uz[pk];
                    double g = k.G(cos, out double dg);
                    double ex = k.Ex(rj - rr[pk], out double dex);
                    int q = a * m + b;
                    cosA[q] = cos; gA[q] = g; dgA[q] = dg; exA[q] = ex; dexA[q] = dex;
                    zeta += fck * g * ex;
                    dzdr += fck * g * dex;
                }
                double bij = k.Bij(zeta, out double db);
                double eij = 0.5 * (fR[pj] + fA[pj] * bij);
                total += eij;
                int j = idx[pj];
                if (wantE) { atomEnergies[i] += 0.5 * eij; atomEnergies[j] += 0.5 * eij; }
                if (!wantF) continue;

                double P = 0.5 * fA[pj] * db;
                double S = 0.5 * (dfR[pj] + dfA[pj] * bij) + P * dzdr;
                double uxj = ux[pj], uyj = uy[pj], uzj = uz[pj];
                // gradient accumulators for i and j (forces = -gradient)
                double gjx = S * uxj, gjy = S * uyj, gjz = S * uzj;
                double gix = -gjx, giy = -gjy, giz = -gjz;
                if (P != 0)
                {
                    double invrj = 1.0 / rj;
                    for (int b = 0; b < m; b++)
                    {
                        if (b == a) continue;
                        int pk = s + b;
                        double fck = fcA[pk];
                        if (fck == 0) continue;
                        int q = a * m + b;
                        double cos = cosA[q], g = gA[q], ex = exA[q];
                        double coefR = P * g * (dfcA[pk] * ex - fck * dexA[q]);
                        double Q = P * fck * dgA[q] * ex;
                        double uxk = ux[pk], uyk = uy[pk], uzk = uz[pk];
                        double qj = Q * invrj, qk = Q / rr[pk];
                        double ajx = qj * (uxk - cos * uxj), ajy = qj * (uyk - cos * uyj), ajz = qj * (uzk - cos * uzj);
                        double akx = coefR * uxk + qk * (uxj - cos * uxk);
                        double aky = coefR * uyk + qk * (uyj - cos * uyk);
                        double akz = coefR * uzk + qk * (uzj - cos * uzk);
                        gjx += ajx; gjy += ajy; gjz += ajz;
                        gix -= ajx + akx; giy -= ajy + aky; giz -= ajz + akz;
                        int kk = idx[pk];
                        forces[3 * kk] -= akx; forces[3 * kk + 1] -= aky; forces[3 * kk + 2] -= akz;
                    }
                }
                forces[3 * j] -= gjx; forces[3 * j + 1] -= gjy; forces[3 * j + 2] -= gjz;
                forces[3 * i] -= gix; forces[3 * i + 1] -= giy; forces[3 * i + 2] -= giz;
            }
        }
        return total;
    }

    private void GrowBonds(int pairs)
    {
        int m = Math.Max(pairs, 2 * _ux.Length);
        _ux = new double[m]; _uy = new double[m]; _uz = new double[m]; _fc = new double[m]; _dfc = new double[m];
        _fR = new double[m]; _dfR = new double[m]; _fA = new double[m]; _dfA = new double[m];
    }

    private void GrowPairs(int count)
    {
        int m = Math.Max(count, 2 * _cos.Length);
        _cos = new double[m]; _g = new double[m]; _dg = new double[m]; _ex = new double[m]; _dex = new double[m];
    }
}

/// <summary>
/// The plain, obviously correct Tersoff energy: a literal transcription of the formula with O(N^3) loops
/// and no neighbour list, for testing the fast evaluator and the MC backend against.
/// </summary>
public static class TersoffReference
{
    public static double Energy(TersoffParameters p, ReadOnlySpan<double> x)
    {
        int n = x.Length / 3;
        double rc = p.R + p.BigD;
        double Fc(double r) => r < p.R - p.BigD ? 1.0 : r > rc ? 0.0 : 0.5 - 0.5 * Math.Sin(Math.PI / 2 * (r - p.R) / p.BigD);
        double Dist(ReadOnlySpan<double> x, int a, int b) =>
            Math.Sqrt((x[3 * a] - x[3 * b]) * (x[3 * a] - x[3 * b]) + (x[3 * a + 1] - x[3 * b + 1]) * (x[3 * a + 1] - x[3 * b + 1]) + (x[3 * a + 2] - x[3 * b + 2]) * (x[3 * a + 2] - x[3 * b + 2]));
        double e = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double rij = Dist(x, i, j);
                if (rij >= rc) continue;
                double zeta = 0;
                for (int k = 0; k < n; k++)
                {
                    if (k == i || k == j) continue;
                    double rik = Dist(x, i, k);
                    if (rik >= rc) continue;
                    double dot = (x[3 * j] - x[3 * i]) * (x[3 * k] - x[3 * i]) + (x[3 * j + 1] - x[3 * i + 1]) * (x[3 * k + 1] - x[3 * i + 1]) + (x[3 * j + 2] - x[3 * i + 2]) * (x[3 * k + 2] - x[3 * i + 2]);
                    double cos = dot / (rij * rik);
                    double g = p.Gamma * (1 + p.C * p.C / (p.D * p.D) - p.C * p.C / (p.D * p.D + (cos - p.CosTheta0) * (cos - p.CosTheta0)));
                    double arg = p.M == 3 ? Math.Pow(p.Lambda3 * (rij - rik), 3) : p.Lambda3 * (rij - rik);
                    zeta += Fc(rik) * g * Math.Exp(arg);
                }
                double b = Math.Pow(1 + Math.Pow(p.Beta * zeta, p.N), -1 / (2 * p.N));
                e += 0.5 * Fc(rij) * (p.A * Math.Exp(-p.Lambda1 * rij) - b * p.B * Math.Exp(-p.Lambda2 * rij));
            }
        return e;
    }
}
