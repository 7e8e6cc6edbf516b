using System.Runtime.CompilerServices;

namespace AlHpc.Potentials;

/// <summary>
/// The scalar functions of the Tersoff form exactly as LAMMPS' pair_tersoff defines them (including its
/// asymptotic branches of b(zeta), which differ from the closed form by less than 1e-15 relative).
/// A struct of precomputed constants so the hot loops make no virtual calls.
/// </summary>
internal readonly struct TersoffKernel
{
    public readonly double A, B, Lambda1, Lambda2, Lambda3, Gamma, C2, D2, H, N, Beta, R, BigD;
    public readonly double Cutoff, InnerCutoff;
    public readonly bool Cubic;      // m == 3
    public readonly bool NoExp;      // lambda3 == 0: the exponential factor is exactly 1
    private readonly double _c1, _c2, _c3, _c4, _inv2n, _halfPiOverD;

    public TersoffKernel(TersoffParameters p)
    {
        A = p.A; B = p.B; Lambda1 = p.Lambda1; Lambda2 = p.Lambda2; Lambda3 = p.Lambda3; Gamma = p.Gamma;
        C2 = p.C * p.C; D2 = p.D * p.D; H = p.CosTheta0; N = p.N; Beta = p.Beta; R = p.R; BigD = p.BigD;
        Cutoff = p.R + p.BigD; InnerCutoff = p.R - p.BigD;
        Cubic = p.M == 3;
        NoExp = p.Lambda3 == 0;
        _c1 = Math.Pow(2.0 * N * 1.0e-16, -1.0 / N);
        _c2 = Math.Pow(2.0 * N * 1.0e-8, -1.0 / N);
        _c3 = 1.0 / _c2;
        _c4 = 1.0 / _c1;
        _inv2n = 1.0 / (2.0 * N);
        _halfPiOverD = Math.PI / 2 / BigD;
    }

    /// <summary>Cutoff function fC(r) and its derivative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Fc(double r, out double dfc)
    {
        if (r < InnerCutoff) { dfc = 0; return 1.0; }
        if (r > Cutoff) { dfc = 0; return 0.0; }
        double arg = _halfPiOverD * (r - R);
        dfc = -0.5 * _halfPiOverD * Math.Cos(arg);
        return 0.5 * (1.0 - Math.Sin(arg));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Fc(double r)
    {
        if (r < InnerCutoff) return 1.0;
        if (r > Cutoff) return 0.0;
        return 0.5 * (1.0 - Math.Sin(_halfPiOverD * (r - R)));
    }

    /// <summary>Angular function g(cos theta) and its derivative with respect to cos theta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double G(double cos, out double dg)
    {
        double hc = H - cos;
        double den = 1.0 / (D2 + hc * hc);
        dg = -2.0 * Gamma * C2 * hc * den * den;
        return Gamma * (1.0 + C2 / D2 - C2 * den);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double G(double cos)
    {
        double hc = H - cos;
        return Gamma * (1.0 + C2 / D2 - C2 / (D2 + hc * hc));
    }

    /// <summary>exp[(lambda3 (rij - rik))^m] as LAMMPS clamps it, and its derivative with respect to (rij - rik).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Ex(double delta, out double dex)
    {
        if (NoExp) { dex = 0; return 1.0; }
        double t = Lambda3 * delta;
        double arg, darg;
        if (Cubic) { arg = t * t * t; darg = 3.0 * t * t * Lambda3; }
        else { arg = t; darg = Lambda3; }
        if (arg > 69.0776) { dex = 0; return 1.0e30; }
        if (arg < -69.0776) { dex = 0; return 0.0; }
        double e = Math.Exp(arg);
        dex = e * darg;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Ex(double delta)
    {
        if (NoExp) return 1.0;
        double t = Lambda3 * delta;
        double arg = Cubic ? t * t * t : t;
        if (arg > 69.0776) return 1.0e30;
        if (arg < -69.0776) return 0.0;
        return Math.Exp(arg);
    }

    /// <summary>Bond order b(zeta) (LAMMPS ters_bij).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Bij(double zeta)
    {
        double tmp = Beta * zeta;
        if (tmp > _c1) return 1.0 / Math.Sqrt(tmp);
        if (tmp > _c2) return (1.0 - Math.Pow(tmp, -N) * _inv2n) / Math.Sqrt(tmp);
        if (tmp < _c4) return 1.0;
        if (tmp < _c3) return 1.0 - Math.Pow(tmp, N) * _inv2n;
        return Math.Pow(1.0 + Math.Pow(tmp, N), -_inv2n);
    }

    /// <summary>Bond order and its derivative db/dzeta (LAMMPS ters_bij, ters_bij_d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Bij(double zeta, out double db)
    {
        double tmp = Beta * zeta;
        if (tmp > _c1) { db = Beta * -0.5 * Math.Pow(tmp, -1.5); return 1.0 / Math.Sqrt(tmp); }
        if (tmp > _c2)
        {
            double tn = Math.Pow(tmp, -N);
            db = Beta * (-0.5 * Math.Pow(tmp, -1.5) * (1.0 - (1.0 + _inv2n) * tn));
            return (1.0 - tn * _inv2n) / Math.Sqrt(tmp);
        }
        if (tmp < _c4) { db = 0; return 1.0; }
        if (tmp < _c3) { db = -0.5 * Beta * Math.Pow(tmp, N - 1.0); return 1.0 - Math.Pow(tmp, N) * _inv2n; }
        double tmpN = Math.Pow(tmp, N);
        double onePlus = 1.0 + tmpN;
        double b = Math.Pow(onePlus, -_inv2n);
        // d/dzeta (1 + (beta zeta)^n)^(-1/2n) = -1/2 (1+t^n)^(-1-1/2n) t^n / zeta
        db = -0.5 * b / onePlus * tmpN / zeta;
        return b;
    }

    /// <summary>
    /// Site energy of a centre bead (eV): sum over its neighbours j of
    /// 1/2 fC(r_ij) [A exp(-lambda1 r_ij) - b_ij B exp(-lambda2 r_ij)], from the neighbour vectors
    /// (r_j - r_i in dx/dy/dz, lengths in r, all below the cutoff). The total energy is the sum of site energies.
    /// </summary>
    public double SiteEnergy(ReadOnlySpan<double> dx, ReadOnlySpan<double> dy, ReadOnlySpan<double> dz, ReadOnlySpan<double> r)
    {
        int n = r.Length;
        double e = 0;
        for (int a = 0; a < n; a++)
        {
            double ra = r[a];
            double fc = Fc(ra);
            if (fc == 0) continue;
            double zeta = 0;
            double inva = 1.0 / ra;
            for (int b = 0; b < n; b++)
            {
                if (b == a) continue;
                double rb = r[b];
                double fcb = Fc(rb);
                if (fcb == 0) continue;
                double cos = (dx[a] * dx[b] + dy[a] * dy[b] + dz[a] * dz[b]) * inva / rb;
                zeta += fcb * G(cos) * Ex(ra - rb);
            }
            double bij = Bij(zeta);
            e += 0.5 * fc * (A * Math.Exp(-Lambda1 * ra) - bij * B * Math.Exp(-Lambda2 * ra));
        }
        return e;
    }
}
