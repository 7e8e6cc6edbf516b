using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AlHpc.Geometry;

namespace AlHpc.Descriptors;

/// <summary>
/// Fast Behler2011 G2/G5 descriptors (same definitions as <see cref="ReferenceDescriptors"/>) and their
/// position derivatives for non-periodic clusters. Units: positions A, eta A^-2.
/// <para>
/// Work sharing: per unordered pair one SinCos per distinct cutoff and one vectorised exp batch for every
/// G2 term and every distinct G5 radial factor exp(-eta r^2) fc(r); both directions of the pair reuse it
/// (the neighbour lists are sorted, so the reverse entry is found by a moving cursor). Per triplet
/// the distinct (lambda, zeta) angular terms and the distinct (eta, Rc) radial products are computed once and
/// combined into every G5 function.
/// </para>
/// <para>
/// Not thread safe: one engine per thread (they are cheap). Nothing is allocated per call once the
/// buffers have grown to the largest cluster seen. Outputs are row-major nAtoms x <see cref="FunctionCount"/>
/// in setup order.
/// </para>
/// </summary>
public sealed class DescriptorEngine
{
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
    private readonly double[] _acc, _W;
    private readonly double _maxG5Rc;
    private readonly int _nExp; // padded exp batch per pair: [G2 ... | G5 radial ...]

    private readonly NeighbourList _nl = new();
    private readonly DescriptorDerivatives _deriv = new();
    private double[] _g2d = new double[16], _h = new double[16], _dh = new double[16];
    private int[] _cursor = new int[16];
    private bool _cacheValid;

    // scratch
    private readonly double[] _args, _exps, _fc, _dfc, _A, _Ap, _R, _tA, _tAp, _g2v;
    // local environment scratch (ComputeAtom)
    private double[] _lg2d = new double[16], _lh = new double[16], _ldh = new double[16];

    public DescriptorEngine(DescriptorSetup setup)
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
        _acc = new double[Math.Max(1, Math.Max(_nQ * _nA, _nG5))];
        _W = new double[Math.Max(1, _nQ * _nA)];
        int vc = Vector512.IsHardwareAccelerated ? 8 : Vector<double>.Count;
        _nExp = Math.Max(vc, (_nG2 + _nQ + vc - 1) / vc * vc);
        _args = new double[_nExp]; _exps = new double[_nExp];
        _fc = new double[_nCut]; _dfc = new double[_nCut];
        _A = new double[Math.Max(1, _nA)]; _Ap = new double[Math.Max(1, _nA)];
        _R = new double[Math.Max(1, _nQ)]; _tA = new double[Math.Max(1, _nQ)]; _tAp = new double[Math.Max(1, _nQ)];
        _g2v = new double[Math.Max(1, _nG2)];
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
        var start = _nl.Start;
        for (int i = 0; i < n; i++)
        {
            int st = start[i], en = start[i + 1];
            if (en - st < 2 || _nG5 == 0) continue;
            Triplets(_nl.Dx[st..en], _nl.Dy[st..en], _nl.Dz[st..en], _nl.R[st..en],
                     _h.AsSpan(st * _nQ, (en - st) * _nQ), values.Slice(i * _nf, _nf));
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
        int blk = _nf * 3;
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
                double r = _nl.R[p], ux = _nl.Dx[p] / r, uy = _nl.Dy[p] / r, uz = _nl.Dz[p] / r;
                var dj = block.Slice((1 + p - st) * blk, blk);
                for (int k = 0; k < _nG2; k++)
                {
                    double s = _g2d[p * _nG2 + k];
                    int o = _g2Out[k] * 3;
                    dj[o] += s * ux; dj[o + 1] += s * uy; dj[o + 2] += s * uz;
                    block[o] -= s * ux; block[o + 1] -= s * uy; block[o + 2] -= s * uz;
                }
            }
            if (en - st >= 2 && _nG5 > 0)
                TripletDerivatives(_nl.Dx[st..en], _nl.Dy[st..en], _nl.Dz[st..en], _nl.R[st..en],
                    _h.AsSpan(st * _nQ, (en - st) * _nQ), _dh.AsSpan(st * _nQ, (en - st) * _nQ),
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
        int n = _nl.AtomCount;
        if (dEdG.Length < n * _nf) throw new ArgumentException("dEdG too short", nameof(dEdG));
        if (forces.Length < 3 * n) throw new ArgumentException("forces too short", nameof(forces));
        var start = _nl.Start; var idx = _nl.Index; var dx = _nl.Dx; var dy = _nl.Dy; var dz = _nl.Dz; var rr = _nl.R;
        for (int i = 0; i < n; i++)
        {
            int st = start[i], en = start[i + 1];
            if (st == en) continue;
            var gr = dEdG.Slice(i * _nf, _nf);
            double fix = 0, fiy = 0, fiz = 0;
            if (_nG2 > 0)
            {
                for (int k = 0; k < _nG2; k++) _g2v[k] = gr[_g2Out[k]];
                for (int p = st; p < en; p++)
                {
                    var g2d = _g2d.AsSpan(p * _nG2, _nG2);
                    double s = 0;
                    for (int k = 0; k < g2d.Length; k++) s += _g2v[k] * g2d[k];
                    double r = rr[p];
                    double vx = s * dx[p] / r, vy = s * dy[p] / r, vz = s * dz[p] / r;
                    int j = idx[p];
                    forces[3 * j] -= vx; forces[3 * j + 1] -= vy; forces[3 * j + 2] -= vz;
                    fix += vx; fiy += vy; fiz += vz;
                }
            }
            forces[3 * i] += fix; forces[3 * i + 1] += fiy; forces[3 * i + 2] += fiz;
            if (en - st >= 2 && _nG5 > 0)
                TripletForces(i, idx[st..en], dx[st..en], dy[st..en], dz[st..en], rr[st..en],
                    _h.AsSpan(st * _nQ, (en - st) * _nQ), _dh.AsSpan(st * _nQ, (en - st) * _nQ), gr, forces);
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
        if (_lh.Length < m * Math.Max(1, _nQ)) { _lh = new double[2 * m * Math.Max(1, _nQ)]; _ldh = new double[_lh.Length]; }
        if (_lg2d.Length < m * Math.Max(1, _nG2)) _lg2d = new double[2 * m * Math.Max(1, _nG2)];
        for (int p = 0; p < m; p++)
        {
            if (!(r[p] < Cutoff)) { for (int q = 0; q < _nQ; q++) _lh[p * _nQ + q] = 0; continue; }
            PairTerms(r[p], _lg2d.AsSpan(p * _nG2, _nG2), _lh.AsSpan(p * _nQ, _nQ), _ldh.AsSpan(p * _nQ, _nQ));
            for (int k = 0; k < _nG2; k++) g[_g2Out[k]] += _g2v[k];
        }
        if (m >= 2 && _nG5 > 0) Triplets(dx, dy, dz, r, _lh.AsSpan(0, m * _nQ), g);
    }

    // ---------------------------------------------------------------- internals

    /// <summary>Per unordered pair: G2 terms into both atoms' rows, caches g2d/h/dh for both directions.</summary>
    private void PairPass(Span<double> values)
    {
        int n = _nl.AtomCount, np = _nl.PairCount;
        values.Clear();
        if (_g2d.Length < np * _nG2) _g2d = new double[Math.Max(np * _nG2, 2 * _g2d.Length)];
        if (_h.Length < np * _nQ) { _h = new double[Math.Max(np * _nQ, 2 * _h.Length)]; _dh = new double[_h.Length]; }
        if (_cursor.Length < n) _cursor = new int[Math.Max(n, 2 * _cursor.Length)];
        var start = _nl.Start; var idx = _nl.Index; var rr = _nl.R;
        for (int i = 0; i < n; i++) _cursor[i] = start[i];
        for (int i = 0; i < n; i++)
        {
            int en = start[i + 1];
            // skip entries j < i: already filled by the reverse pass
            int p = _cursor[i];
            for (; p < en; p++)
            {
                int j = idx[p];
                int pr = _cursor[j]++;
                Debug.Assert(idx[pr] == i);
                var g2d = _g2d.AsSpan(p * _nG2, _nG2);
                var h = _h.AsSpan(p * _nQ, _nQ);
                var dh = _dh.AsSpan(p * _nQ, _nQ);
                PairTerms(rr[p], g2d, h, dh);
                g2d.CopyTo(_g2d.AsSpan(pr * _nG2, _nG2));
                h.CopyTo(_h.AsSpan(pr * _nQ, _nQ));
                dh.CopyTo(_dh.AsSpan(pr * _nQ, _nQ));
                var gi = values.Slice(i * _nf, _nf);
                var gj = values.Slice(j * _nf, _nf);
                for (int k = 0; k < _nG2; k++) { double v = _g2v[k]; gi[_g2Out[k]] += v; gj[_g2Out[k]] += v; }
            }
            _cursor[i] = en;
        }
    }

    /// <summary>Terms of one pair at distance r: G2 values into _g2v, G2 derivatives d/dr, G5 radial factors h and dh/dr.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PairTerms(double r, Span<double> g2d, Span<double> h, Span<double> dh)
    {
        for (int c = 0; c < _nCut; c++)
        {
            double rc = _cutRc[c];
            if (r < rc)
            {
                var (s, co) = Math.SinCos(Math.PI * r / rc);
                _fc[c] = 0.5 * (co + 1.0);
                _dfc[c] = -0.5 * Math.PI / rc * s;
            }
            else { _fc[c] = 0; _dfc[c] = 0; }
        }
        var args = _args;
        for (int k = 0; k < _nG2; k++) { double t = r - _g2Rs[k]; args[k] = -_g2Eta[k] * t * t; }
        double r2 = r * r;
        for (int q = 0; q < _nQ; q++) args[_nG2 + q] = -_qEta[q] * r2;
        ExpBatch(args, _exps);
        for (int k = 0; k < _nG2; k++)
        {
            int c = _g2Cut[k];
            double e = _exps[k], fc = _fc[c];
            _g2v[k] = e * fc;
            g2d[k] = e * (_dfc[c] - 2.0 * _g2Eta[k] * (r - _g2Rs[k]) * fc);
        }
        for (int q = 0; q < _nQ; q++)
        {
            int c = _qCut[q];
            double e = _exps[_nG2 + q], fc = _fc[c];
            h[q] = e * fc;
            dh[q] = e * (_dfc[c] - 2.0 * _qEta[q] * r * fc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExpBatch(double[] args, double[] result)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var a = MemoryMarshal.Cast<double, Vector512<double>>(args.AsSpan());
            var o = MemoryMarshal.Cast<double, Vector512<double>>(result.AsSpan());
            for (int k = 0; k < a.Length; k++) o[k] = Vector512.Exp(a[k]);
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var a = MemoryMarshal.Cast<double, Vector<double>>(args.AsSpan());
            var o = MemoryMarshal.Cast<double, Vector<double>>(result.AsSpan());
            for (int k = 0; k < a.Length; k++) o[k] = Vector.Exp(a[k]);
        }
        else
        {
            for (int k = 0; k < args.Length; k++) result[k] = Math.Exp(args[k]);
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

    /// <summary>Dense-grid triplet sum for one atom with raw pointers (hot path of energies).</summary>
    private unsafe void TripletsDense(int m, double* dx, double* dy, double* dz, double* r, double* h, double* acc)
    {
        int nQ = _nQ, nA = _nA;
        double rmax = _maxG5Rc;
        double* A = stackalloc double[nA];
        // unit vectors once per neighbour (stack for ordinary environments)
        double* stackU = stackalloc double[3 * 128];
        double* u = m <= 128 ? stackU : (double*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)(3 * m), sizeof(double));
        try
        {
        for (int p = 0; p < m; p++)
        {
            double inv = 1.0 / r[p];
            u[3 * p] = dx[p] * inv; u[3 * p + 1] = dy[p] * inv; u[3 * p + 2] = dz[p] * inv;
        }
        fixed (double* lam = _aLambda, coef = _aCoef, zeta = _aZeta)
        fixed (int* iz = _aIntZeta)
        {
            for (int p1 = 0; p1 < m - 1; p1++)
            {
                double r1 = r[p1];
                if (!(r1 < rmax)) continue;
                double x1 = u[3 * p1], y1 = u[3 * p1 + 1], z1 = u[3 * p1 + 2];
                double* h1 = h + p1 * nQ;
                for (int p2 = p1 + 1; p2 < m; p2++)
                {
                    double r2 = r[p2];
                    if (!(r2 < rmax)) continue;
                    double cos = x1 * u[3 * p2] + y1 * u[3 * p2 + 1] + z1 * u[3 * p2 + 2];
                    cos = Math.Clamp(cos, -1.0, 1.0);
                    for (int a = 0; a < nA; a++)
                    {
                        double b = 1.0 + lam[a] * cos;
                        A[a] = coef[a] * PowM1(b, iz[a], zeta[a]) * b;
                    }
                    double* h2 = h + p2 * nQ;
                    for (int q = 0; q < nQ; q++)
                    {
                        double rq = h1[q] * h2[q];
                        double* row = acc + q * nA;
                        for (int a = 0; a < nA; a++) row[a] += rq * A[a];
                    }
                }
            }
        }
        }
        finally
        {
            if (m > 128) System.Runtime.InteropServices.NativeMemory.Free(u);
        }
    }

    private void Triplets(ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz, ReadOnlySpan<double> r,
                          ReadOnlySpan<double> h, Span<double> g)
    {
        int m = r.Length, nQ = _nQ, nA = _nA;
        double rmax = _maxG5Rc;
        var acc = _acc.AsSpan();
        acc.Clear();
        var A = _A.AsSpan(0, nA);
        var R = _R.AsSpan(0, nQ);
        if (_dense)
        {
            unsafe
            {
                fixed (double* pdx = dx, pdy = dy, pdz = dz, pr = r, ph = h, pacc = acc)
                    TripletsDense(m, pdx, pdy, pdz, pr, ph, pacc);
            }
            for (int k = 0; k < nQ * nA; k++) { int o = _qaOut[k]; if (o >= 0) g[o] += acc[k]; }
            return;
        }
        for (int p1 = 0; p1 < m - 1; p1++)
        {
            double r1 = r[p1];
            if (!(r1 < rmax)) continue;
            double x1 = dx[p1] / r1, y1 = dy[p1] / r1, z1 = dz[p1] / r1;
            var h1 = h.Slice(p1 * nQ, nQ);
            for (int p2 = p1 + 1; p2 < m; p2++)
            {
                double r2 = r[p2];
                if (!(r2 < rmax)) continue;
                double cos = (x1 * dx[p2] + y1 * dy[p2] + z1 * dz[p2]) / r2;
                cos = Math.Clamp(cos, -1.0, 1.0);
                Angular(cos, false);
                var h2 = h.Slice(p2 * nQ, nQ);
                if (_dense)
                {
                    for (int q = 0; q < nQ; q++)
                    {
                        double rq = h1[q] * h2[q];
                        var row = acc.Slice(q * nA, nA);
                        for (int a = 0; a < A.Length; a++) row[a] += rq * A[a];
                    }
                }
                else
                {
                    for (int q = 0; q < nQ; q++) R[q] = h1[q] * h2[q];
                    for (int t = 0; t < _nG5; t++) acc[t] += A[_g5A[t]] * R[_g5Q[t]];
                }
            }
        }
        if (_dense)
        {
            for (int k = 0; k < nQ * nA; k++) { int o = _qaOut[k]; if (o >= 0) g[o] += acc[k]; }
        }
        else
        {
            for (int t = 0; t < _nG5; t++) g[_g5Out[t]] += acc[t];
        }
    }

    private void TripletDerivatives(ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz, ReadOnlySpan<double> r,
                                    ReadOnlySpan<double> h, ReadOnlySpan<double> dh, Span<double> g, Span<double> block)
    {
        int m = r.Length, nQ = _nQ, blk = _nf * 3;
        double rmax = _maxG5Rc;
        var di = block[..blk];
        for (int p1 = 0; p1 < m - 1; p1++)
        {
            double r1 = r[p1];
            if (!(r1 < rmax)) continue;
            double u1x = dx[p1] / r1, u1y = dy[p1] / r1, u1z = dz[p1] / r1;
            var h1 = h.Slice(p1 * nQ, nQ); var dh1 = dh.Slice(p1 * nQ, nQ);
            var d1 = block.Slice((1 + p1) * blk, blk);
            for (int p2 = p1 + 1; p2 < m; p2++)
            {
                double r2 = r[p2];
                if (!(r2 < rmax)) continue;
                double u2x = dx[p2] / r2, u2y = dy[p2] / r2, u2z = dz[p2] / r2;
                double cos = Math.Clamp(u1x * u2x + u1y * u2y + u1z * u2z, -1.0, 1.0);
                Angular(cos, true);
                // dcos/dr_j1 = (u2 - cos u1)/r1, dcos/dr_j2 = (u1 - cos u2)/r2
                double c1x = (u2x - cos * u1x) / r1, c1y = (u2y - cos * u1y) / r1, c1z = (u2z - cos * u1z) / r1;
                double c2x = (u1x - cos * u2x) / r2, c2y = (u1y - cos * u2y) / r2, c2z = (u1z - cos * u2z) / r2;
                var h2 = h.Slice(p2 * nQ, nQ); var dh2 = dh.Slice(p2 * nQ, nQ);
                var d2 = block.Slice((1 + p2) * blk, blk);
                for (int t = 0; t < _nG5; t++)
                {
                    int q = _g5Q[t], a = _g5A[t], o = _g5Out[t] * 3;
                    double rad = h1[q] * h2[q];
                    double A = _A[a];
                    g[_g5Out[t]] += A * rad;
                    double sc = _Ap[a] * rad, s1 = A * dh1[q] * h2[q], s2 = A * h1[q] * dh2[q];
                    double v1x = sc * c1x + s1 * u1x, v1y = sc * c1y + s1 * u1y, v1z = sc * c1z + s1 * u1z;
                    double v2x = sc * c2x + s2 * u2x, v2y = sc * c2y + s2 * u2y, v2z = sc * c2z + s2 * u2z;
                    d1[o] += v1x; d1[o + 1] += v1y; d1[o + 2] += v1z;
                    d2[o] += v2x; d2[o + 1] += v2y; d2[o + 2] += v2z;
                    di[o] -= v1x + v2x; di[o + 1] -= v1y + v2y; di[o + 2] -= v1z + v2z;
                }
            }
        }
        // values were already accumulated by the caller's pair pass for G2 only; G5 values added above.
    }

    private void TripletForces(int i, ReadOnlySpan<int> idx, ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz,
                               ReadOnlySpan<double> r, ReadOnlySpan<double> h, ReadOnlySpan<double> dh, ReadOnlySpan<double> gr, Span<double> forces)
    {
        int m = r.Length, nQ = _nQ, nA = _nA;
        double rmax = _maxG5Rc;
        double fix = 0, fiy = 0, fiz = 0;
        // dE_i/dG for every (q, a) combination (sums functions that share one)
        var W = _W.AsSpan(0, nQ * nA);
        W.Clear();
        for (int t = 0; t < _nG5; t++) W[_g5Q[t] * nA + _g5A[t]] += gr[_g5Out[t]];
        if (m <= 128)
        {
            unsafe
            {
                fixed (int* pidx = idx)
                fixed (double* pdx = dx, pdy = dy, pdz = dz, pr = r, ph = h, pdh = dh, pW = W, pf = forces)
                    TripletForcesFast(i, m, pidx, pdx, pdy, pdz, pr, ph, pdh, pW, pf);
            }
            return;
        }
        for (int p1 = 0; p1 < m - 1; p1++)
        {
            double r1 = r[p1];
            if (!(r1 < rmax)) continue;
            double u1x = dx[p1] / r1, u1y = dy[p1] / r1, u1z = dz[p1] / r1;
            var h1 = h.Slice(p1 * nQ, nQ); var dh1 = dh.Slice(p1 * nQ, nQ);
            double f1x = 0, f1y = 0, f1z = 0;
            for (int p2 = p1 + 1; p2 < m; p2++)
            {
                double r2 = r[p2];
                if (!(r2 < rmax)) continue;
                double u2x = dx[p2] / r2, u2y = dy[p2] / r2, u2z = dz[p2] / r2;
                double cos = Math.Clamp(u1x * u2x + u1y * u2y + u1z * u2z, -1.0, 1.0);
                Angular(cos, true);
                for (int q = 0; q < nQ; q++)
                {
                    double ta = 0, tap = 0;
                    var wq = W.Slice(q * nA, nA);
                    for (int a = 0; a < wq.Length; a++) { ta += wq[a] * _A[a]; tap += wq[a] * _Ap[a]; }
                    _tA[q] = ta; _tAp[q] = tap;
                }
                var h2 = h.Slice(p2 * nQ, nQ); var dh2 = dh.Slice(p2 * nQ, nQ);
                double sc = 0, s1 = 0, s2 = 0;
                for (int q = 0; q < nQ; q++)
                {
                    sc += _tAp[q] * h1[q] * h2[q];
                    s1 += _tA[q] * dh1[q] * h2[q];
                    s2 += _tA[q] * h1[q] * dh2[q];
                }
                double c1x = (u2x - cos * u1x) / r1, c1y = (u2y - cos * u1y) / r1, c1z = (u2z - cos * u1z) / r1;
                double c2x = (u1x - cos * u2x) / r2, c2y = (u1y - cos * u2y) / r2, c2z = (u1z - cos * u2z) / r2;
                double v1x = sc * c1x + s1 * u1x, v1y = sc * c1y + s1 * u1y, v1z = sc * c1z + s1 * u1z;
                double v2x = sc * c2x + s2 * u2x, v2y = sc * c2y + s2 * u2y, v2z = sc * c2z + s2 * u2z;
                f1x += v1x; f1y += v1y; f1z += v1z;
                int j2 = idx[p2];
                forces[3 * j2] -= v2x; forces[3 * j2 + 1] -= v2y; forces[3 * j2 + 2] -= v2z;
                fix += v1x + v2x; fiy += v1y + v2y; fiz += v1z + v2z;
            }
            int j1 = idx[p1];
            forces[3 * j1] -= f1x; forces[3 * j1 + 1] -= f1y; forces[3 * j1 + 2] -= f1z;
        }
        forces[3 * i] += fix; forces[3 * i + 1] += fiy; forces[3 * i + 2] += fiz;
    }
    /// <summary>Pointer version of the triplet force loop (unit vectors precomputed per neighbour, no bounds checks).</summary>
    private unsafe void TripletForcesFast(int i, int m, int* idx, double* dx, double* dy, double* dz, double* r,
                                         double* h, double* dh, double* W, double* forces)
    {
        int nQ = _nQ, nA = _nA;
        double rmax = _maxG5Rc;
        double* ux = stackalloc double[m];
        double* uy = stackalloc double[m];
        double* uz = stackalloc double[m];
        double* ir = stackalloc double[m];
        for (int p = 0; p < m; p++)
        {
            double inv = 1.0 / r[p];
            ir[p] = inv; ux[p] = dx[p] * inv; uy[p] = dy[p] * inv; uz[p] = dz[p] * inv;
        }
        double* A = stackalloc double[nA];
        double* Ap = stackalloc double[nA];
        double* tA = stackalloc double[nQ];
        double* tAp = stackalloc double[nQ];
        double fix = 0, fiy = 0, fiz = 0;
        fixed (double* lam = _aLambda, coef = _aCoef, zeta = _aZeta)
        fixed (int* iz = _aIntZeta)
        {
            for (int p1 = 0; p1 < m - 1; p1++)
            {
                if (!(r[p1] < rmax)) continue;
                double u1x = ux[p1], u1y = uy[p1], u1z = uz[p1], ir1 = ir[p1];
                double* h1 = h + p1 * nQ; double* dh1 = dh + p1 * nQ;
                double f1x = 0, f1y = 0, f1z = 0;
                for (int p2 = p1 + 1; p2 < m; p2++)
                {
                    if (!(r[p2] < rmax)) continue;
                    double u2x = ux[p2], u2y = uy[p2], u2z = uz[p2], ir2 = ir[p2];
                    double cos = Math.Clamp(u1x * u2x + u1y * u2y + u1z * u2z, -1.0, 1.0);
                    for (int a = 0; a < nA; a++)
                    {
                        double b = 1.0 + lam[a] * cos;
                        double pm1 = PowM1(b, iz[a], zeta[a]);
                        A[a] = coef[a] * pm1 * b;
                        Ap[a] = coef[a] * zeta[a] * lam[a] * pm1;
                    }
                    for (int q = 0; q < nQ; q++)
                    {
                        double ta = 0, tap = 0;
                        double* wq = W + q * nA;
                        for (int a = 0; a < nA; a++) { ta += wq[a] * A[a]; tap += wq[a] * Ap[a]; }
                        tA[q] = ta; tAp[q] = tap;
                    }
                    double* h2 = h + p2 * nQ; double* dh2 = dh + p2 * nQ;
                    double sc = 0, s1 = 0, s2 = 0;
                    for (int q = 0; q < nQ; q++)
                    {
                        sc += tAp[q] * h1[q] * h2[q];
                        s1 += tA[q] * dh1[q] * h2[q];
                        s2 += tA[q] * h1[q] * dh2[q];
                    }
                    double a1 = sc * ir1, a2 = sc * ir2;
                    double v1x = a1 * (u2x - cos * u1x) + s1 * u1x, v1y = a1 * (u2y - cos * u1y) + s1 * u1y, v1z = a1 * (u2z - cos * u1z) + s1 * u1z;
                    double v2x = a2 * (u1x - cos * u2x) + s2 * u2x, v2y = a2 * (u1y - cos * u2y) + s2 * u2y, v2z = a2 * (u1z - cos * u2z) + s2 * u2z;
                    f1x += v1x; f1y += v1y; f1z += v1z;
                    double* fj2 = forces + 3 * idx[p2];
                    fj2[0] -= v2x; fj2[1] -= v2y; fj2[2] -= v2z;
                    fix += v1x + v2x; fiy += v1y + v2y; fiz += v1z + v2z;
                }
                double* fj1 = forces + 3 * idx[p1];
                fj1[0] -= f1x; fj1[1] -= f1y; fj1[2] -= f1z;
            }
        }
        forces[3 * i] += fix; forces[3 * i + 1] += fiy; forces[3 * i + 2] += fiz;
    }
}
