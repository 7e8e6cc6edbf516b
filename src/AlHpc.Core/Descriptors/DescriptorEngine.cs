using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AlHpc.Geometry;

namespace AlHpc.Descriptors;

/// <summary>
/// Fast Behler2011 G2/G5 descriptors (same definitions as <see cref="ReferenceDescriptors"/>) and their
/// position derivatives for non-periodic clusters. Units: positions A, eta A^-2.
/// <para>
/// Work sharing: every unordered pair is visited once (the neighbour lists are sorted, so the reverse entry
/// is found by a moving cursor); the radial terms of all pairs (cutoff function, every G2 term and every
/// distinct G5 radial factor exp(-eta r^2) fc(r), with their r-derivatives) are evaluated in SIMD lanes
/// over pairs and stored by function, and both directions of a pair read them through a pair index. Per
/// triplet the distinct (lambda, zeta) angular terms and the distinct (eta, Rc) radial products are computed
/// once and combined into every G5 function (on x64 with AVX2/AVX-512 the angular terms are the lanes of one vector).
/// Forces never store dG/dr: they contract dE/dG with the same per-pair and per-triplet terms.
/// </para>
/// <para>
/// Not thread safe: one engine per thread (they are cheap). Nothing is allocated per call once the
/// buffers have grown to the largest cluster seen. Outputs are row-major nAtoms x <see cref="FunctionCount"/>
/// in setup order.
/// </para>
/// </summary>
[SkipLocalsInit]
public sealed class DescriptorEngine
{
    private static readonly int VC = Vector<double>.Count;
    private readonly int _nf;
    // G2 tables
    private readonly int _nG2;
    private readonly int[] _g2Out, _g2Cut;
    private readonly double[] _g2Eta, _g2Rs;
    // cutoff groups
    private readonly int _nCut;
    private readonly double[] _cutRc;
    // G5 radial groups (eta, cutoff), angular groups (lambda, zeta), functions
    private readonly int _nQ, _nA, _nG5;
    private readonly double[] _qEta;
    private readonly int[] _qCut;
    private readonly double[] _aLambda, _aZeta, _aCoef;
    private readonly int[] _aIntZeta;
    private readonly int[] _g5Out, _g5Q, _g5A;
    // dense (q, a) grid: accumulate the outer product R_q A_a per triplet, map to functions per atom
    private readonly bool _dense;
    private readonly int[] _qaOut; // nQ*nA -> output index or -1
    private readonly double _maxG5Rc;
    // vector triplet kernels (see "triplet kernels"): lanes a < nA hold lambda, 2^(1-zeta), 2^(1-zeta) zeta lambda
    private readonly bool _vec;
    private readonly Vector512<double> _vLam, _vCoef, _vDCoef;
    private readonly Vector512<double>[] _vBits; // lane mask of bit k of the integer exponent zeta_a - 1
    private readonly int _wStride; // row stride of the dE/dG grid W: 8 on the fast path, nA otherwise

    private readonly NeighbourList _nl = new();
    private readonly DescriptorDerivatives _deriv = new();
    // Radial terms per unordered pair, stored by function with stride _ps (pair capacity, a multiple of VC):
    // G2 term k of pair n at _g2v[k * _ps + n] (d/dr in _g2d), G5 radial group q at _h[q * _ps + n] (_dh).
    private int _ps;
    private double[] _rp = [], _g2v = [], _g2d = [], _h = [], _dh = [];
    // per neighbour-list entry p (both directions): its pair, unit vector (r_j - r_i)/r and 1/r, force accumulator
    private int[] _pairOf = new int[16];
    private double[] _u = new double[64], _fe = new double[64];
    private int[] _cursor = new int[16];
    private bool _cacheValid;

    // scratch
    private readonly double[] _A, _Ap, _W, _g2w;
    // local environment (ComputeAtom): same layouts, pair n = neighbour n
    private int _lps;
    private double[] _lr = [], _lg2v = [], _lg2d = [], _lh = [], _ldh = [], _lu = [];
    private int[] _lpair = [];

    /// <param name="setup">The symmetry functions.</param>
    /// <param name="allowVector">false forces the scalar fallback even where the SIMD fast path applies (the contract
    /// test binds both paths; the results agree to rounding).</param>
    public DescriptorEngine(DescriptorSetup setup, bool allowVector = true)
    {
        Setup = setup;
        var fs = setup.Functions;
        _nf = fs.Length;
        var cuts = new List<double>();
        int CutIndex(double rc) { int k = cuts.IndexOf(rc); if (k < 0) { cuts.Add(rc); k = cuts.Count - 1; } return k; }
        var g2 = new List<int>();
        var qs = new List<(double eta, int cut)>();
        var angs = new List<(double lambda, double zeta)>();
        var g5 = new List<(int f, int q, int a)>();
        for (int f = 0; f < fs.Length; f++)
        {
            int c = CutIndex(fs[f].Rc);
            if (fs[f].Kind == SymmetryFunctionKind.G2) g2.Add(f);
            else
            {
                var qk = (fs[f].Eta, c);
                int q = qs.IndexOf(qk); if (q < 0) { qs.Add(qk); q = qs.Count - 1; }
                var ak = (fs[f].Lambda, fs[f].Zeta);
                int a = angs.IndexOf(ak); if (a < 0) { angs.Add(ak); a = angs.Count - 1; }
                g5.Add((f, q, a));
            }
        }
        _nCut = cuts.Count; _cutRc = cuts.ToArray();
        _nG2 = g2.Count;
        _g2Out = g2.ToArray();
        _g2Eta = g2.Select(f => fs[f].Eta).ToArray();
        _g2Rs = g2.Select(f => fs[f].Rs).ToArray();
        _g2Cut = g2.Select(f => cuts.IndexOf(fs[f].Rc)).ToArray();
        _nQ = qs.Count; _qEta = qs.Select(q => q.eta).ToArray(); _qCut = qs.Select(q => q.cut).ToArray();
        _nA = angs.Count;
        _aLambda = angs.Select(a => a.lambda).ToArray();
        _aZeta = angs.Select(a => a.zeta).ToArray();
        _aCoef = angs.Select(a => Math.Pow(2.0, 1.0 - a.zeta)).ToArray();
        _aIntZeta = angs.Select(a => a.zeta == Math.Floor(a.zeta) && a.zeta <= 64 ? (int)a.zeta : -1).ToArray();
        _nG5 = g5.Count;
        _g5Out = g5.Select(t => t.f).ToArray(); _g5Q = g5.Select(t => t.q).ToArray(); _g5A = g5.Select(t => t.a).ToArray();
        _maxG5Rc = _nQ == 0 ? 0 : qs.Max(q => cuts[q.cut]);
        _qaOut = new int[Math.Max(1, _nQ * _nA)];
        _qaOut.AsSpan().Fill(-1);
        bool unique = true;
        foreach (var t in g5) { if (_qaOut[t.q * _nA + t.a] >= 0) unique = false; _qaOut[t.q * _nA + t.a] = t.f; }
        _dense = unique && _nQ * _nA <= 2 * _nG5 + 8;
        _A = new double[Math.Max(1, _nA)]; _Ap = new double[Math.Max(1, _nA)];
        _g2w = new double[Math.Max(1, _nG2)];
        // fast path: x64 with AVX-512 (or AVX2, where the JIT runs each Vector512 as two 256-bit halves),
        // at most 8 (lambda, zeta) groups, integer zeta, dense grid
        _vec = allowVector && (Vector512.IsHardwareAccelerated || Avx2.IsSupported) && _dense && _nA is > 0 and <= 8 && _aIntZeta.All(z => z >= 1);
        _vBits = [];
        if (_vec)
        {
            var lam = new double[8]; var coef = new double[8]; var dcoef = new double[8];
            for (int a = 0; a < _nA; a++) { lam[a] = _aLambda[a]; coef[a] = _aCoef[a]; dcoef[a] = _aCoef[a] * _aZeta[a] * _aLambda[a]; }
            _vLam = Vector512.Create(lam); _vCoef = Vector512.Create(coef); _vDCoef = Vector512.Create(dcoef);
            int maxExp = _aIntZeta.Max() - 1, nBits = 0;
            while ((maxExp >> nBits) != 0) nBits++;
            _vBits = new Vector512<double>[nBits];
            for (int k = 0; k < nBits; k++)
            {
                var set = new double[8];
                for (int a = 0; a < _nA; a++) set[a] = ((_aIntZeta[a] - 1) >> k & 1) != 0 ? 1.0 : 0.0;
                _vBits[k] = Vector512.GreaterThan(Vector512.Create(set), Vector512<double>.Zero);
            }
        }
        _wStride = _vec ? 8 : _nA;
        _W = new double[Math.Max(1, _nQ * _wStride)];
        Cutoff = setup.Cutoff;
    }

    public DescriptorSetup Setup { get; }
    public int FunctionCount => _nf;
    /// <summary>Largest cutoff of the setup (A).</summary>
    public double Cutoff { get; }

    /// <summary>Neighbour list of the cluster of the last <see cref="ComputeValues"/>/<see cref="ComputeWithDerivatives"/> call.</summary>
    public NeighbourList Neighbours => _nl;

    /// <summary>
    /// Descriptors of every atom of a cluster (flat positions in A) into <paramref name="values"/>
    /// (nAtoms x FunctionCount, overwritten). Builds the neighbour list and keeps the per-pair terms,
    /// so <see cref="AccumulateForces"/> can follow.
    /// </summary>
    public void ComputeValues(ReadOnlySpan<double> positions, Span<double> values)
    {
        int n = positions.Length / 3;
        if (values.Length < n * _nf) throw new ArgumentException("values too short", nameof(values));
        _nl.Build(positions, Cutoff);
        PairPass(values[..(n * _nf)]);
        if (_nG5 > 0)
        {
            unsafe
            {
                fixed (int* start = _nl.Start, pair = _pairOf)
                fixed (double* r = _nl.R, u = _u, h = _h, g = values)
                {
                    for (int i = 0; i < n; i++)
                    {
                        int st = start[i], m = start[i + 1] - st;
                        if (m >= 2) Triplets(m, r + st, u + 4 * st, pair + st, h, _ps, g + i * _nf);
                    }
                }
            }
        }
        _cacheValid = true;
    }

    /// <summary>
    /// Values (as <see cref="ComputeValues"/>) and derivatives with respect to every position. The returned
    /// object is owned by this engine and valid until its next call.
    /// </summary>
    public DescriptorDerivatives ComputeWithDerivatives(ReadOnlySpan<double> positions, Span<double> values)
    {
        int n = positions.Length / 3;
        if (values.Length < n * _nf) throw new ArgumentException("values too short", nameof(values));
        _nl.Build(positions, Cutoff);
        PairPass(values[..(n * _nf)]);
        var start = _nl.Start;
        var d = _deriv;
        d.Ensure(n, _nl.PairCount + n, _nf);
        int blk = _nf * 3, ps = _ps;
        for (int i = 0; i < n; i++)
        {
            int st = start[i], en = start[i + 1];
            int e0 = st + i;
            d.StartArray[i] = e0;
            d.IndexArray[e0] = i;
            for (int p = st; p < en; p++) d.IndexArray[e0 + 1 + p - st] = _nl.Index[p];
            var block = d.ValueArray.AsSpan(e0 * blk, (en - st + 1) * blk);
            block.Clear();
            // radial (G2) part
            for (int p = st; p < en; p++)
            {
                double ux = _u[4 * p], uy = _u[4 * p + 1], uz = _u[4 * p + 2];
                var dj = block.Slice((1 + p - st) * blk, blk);
                for (int k = 0; k < _nG2; k++)
                {
                    double s = _g2d[k * ps + _pairOf[p]];
                    int o = _g2Out[k] * 3;
                    dj[o] += s * ux; dj[o + 1] += s * uy; dj[o + 2] += s * uz;
                    block[o] -= s * ux; block[o + 1] -= s * uy; block[o + 2] -= s * uz;
                }
            }
            if (en - st >= 2 && _nG5 > 0)
                TripletDerivatives(_nl.R[st..en], _u.AsSpan(4 * st, 4 * (en - st)), _pairOf.AsSpan(st, en - st),
                    values.Slice(i * _nf, _nf), block);
        }
        d.StartArray[n] = _nl.PairCount + n;
        _cacheValid = true;
        return d;
    }

    /// <summary>
    /// Forces from descriptor gradients, after <see cref="ComputeValues"/> on the same positions:
    /// forces[3j+c] -= sum_i sum_f dEdG[i*nF + f] * dG_if/dr_jc (accumulates: clear first).
    /// dEdG is nAtoms x FunctionCount (eV per unit of raw, unscaled G).
    /// </summary>
    public void AccumulateForces(ReadOnlySpan<double> dEdG, Span<double> forces)
    {
        if (!_cacheValid) throw new InvalidOperationException("call ComputeValues first");
        int n = _nl.AtomCount, np = _nl.PairCount, nf = _nf, nG2 = _nG2, nQ = _nQ, ws = _wStride, ps = _ps;
        if (dEdG.Length < n * nf) throw new ArgumentException("dEdG too short", nameof(dEdG));
        if (forces.Length < 3 * n) throw new ArgumentException("forces too short", nameof(forces));
        if (_fe.Length < 4 * np) _fe = new double[Math.Max(4 * np, 2 * _fe.Length)];
        unsafe
        {
            fixed (int* start = _nl.Start, idx = _nl.Index, pairOf = _pairOf, g2Out = _g2Out, g5Out = _g5Out, g5Q = _g5Q, g5A = _g5A)
            fixed (double* r = _nl.R, u = _u, h = _h, dh = _dh, g2d = _g2d, fe = _fe, W = _W, g2w = _g2w, grad = dEdG, f = forces)
            {
                for (int i = 0; i < n; i++)
                {
                    int st = start[i], m = start[i + 1] - st;
                    if (m == 0) continue;
                    double* gr = grad + i * nf;
                    double* fei = fe + 4 * st;
                    double* ui = u + 4 * st;
                    int* pair = pairOf + st;
                    // radial (G2): dG_i/dr_j = (sum_k dEdG_k g2d_k) u_ij; the sums accumulate in lane 3 of fe
                    for (int k = 0; k < nG2; k++) g2w[k] = gr[g2Out[k]];
                    for (int p = 0; p < m; p++) fei[4 * p + 3] = 0;
                    for (int k = 0; k < nG2; k++)
                    {
                        double w = g2w[k];
                        double* col = g2d + k * ps;
                        for (int p = 0; p < m; p++) fei[4 * p + 3] += w * col[pair[p]];
                    }
                    for (int p = 0; p < m; p++)
                    {
                        double s = fei[4 * p + 3];
                        fei[4 * p] = s * ui[4 * p]; fei[4 * p + 1] = s * ui[4 * p + 1]; fei[4 * p + 2] = s * ui[4 * p + 2];
                    }
                    // angular (G5)
                    if (m >= 2 && _nG5 > 0)
                    {
                        if (_vec)
                        {
                            // dense grid, one function per cell: plain assignment (unused cells stay 0)
                            for (int t = 0; t < _nG5; t++) W[g5Q[t] * 8 + g5A[t]] = gr[g5Out[t]];
                        }
                        else
                        {
                            new Span<double>(W, nQ * ws).Clear();
                            for (int t = 0; t < _nG5; t++) W[g5Q[t] * ws + g5A[t]] += gr[g5Out[t]];
                        }
                        TripletForces(m, r + st, ui, pair, h, dh, ps, W, fei);
                    }
                    double fix = 0, fiy = 0, fiz = 0;
                    for (int p = 0; p < m; p++)
                    {
                        double* fj = f + 3 * idx[st + p];
                        double vx = fei[4 * p], vy = fei[4 * p + 1], vz = fei[4 * p + 2];
                        fj[0] -= vx; fj[1] -= vy; fj[2] -= vz;
                        fix += vx; fiy += vy; fiz += vz;
                    }
                    f[3 * i] += fix; f[3 * i + 1] += fiy; f[3 * i + 2] += fiz;
                }
            }
        }
    }

    /// <summary>
    /// Descriptors of one atom from its environment: displacement vectors r_j - r_i (A) of the other atoms
    /// (those at or beyond the cutoff are ignored). Writes FunctionCount values. For local Monte Carlo updates.
    /// </summary>
    public void ComputeAtom(ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz, ReadOnlySpan<double> r, Span<double> values)
    {
        int m = r.Length;
        var g = values[.._nf];
        g.Clear();
        if (m == 0) return;
        int padded = (m + VC - 1) / VC * VC;
        if (_lps < padded)
        {
            int cap = Math.Max(padded, 2 * _lps);
            _lr = new double[cap]; _lu = new double[4 * cap]; _lpair = new int[cap];
            for (int p = 0; p < cap; p++) _lpair[p] = p;
            _lg2v = new double[_nG2 * cap]; _lg2d = new double[_nG2 * cap];
            _lh = new double[_nQ * cap]; _ldh = new double[_nQ * cap];
            _lps = cap;
        }
        double rc = Cutoff;
        for (int p = 0; p < m; p++)
        {
            // a neighbour at or beyond the cutoff (or not finite) is parked at Rc: all its terms vanish there
            if (!(r[p] < rc)) { _lr[p] = rc; _lu[4 * p] = _lu[4 * p + 1] = _lu[4 * p + 2] = _lu[4 * p + 3] = 0; continue; }
            double inv = 1.0 / r[p];
            _lr[p] = r[p];
            _lu[4 * p] = dx[p] * inv; _lu[4 * p + 1] = dy[p] * inv; _lu[4 * p + 2] = dz[p] * inv; _lu[4 * p + 3] = inv;
        }
        for (int p = m; p < padded; p++) _lr[p] = rc;
        int ps = _lps;
        unsafe
        {
            fixed (double* lr = _lr, lu = _lu, g2v = _lg2v, g2d = _lg2d, h = _lh, dh = _ldh, pg = g)
            fixed (int* pair = _lpair)
            {
                RadialTerms(lr, padded, ps, g2v, g2d, h, dh);
                for (int k = 0; k < _nG2; k++)
                {
                    double s = 0;
                    double* v = g2v + k * ps;
                    for (int p = 0; p < m; p++) s += v[p];
                    pg[_g2Out[k]] += s;
                }
                if (m >= 2 && _nG5 > 0) Triplets(m, lr, lu, pair, h, ps, pg);
            }
        }
    }

    // ---------------------------------------------------------------- pair pass

    /// <summary>
    /// Unit vectors of every entry, radial terms of every unordered pair (<see cref="RadialTerms"/>) and the
    /// G2 values (overwrites <paramref name="values"/>; the G5 values are added by the triplet pass).
    /// </summary>
    private void PairPass(Span<double> values)
    {
        int n = _nl.AtomCount, np = _nl.PairCount, nPairs = np / 2, nf = _nf;
        values.Clear();
        int padded = Math.Max(VC, (nPairs + VC - 1) / VC * VC);
        if (_ps < padded)
        {
            int cap = Math.Max(padded, 2 * _ps);
            _rp = new double[cap];
            _g2v = new double[_nG2 * cap]; _g2d = new double[_nG2 * cap];
            _h = new double[_nQ * cap]; _dh = new double[_nQ * cap];
            _ps = cap;
        }
        if (_u.Length < 4 * np) _u = new double[Math.Max(4 * np, 2 * _u.Length)];
        if (_pairOf.Length < np) _pairOf = new int[Math.Max(np, 2 * _pairOf.Length)];
        if (_cursor.Length < n) _cursor = new int[Math.Max(n, 2 * _cursor.Length)];
        int ps = _ps;
        unsafe
        {
            fixed (int* start = _nl.Start, idx = _nl.Index, cursor = _cursor, pairOf = _pairOf, g2Out = _g2Out)
            fixed (double* dx = _nl.Dx, dy = _nl.Dy, dz = _nl.Dz, r = _nl.R, u = _u, rp = _rp,
                   g2v = _g2v, g2d = _g2d, h = _h, dh = _dh, g = values)
            {
                // pairs (i < j) in list order; entry p of i and its reverse pr of j share pair k
                for (int i = 0; i < n; i++) cursor[i] = start[i];
                int k = 0;
                for (int i = 0; i < n; i++)
                {
                    int en = start[i + 1];
                    for (int p = cursor[i]; p < en; p++) // entries j < i were filled from the other side
                    {
                        int j = idx[p];
                        int pr = cursor[j]++;
                        Debug.Assert(idx[pr] == i);
                        pairOf[p] = k; pairOf[pr] = k;
                        double inv = 1.0 / r[p], ux = dx[p] * inv, uy = dy[p] * inv, uz = dz[p] * inv;
                        u[4 * p] = ux; u[4 * p + 1] = uy; u[4 * p + 2] = uz; u[4 * p + 3] = inv;
                        u[4 * pr] = -ux; u[4 * pr + 1] = -uy; u[4 * pr + 2] = -uz; u[4 * pr + 3] = inv;
                        rp[k++] = r[p];
                    }
                    cursor[i] = en;
                }
                Debug.Assert(k == nPairs);
                for (int t = nPairs; t < padded; t++) rp[t] = Cutoff; // padding lanes: all terms vanish
                RadialTerms(rp, padded, ps, g2v, g2d, h, dh);
                // G2 values: per atom, sum over its entries
                for (int i = 0; i < n; i++)
                {
                    int st = start[i], en = start[i + 1];
                    double* row = g + i * nf;
                    for (int t = 0; t < _nG2; t++)
                    {
                        double* v = g2v + t * ps;
                        double s = 0;
                        for (int p = st; p < en; p++) s += v[pairOf[p]];
                        row[g2Out[t]] += s;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Radial terms of <paramref name="count"/> distances r (a multiple of VC; padding lanes hold any finite
    /// distance), VC pairs per SIMD vector: per cutoff group fc = (cos(pi r/Rc) + 1)/2 and dfc/dr (0 at and
    /// beyond Rc) from one vector SinCos; per G2 function e = exp(-eta (r - Rs)^2), value e fc and
    /// d/dr = e (dfc - 2 eta (r - Rs) fc); per G5 radial group e = exp(-eta r^2), h = e fc and
    /// dh/dr = e (dfc - 2 eta r fc). Stored by function with stride <paramref name="ps"/>.
    /// </summary>
    private unsafe void RadialTerms(double* r, int count, int ps, double* g2v, double* g2d, double* h, double* dh)
    {
        int nCut = _nCut;
        Vector<double>* fc = stackalloc Vector<double>[nCut];
        Vector<double>* dfc = stackalloc Vector<double>[nCut];
        var half = new Vector<double>(0.5);
        for (int n0 = 0; n0 < count; n0 += VC)
        {
            var rv = Vector.Load(r + n0);
            for (int c = 0; c < nCut; c++)
            {
                double rc = _cutRc[c];
                var inside = Vector.LessThan(rv, new Vector<double>(rc));
                var (sin, cos) = Vector.SinCos(rv * new Vector<double>(Math.PI / rc));
                fc[c] = Vector.ConditionalSelect(inside, half * (cos + Vector<double>.One), Vector<double>.Zero);
                dfc[c] = Vector.ConditionalSelect(inside, new Vector<double>(-0.5 * Math.PI / rc) * sin, Vector<double>.Zero);
            }
            for (int k = 0; k < _nG2; k++)
            {
                double eta = _g2Eta[k];
                int c = _g2Cut[k];
                var t = rv - new Vector<double>(_g2Rs[k]);
                var e = Vector.Exp(new Vector<double>(-eta) * t * t);
                var f = fc[c];
                Vector.Store(e * f, g2v + k * ps + n0);
                Vector.Store(e * (dfc[c] - new Vector<double>(2.0 * eta) * t * f), g2d + k * ps + n0);
            }
            var r2 = rv * rv;
            for (int q = 0; q < _nQ; q++)
            {
                double eta = _qEta[q];
                int c = _qCut[q];
                var e = Vector.Exp(new Vector<double>(-eta) * r2);
                var f = fc[c];
                Vector.Store(e * f, h + q * ps + n0);
                Vector.Store(e * (dfc[c] - new Vector<double>(2.0 * eta) * rv * f), dh + q * ps + n0);
            }
        }
    }

    // ---------------------------------------------------------------- triplet kernels
    //
    // Layout shared by the kernels (one atom i, its m neighbour entries p = 0..m-1 in list order):
    //   r[p]                 distance (A)
    //   u[4p .. 4p+3]        unit vector (r_j - r_i)/r and 1/r (one Vector256 per entry)
    //   pair[p]              the entry's pair n: G5 radial factor of group q at h[q*ps + n], d/dr at dh[q*ps + n]
    //   fe[4p .. 4p+2]       (forces only) sum of dE/dG-weighted gradients with respect to r_j of entry p;
    //                        AccumulateForces applies forces[j] -= fe[p] and forces[i] += sum_p fe[p]
    // Triplets (p1 < p2) with both legs inside the largest G5 cutoff contribute
    //   R_q A_a = h1_q h2_q * 2^(1-zeta_a) (1 + lambda_a cos)^zeta_a
    // to the (q, a) cell of the dense grid, which maps to at most one function (_qaOut).
    //
    // Fast path (_vec: x64 with AVX-512, or AVX2 where the JIT runs each Vector512 as two 256-bit halves; integer
    // zeta, at most 8 (lambda, zeta) groups, dense grid): the (lambda, zeta) terms of one triplet are the lanes of
    // one Vector512 (lanes nA..7 have lambda = coef = 0, so they stay 0): b = 1 + lambda cos, b^(zeta-1) by binary
    // powering with per-lane bit masks of the integer exponent zeta-1, A = coef b^zeta, dA/dcos = coef zeta lambda
    // b^(zeta-1). Values accumulate one vector per radial group q (four groups at a time, in registers).
    // Forces recompute A and dA from the cosine (cheaper than storing them in the value pass: measured) and
    // contract with the atom's dE/dG grid W (one vector per q): sc = sum_a dA_a sum_q W_qa h1_q h2_q,
    // s1 = sum_a A_a sum_q W_qa dh1_q h2_q, s2 = sum_a A_a sum_q W_qa h1_q dh2_q, then the gradient on the two legs is
    //   v1 = sc/r1 (u2 - cos u1) + s1 u1,   v2 = sc/r2 (u1 - cos u2) + s2 u2   (xyz as one Vector256).
    // Otherwise (no AVX2, non-integer zeta, more than 8 angular groups, sparse grid) the plain scalar
    // kernels below do the same sums term by term.

    private unsafe void Triplets(int m, double* r, double* u, int* pair, double* h, int ps, double* g)
    {
        if (_vec) TripletValuesVec(m, r, u, pair, h, ps, g);
        else TripletValuesScalar(m, r, u, pair, h, ps, g);
    }

    /// <summary>b^(zeta_a - 1) in every lane, by binary powering with the exponent bit masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<double> PowM1(Vector512<double> b, Vector512<double>* bits, int nBits)
    {
        var p = Vector512<double>.One;
        for (int k = 0; k < nBits; k++)
        {
            p = Vector512.ConditionalSelect(bits[k], p * b, p);
            b *= b;
        }
        return p;
    }

    private unsafe void TripletValuesVec(int m, double* r, double* u, int* pair, double* h, int ps, double* g)
    {
        int nQ = _nQ, nA = _nA, nBits = _vBits.Length;
        double rmax = _maxG5Rc;
        var lam = _vLam; var coef = _vCoef; var one = Vector512<double>.One;
        double* acc = stackalloc double[32];
        fixed (Vector512<double>* bits = _vBits)
        {
            // radial groups four at a time in registers (one pass for up to four groups)
            for (int q0 = 0; q0 < nQ; q0 += 4)
            {
                int nq = Math.Min(4, nQ - q0);
                var a0 = Vector512<double>.Zero; var a1 = Vector512<double>.Zero;
                var a2 = Vector512<double>.Zero; var a3 = Vector512<double>.Zero;
                double* hq = h + q0 * ps;
                for (int p1 = 0; p1 < m - 1; p1++)
                {
                    if (!(r[p1] < rmax)) continue;
                    double x1 = u[4 * p1], y1 = u[4 * p1 + 1], z1 = u[4 * p1 + 2];
                    double* h1 = hq + pair[p1];
                    for (int p2 = p1 + 1; p2 < m; p2++)
                    {
                        if (!(r[p2] < rmax)) continue;
                        double* u2 = u + 4 * p2;
                        double cos = Math.Clamp(x1 * u2[0] + y1 * u2[1] + z1 * u2[2], -1.0, 1.0);
                        var b = Vector512.FusedMultiplyAdd(lam, Vector512.Create(cos), one);
                        var A = coef * b * PowM1(b, bits, nBits);
                        double* h2 = hq + pair[p2];
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Create(h1[0] * h2[0]), A, a0);
                        if (nq > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Create(h1[ps] * h2[ps]), A, a1);
                        if (nq > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Create(h1[2 * ps] * h2[2 * ps]), A, a2);
                        if (nq > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Create(h1[3 * ps] * h2[3 * ps]), A, a3);
                    }
                }
                a0.Store(acc); a1.Store(acc + 8); a2.Store(acc + 16); a3.Store(acc + 24);
                for (int q = 0; q < nq; q++)
                    for (int a = 0; a < nA; a++)
                    {
                        int o = _qaOut[(q0 + q) * nA + a];
                        if (o >= 0) g[o] += acc[8 * q + a];
                    }
            }
        }
    }

    /// <summary>Scalar triplet sum (any setup): dense grid accumulation, or per function for a sparse grid.</summary>
    private unsafe void TripletValuesScalar(int m, double* r, double* u, int* pair, double* h, int ps, double* g)
    {
        int nQ = _nQ, nA = _nA, nG5 = _nG5;
        double rmax = _maxG5Rc;
        int nAcc = _dense ? nQ * nA : nG5;
        double* acc = stackalloc double[nAcc];
        double* A = stackalloc double[nA];
        new Span<double>(acc, nAcc).Clear();
        fixed (double* lam = _aLambda, coef = _aCoef, zeta = _aZeta)
        fixed (int* iz = _aIntZeta, g5Q = _g5Q, g5A = _g5A)
        {
            for (int p1 = 0; p1 < m - 1; p1++)
            {
                if (!(r[p1] < rmax)) continue;
                double x1 = u[4 * p1], y1 = u[4 * p1 + 1], z1 = u[4 * p1 + 2];
                double* h1 = h + pair[p1];
                for (int p2 = p1 + 1; p2 < m; p2++)
                {
                    if (!(r[p2] < rmax)) continue;
                    double* u2 = u + 4 * p2;
                    double cos = Math.Clamp(x1 * u2[0] + y1 * u2[1] + z1 * u2[2], -1.0, 1.0);
                    for (int a = 0; a < nA; a++)
                    {
                        double b = 1.0 + lam[a] * cos;
                        A[a] = coef[a] * PowM1(b, iz[a], zeta[a]) * b;
                    }
                    double* h2 = h + pair[p2];
                    if (_dense)
                    {
                        for (int q = 0; q < nQ; q++)
                        {
                            double rq = h1[q * ps] * h2[q * ps];
                            double* row = acc + q * nA;
                            for (int a = 0; a < nA; a++) row[a] += rq * A[a];
                        }
                    }
                    else
                    {
                        for (int t = 0; t < nG5; t++) acc[t] += A[g5A[t]] * h1[g5Q[t] * ps] * h2[g5Q[t] * ps];
                    }
                }
            }
        }
        if (_dense)
        {
            for (int k = 0; k < nQ * nA; k++) { int o = _qaOut[k]; if (o >= 0) g[o] += acc[k]; }
        }
        else
        {
            for (int t = 0; t < nG5; t++) g[_g5Out[t]] += acc[t];
        }
    }

    /// <summary>
    /// Triplet part of the forces of one atom: W is dE_i/dG on the (q, a) grid (row stride 8 on the fast
    /// path, nA otherwise; functions sharing a cell are summed), gradients accumulate into fe.
    /// </summary>
    private unsafe void TripletForces(int m, double* r, double* u, int* pair, double* h, double* dh, int ps, double* W, double* fe)
    {
        if (_vec) TripletForcesVec(m, r, u, pair, h, dh, ps, W, fe);
        else TripletForcesScalar(m, r, u, pair, h, dh, ps, W, fe);
    }

    private unsafe void TripletForcesVec(int m, double* r, double* u, int* pair, double* h, double* dh, int ps, double* W, double* fe)
    {
        int nQ = _nQ, nBits = _vBits.Length;
        double rmax = _maxG5Rc;
        var lam = _vLam; var coef = _vCoef; var dcoef = _vDCoef; var one = Vector512<double>.One;
        Vector512<double>* P1 = stackalloc Vector512<double>[nQ]; // W_q h1_q
        Vector512<double>* Q1 = stackalloc Vector512<double>[nQ]; // W_q dh1_q
        fixed (Vector512<double>* bits = _vBits)
        {
            for (int p1 = 0; p1 < m - 1; p1++)
            {
                if (!(r[p1] < rmax)) continue;
                double* u1 = u + 4 * p1;
                double* h1 = h + pair[p1]; double* dh1 = dh + pair[p1];
                for (int q = 0; q < nQ; q++)
                {
                    var w = Vector512.Load(W + 8 * q);
                    P1[q] = w * h1[q * ps];
                    Q1[q] = w * dh1[q * ps];
                }
                var u1v = Vector256.Load(u1);
                double x1 = u1[0], y1 = u1[1], z1 = u1[2], ir1 = u1[3];
                var f1 = Vector256<double>.Zero;
                for (int p2 = p1 + 1; p2 < m; p2++)
                {
                    if (!(r[p2] < rmax)) continue;
                    double* u2 = u + 4 * p2;
                    double cos = Math.Clamp(x1 * u2[0] + y1 * u2[1] + z1 * u2[2], -1.0, 1.0);
                    var b = Vector512.FusedMultiplyAdd(lam, Vector512.Create(cos), one);
                    var pm1 = PowM1(b, bits, nBits);
                    var A = coef * b * pm1;
                    var dA = dcoef * pm1;
                    double* h2 = h + pair[p2]; double* dh2 = dh + pair[p2];
                    var vr = Vector512<double>.Zero; var vd1 = Vector512<double>.Zero; var vd2 = Vector512<double>.Zero;
                    for (int q = 0; q < nQ; q++)
                    {
                        var h2q = Vector512.Create(h2[q * ps]);
                        vr = Vector512.FusedMultiplyAdd(P1[q], h2q, vr);
                        vd1 = Vector512.FusedMultiplyAdd(Q1[q], h2q, vd1);
                        vd2 = Vector512.FusedMultiplyAdd(P1[q], Vector512.Create(dh2[q * ps]), vd2);
                    }
                    var (sc, s1, s2) = Sum3(dA * vr, A * vd1, A * vd2);
                    double a1 = sc * ir1, a2 = sc * u2[3];
                    var u2v = Vector256.Load(u2);
                    f1 += Vector256.Create(a1) * u2v + Vector256.Create(s1 - a1 * cos) * u1v;
                    var v2 = Vector256.Create(a2) * u1v + Vector256.Create(s2 - a2 * cos) * u2v;
                    double* fe2 = fe + 4 * p2;
                    Vector256.Store(Vector256.Load(fe2) + v2, fe2);
                }
                double* fe1 = fe + 4 * p1;
                Vector256.Store(Vector256.Load(fe1) + f1, fe1);
            }
        }
    }

    /// <summary>The lane sums of three vectors (AVX), sharing the shuffles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double, double, double) Sum3(Vector512<double> x, Vector512<double> y, Vector512<double> z)
    {
        var x4 = x.GetLower() + x.GetUpper(); var y4 = y.GetLower() + y.GetUpper(); var z4 = z.GetLower() + z.GetUpper();
        var xy = Avx.HorizontalAdd(x4, y4); // x0+x1, y0+y1, x2+x3, y2+y3
        var zz = Avx.HorizontalAdd(z4, z4);
        var s = xy.GetLower() + xy.GetUpper();
        return (s.ToScalar(), s.GetElement(1), zz.GetLower().ToScalar() + zz.GetUpper().ToScalar());
    }

    private unsafe void TripletForcesScalar(int m, double* r, double* u, int* pair, double* h, double* dh, int ps, double* W, double* fe)
    {
        int nQ = _nQ, nA = _nA;
        double rmax = _maxG5Rc;
        double* A = stackalloc double[nA];
        double* Ap = stackalloc double[nA];
        fixed (double* lam = _aLambda, coef = _aCoef, zeta = _aZeta)
        fixed (int* iz = _aIntZeta)
        {
            for (int p1 = 0; p1 < m - 1; p1++)
            {
                if (!(r[p1] < rmax)) continue;
                double u1x = u[4 * p1], u1y = u[4 * p1 + 1], u1z = u[4 * p1 + 2], ir1 = u[4 * p1 + 3];
                double* h1 = h + pair[p1]; double* dh1 = dh + pair[p1];
                double f1x = 0, f1y = 0, f1z = 0;
                for (int p2 = p1 + 1; p2 < m; p2++)
                {
                    if (!(r[p2] < rmax)) continue;
                    double u2x = u[4 * p2], u2y = u[4 * p2 + 1], u2z = u[4 * p2 + 2], ir2 = u[4 * p2 + 3];
                    double cos = Math.Clamp(u1x * u2x + u1y * u2y + u1z * u2z, -1.0, 1.0);
                    for (int a = 0; a < nA; a++)
                    {
                        double b = 1.0 + lam[a] * cos;
                        double pm1 = PowM1(b, iz[a], zeta[a]);
                        A[a] = coef[a] * pm1 * b;
                        Ap[a] = coef[a] * zeta[a] * lam[a] * pm1;
                    }
                    double* h2 = h + pair[p2]; double* dh2 = dh + pair[p2];
                    double sc = 0, s1 = 0, s2 = 0;
                    for (int q = 0; q < nQ; q++)
                    {
                        double ta = 0, tap = 0;
                        double* wq = W + q * nA;
                        for (int a = 0; a < nA; a++) { ta += wq[a] * A[a]; tap += wq[a] * Ap[a]; }
                        sc += tap * h1[q * ps] * h2[q * ps];
                        s1 += ta * dh1[q * ps] * h2[q * ps];
                        s2 += ta * h1[q * ps] * dh2[q * ps];
                    }
                    double a1 = sc * ir1, a2 = sc * ir2, b1 = s1 - a1 * cos, b2 = s2 - a2 * cos;
                    f1x += a1 * u2x + b1 * u1x; f1y += a1 * u2y + b1 * u1y; f1z += a1 * u2z + b1 * u1z;
                    double* fe2 = fe + 4 * p2;
                    fe2[0] += a2 * u1x + b2 * u2x; fe2[1] += a2 * u1y + b2 * u2y; fe2[2] += a2 * u1z + b2 * u2z;
                }
                double* fe1 = fe + 4 * p1;
                fe1[0] += f1x; fe1[1] += f1y; fe1[2] += f1z;
            }
        }
    }

    // ---------------------------------------------------------------- full Jacobian (ComputeWithDerivatives)

    private void TripletDerivatives(ReadOnlySpan<double> r, ReadOnlySpan<double> u, ReadOnlySpan<int> pair, Span<double> g, Span<double> block)
    {
        int m = r.Length, blk = _nf * 3, ps = _ps;
        double rmax = _maxG5Rc;
        var h = _h; var dh = _dh;
        var di = block[..blk];
        for (int p1 = 0; p1 < m - 1; p1++)
        {
            double r1 = r[p1];
            if (!(r1 < rmax)) continue;
            double u1x = u[4 * p1], u1y = u[4 * p1 + 1], u1z = u[4 * p1 + 2];
            int n1 = pair[p1];
            var d1 = block.Slice((1 + p1) * blk, blk);
            for (int p2 = p1 + 1; p2 < m; p2++)
            {
                double r2 = r[p2];
                if (!(r2 < rmax)) continue;
                double u2x = u[4 * p2], u2y = u[4 * p2 + 1], u2z = u[4 * p2 + 2];
                int n2 = pair[p2];
                double cos = Math.Clamp(u1x * u2x + u1y * u2y + u1z * u2z, -1.0, 1.0);
                Angular(cos, true);
                // dcos/dr_j1 = (u2 - cos u1)/r1, dcos/dr_j2 = (u1 - cos u2)/r2
                double c1x = (u2x - cos * u1x) / r1, c1y = (u2y - cos * u1y) / r1, c1z = (u2z - cos * u1z) / r1;
                double c2x = (u1x - cos * u2x) / r2, c2y = (u1y - cos * u2y) / r2, c2z = (u1z - cos * u2z) / r2;
                var d2 = block.Slice((1 + p2) * blk, blk);
                for (int t = 0; t < _nG5; t++)
                {
                    int q = _g5Q[t], a = _g5A[t], o = _g5Out[t] * 3;
                    double h1 = h[q * ps + n1], h2 = h[q * ps + n2], dh1 = dh[q * ps + n1], dh2 = dh[q * ps + n2];
                    double rad = h1 * h2;
                    double A = _A[a];
                    g[_g5Out[t]] += A * rad;
                    double sc = _Ap[a] * rad, s1 = A * dh1 * h2, s2 = A * h1 * dh2;
                    double v1x = sc * c1x + s1 * u1x, v1y = sc * c1y + s1 * u1y, v1z = sc * c1z + s1 * u1z;
                    double v2x = sc * c2x + s2 * u2x, v2y = sc * c2y + s2 * u2y, v2z = sc * c2z + s2 * u2z;
                    d1[o] += v1x; d1[o + 1] += v1y; d1[o + 2] += v1z;
                    d2[o] += v2x; d2[o + 1] += v2y; d2[o + 2] += v2z;
                    di[o] -= v1x + v2x; di[o + 1] -= v1y + v2y; di[o + 2] -= v1z + v2z;
                }
            }
        }
    }

    /// <summary>Angular terms A_a = 2^(1-zeta) (1 + lambda cos)^zeta and (when wanted) dA_a/dcos.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Angular(double cos, bool withDerivative)
    {
        for (int a = 0; a < _nA; a++)
        {
            double lam = _aLambda[a];
            double b = 1.0 + lam * cos;
            double pm1 = PowM1(b, _aIntZeta[a], _aZeta[a]);
            double coef = _aCoef[a];
            _A[a] = coef * pm1 * b;
            if (withDerivative) _Ap[a] = coef * _aZeta[a] * lam * pm1;
        }
    }

    /// <summary>b^(zeta-1), by multiplication for integer zeta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double PowM1(double b, int iz, double zeta)
    {
        switch (iz)
        {
            case 1: return 1.0;
            case 2: return b;
            case 3: return b * b;
            case 4: return b * b * b;
            default:
                if (iz > 0) { double p = 1.0; for (int t = 1; t < iz; t++) p *= b; return p; }
                return Math.Pow(b, zeta - 1.0);
        }
    }
}
