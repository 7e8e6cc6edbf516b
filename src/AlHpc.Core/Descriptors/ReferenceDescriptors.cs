namespace AlHpc.Descriptors;

/// <summary>
/// Plain, obviously correct evaluation of the Behler2011 G2/G5 functions straight from their
/// definitions (all pairs and all triplets, O(n^3)); the ground truth that <see cref="DescriptorEngine"/>
/// is tested against. Units: A, A^-2.
/// <code>
/// fc(r)  = 1/2 [cos(pi r / Rc) + 1] for r &lt; Rc, else 0
/// G2_i   = sum_{j != i} exp(-eta (r_ij - Rs)^2) fc(r_ij)
/// G5_i   = 2^(1-zeta) sum_{j &lt; k; j, k != i} (1 + lambda cos theta_ijk)^zeta exp(-eta (r_ij^2 + r_ik^2)) fc(r_ij) fc(r_ik)
/// </code>
/// with cos theta_ijk clamped to [-1, 1] (aenet).
/// </summary>
public static class ReferenceDescriptors
{
    public static double Cutoff(double r, double rc) => r < rc ? 0.5 * (Math.Cos(Math.PI * r / rc) + 1.0) : 0.0;

    /// <summary>Descriptors of every atom: nAtoms x setup.Count, row-major, setup order.</summary>
    public static double[] Compute(DescriptorSetup setup, ReadOnlySpan<double> positions)
    {
        int n = positions.Length / 3, nf = setup.Count;
        var g = new double[n * nf];
        for (int i = 0; i < n; i++)
            for (int f = 0; f < nf; f++)
                g[i * nf + f] = Evaluate(setup.Functions[f], positions, i);
        return g;
    }

    /// <summary>One function of one atom.</summary>
    public static double Evaluate(SymmetryFunction sf, ReadOnlySpan<double> p, int i)
    {
        int n = p.Length / 3;
        double sum = 0;
        if (sf.Kind == SymmetryFunctionKind.G2)
        {
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double r = Dist(p, i, j);
                sum += Math.Exp(-sf.Eta * (r - sf.Rs) * (r - sf.Rs)) * Cutoff(r, sf.Rc);
            }
            return sum;
        }
        for (int j = 0; j < n; j++)
        {
            if (j == i) continue;
            for (int k = j + 1; k < n; k++)
            {
                if (k == i) continue;
                double rij = Dist(p, i, j), rik = Dist(p, i, k);
                double dot = (p[3 * j] - p[3 * i]) * (p[3 * k] - p[3 * i])
                           + (p[3 * j + 1] - p[3 * i + 1]) * (p[3 * k + 1] - p[3 * i + 1])
                           + (p[3 * j + 2] - p[3 * i + 2]) * (p[3 * k + 2] - p[3 * i + 2]);
                double cos = Math.Clamp(dot / (rij * rik), -1.0, 1.0);
                sum += Math.Pow(1.0 + sf.Lambda * cos, sf.Zeta) * Math.Exp(-sf.Eta * (rij * rij + rik * rik))
                       * Cutoff(rij, sf.Rc) * Cutoff(rik, sf.Rc);
            }
        }
        return Math.Pow(2.0, 1.0 - sf.Zeta) * sum;
    }

    /// <summary>
    /// Dense derivatives by central finite differences of <see cref="Compute"/>: d[(i*nF + f)*3N + 3j + c] =
    /// dG_if / dr_jc (for tests; step h in A).
    /// </summary>
    public static double[] FiniteDifferenceDerivatives(DescriptorSetup setup, ReadOnlySpan<double> positions, double h = 1e-5)
    {
        int n = positions.Length / 3, nf = setup.Count, m = 3 * n;
        var d = new double[n * nf * m];
        var p = positions.ToArray();
        for (int q = 0; q < m; q++)
        {
            double x0 = p[q];
            p[q] = x0 + h; var gp = Compute(setup, p);
            p[q] = x0 - h; var gm = Compute(setup, p);
            p[q] = x0;
            for (int a = 0; a < n * nf; a++) d[a * m + q] = (gp[a] - gm[a]) / (2 * h);
        }
        return d;
    }

    private static double Dist(ReadOnlySpan<double> p, int i, int j)
    {
        double dx = p[3 * j] - p[3 * i], dy = p[3 * j + 1] - p[3 * i + 1], dz = p[3 * j + 2] - p[3 * i + 2];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }
}
