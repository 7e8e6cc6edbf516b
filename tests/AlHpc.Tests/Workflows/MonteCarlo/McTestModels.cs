using AlHpc.Potentials;

namespace AlHpc.Tests.MonteCarlo;

/// <summary>Models for the Monte Carlo tests, written out here independently of the library's Tersoff code.</summary>
internal static class McTestModels
{
    // ML-BOP (data/mlbop.tersoff): for a dimer zeta = 0, so b = 1 and the energy is a pair function.
    private const double A = 1684.301476, Lambda1 = 2.750522, B = 473.621419, Lambda2 = 2.199640, R = 3.282761, D = 0.270511;

    public static double Cutoff => R + D;

    public static double Fc(double r) => r < R - D ? 1 : r > R + D ? 0 : 0.5 - 0.5 * Math.Sin(Math.PI / 2 * (r - R) / D);

    private static double Fcd(double r) => r < R - D || r > R + D ? 0 : -0.25 * Math.PI / D * Math.Cos(Math.PI / 2 * (r - R) / D);

    /// <summary>ML-BOP dimer energy V(r) (eV) at distance r (A).</summary>
    public static double MlBopDimer(double r) => Fc(r) * (A * Math.Exp(-Lambda1 * r) - B * Math.Exp(-Lambda2 * r));

    private static double MlBopDimerDerivative(double r) =>
        Fcd(r) * (A * Math.Exp(-Lambda1 * r) - B * Math.Exp(-Lambda2 * r))
        + Fc(r) * (-Lambda1 * A * Math.Exp(-Lambda1 * r) + Lambda2 * B * Math.Exp(-Lambda2 * r));

    /// <summary>The ML-BOP dimer as a pair potential (exact for two beads, not for more).</summary>
    public static PairPotential MlBopDimerPair() => new("ML-BOP dimer", MlBopDimer, MlBopDimerDerivative, Cutoff);

    /// <summary>A water-like Morse: minimum -0.245 eV at 2.71 A, cutoff 3.55 A.</summary>
    public static PairPotential WaterMorse() => PairPotential.Morse(0.245, 1.6, 2.71, 3.55);

    /// <summary>Distance between beads 0 and 1 of flat positions.</summary>
    public static double Distance01(ReadOnlySpan<double> p)
    {
        double dx = p[3] - p[0], dy = p[4] - p[1], dz = p[5] - p[2];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }
}

/// <summary>Wraps a backend and turns a pseudo-random share of proposals into NaN or infinity (a "poor network").</summary>
internal sealed class FlakyBackend(IMcEnergyBackend inner, double badFraction, bool badStart = false, bool badResync = false) : IMcEnergyBackend
{
    private ulong _state = 12345;
    private int _resets;
    public int BadProposals { get; private set; }
    public int Count => inner.Count;
    public ReadOnlySpan<double> Positions => inner.Positions;
    public double TotalEnergy => inner.TotalEnergy;
    public double Reset(ReadOnlySpan<double> positions) { double e = inner.Reset(positions); return badStart || (badResync && _resets++ > 0) ? double.NaN : e; }
    private double Corrupt(double dE)
    {
        _state = _state * 6364136223846793005UL + 1442695040888963407UL;
        double u = (_state >> 11) * (1.0 / (1UL << 53));
        if (u >= badFraction) return dE;
        BadProposals++;
        return u < badFraction / 3 ? double.NaN : u < 2 * badFraction / 3 ? double.PositiveInfinity : double.NegativeInfinity;
    }
    public double ProposeMove(int index, double x, double y, double z) => Corrupt(inner.ProposeMove(index, x, y, z));
    public double ProposeInsert(double x, double y, double z) => Corrupt(inner.ProposeInsert(x, y, z));
    public double ProposeRemove(int index) => Corrupt(inner.ProposeRemove(index));
    public void Accept() => inner.Accept();
    public void Reject() => inner.Reject();
}
