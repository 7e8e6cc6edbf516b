using AlHpc.Descriptors;
using Xunit;

namespace AlHpc.Tests.Descriptors;

/// <summary>G2/G5 values worked out by hand on 2-, 3- and 4-bead structures.</summary>
public class SymmetryFunctionValueTests
{
    private const double Rc = 3.5;
    private static double Fc(double r) => 0.5 * (Math.Cos(Math.PI * r / Rc) + 1);
    private static double G2Term(double eta, double rs, double r) => Math.Exp(-eta * (r - rs) * (r - rs)) * Fc(r);
    private static double G5Term(double eta, double lambda, double zeta, double r1, double r2, double cos) =>
        Math.Pow(2, 1 - zeta) * Math.Pow(1 + lambda * cos, zeta) * Math.Exp(-eta * (r1 * r1 + r2 * r2)) * Fc(r1) * Fc(r2);

    private static double[] Engine(double[] p)
    {
        var s = DefaultSetups.Water26;
        var v = new double[p.Length / 3 * s.Count];
        new DescriptorEngine(s).ComputeValues(p, v);
        return v;
    }

    private static void Check(double[] p, Func<int, SymmetryFunction, double> expected)
    {
        var s = DefaultSetups.Water26;
        var v = Engine(p);
        var r = ReferenceDescriptors.Compute(s, p);
        for (int i = 0; i < p.Length / 3; i++)
            for (int f = 0; f < s.Count; f++)
            {
                double e = expected(i, s.Functions[f]);
                Assert.True(Math.Abs(v[i * s.Count + f] - e) <= 1e-14 * (1 + Math.Abs(e)), $"engine atom {i} f {f}: {v[i * s.Count + f]} vs {e}");
                Assert.True(Math.Abs(r[i * s.Count + f] - e) <= 1e-14 * (1 + Math.Abs(e)), $"reference atom {i} f {f}: {r[i * s.Count + f]} vs {e}");
            }
    }

    [Fact]
    public void Dimer()
    {
        double a = 2.7;
        Check([0, 0, 0, 0, 0, a], (i, f) => f.Kind == SymmetryFunctionKind.G2 ? G2Term(f.Eta, f.Rs, a) : 0.0);
        // beyond the cutoff: all zero
        Check([0, 0, 0, 0, 3.5, 0], (i, f) => 0.0);
    }

    [Fact]
    public void EquilateralTriangle()
    {
        double a = 2.8;
        var p = new double[] { 0, 0, 0, a, 0, 0, a / 2, a * Math.Sqrt(3) / 2, 0 };
        Check(p, (i, f) => f.Kind == SymmetryFunctionKind.G2
            ? 2 * G2Term(f.Eta, f.Rs, a)
            : G5Term(f.Eta, f.Lambda, f.Zeta, a, a, 0.5));
    }

    [Fact]
    public void LinearTrimer()
    {
        // the middle bead sees a 180 degree angle (cos = -1: lambda = +1 terms vanish); the end beads see 0 degrees
        // between neighbours at a and 2a (2a beyond Rc here, so no triplet for the ends)
        double a = 2.6;
        var p = new double[] { -a, 0, 0, 0, 0, 0, a, 0, 0 };
        Check(p, (i, f) =>
        {
            if (f.Kind == SymmetryFunctionKind.G2) return i == 1 ? 2 * G2Term(f.Eta, f.Rs, a) : G2Term(f.Eta, f.Rs, a);
            return i == 1 ? G5Term(f.Eta, f.Lambda, f.Zeta, a, a, -1.0) : 0.0;
        });
    }

    [Fact]
    public void Tetrahedron()
    {
        double a = 2.75, s = a / Math.Sqrt(8);
        var p = new double[] { s, s, s, s, -s, -s, -s, s, -s, -s, -s, s };
        Check(p, (i, f) => f.Kind == SymmetryFunctionKind.G2
            ? 3 * G2Term(f.Eta, f.Rs, a)
            : 3 * G5Term(f.Eta, f.Lambda, f.Zeta, a, a, 0.5));
    }

    [Fact]
    public void Square()
    {
        // side a, diagonal a sqrt 2 < Rc: each bead has two neighbours at a (90 degrees apart) and one at
        // a sqrt 2 (45 degrees from each)
        double a = 2.4, d = a * Math.Sqrt(2);
        var p = new double[] { 0, 0, 0, a, 0, 0, a, a, 0, 0, a, 0 };
        double c45 = Math.Sqrt(0.5);
        Check(p, (i, f) => f.Kind == SymmetryFunctionKind.G2
            ? 2 * G2Term(f.Eta, f.Rs, a) + G2Term(f.Eta, f.Rs, d)
            : G5Term(f.Eta, f.Lambda, f.Zeta, a, a, 0.0) + 2 * G5Term(f.Eta, f.Lambda, f.Zeta, a, d, c45));
    }

    [Fact]
    public void DefaultSetupShape()
    {
        var s = DefaultSetups.Water26;
        Assert.Equal(26, s.Count);
        Assert.Equal(8, s.Functions.Count(f => f.Kind == SymmetryFunctionKind.G2));
        Assert.Equal(3.5, s.Cutoff);
        Assert.All(s.Functions.Where(f => f.Kind == SymmetryFunctionKind.G2), f => Assert.InRange(f.Rs, 2.3, 3.4));
        // no function is numerically dead beyond 2.4 A: each is above 1e-4 of its maximum somewhere in [2.4, 3.3] A
        foreach (var f in s.Functions.Where(f => f.Kind == SymmetryFunctionKind.G2))
        {
            double best = 0;
            for (double r = 2.4; r <= 3.3; r += 0.01) best = Math.Max(best, G2Term(f.Eta, f.Rs, r));
            Assert.True(best > 1e-2, $"G2 Rs={f.Rs} peaks at {best} beyond 2.4 A");
        }
    }
}
