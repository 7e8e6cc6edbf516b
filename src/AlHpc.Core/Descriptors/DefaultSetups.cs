namespace AlHpc.Descriptors;

/// <summary>
/// Built-in descriptor setups. See docs/descriptors.md for how <see cref="Water26"/> was chosen.
/// </summary>
public static class DefaultSetups
{
    /// <summary>Cutoff of the default setup (A): just inside ML-BOP's 3.553 A, as in the paper.</summary>
    public const double WaterCutoff = 3.5;

    /// <summary>Centres Rs (A) of the 8 radial functions: evenly spaced over 2.3-3.4 A.</summary>
    public static readonly double[] WaterG2Centres = [2.30, 2.46, 2.61, 2.77, 2.93, 3.09, 3.24, 3.40];

    /// <summary>Width parameter (A^-2) of the radial functions: Gaussian sigma = 1/sqrt(2 eta) = 0.2 A.</summary>
    public const double WaterG2Eta = 12.5;

    /// <summary>eta (A^-2) of the angular functions (aenet's documented template).</summary>
    public static readonly double[] WaterG5Etas = [0.00123, 0.0987, 0.308];

    /// <summary>
    /// The default 26-function setup: 8 radial G2 with shifted centres (Rs = 2.30 .. 3.40 A, eta = 12.5 A^-2)
    /// then 18 angular G5 (eta in {0.00123, 0.0987, 0.308} A^-2 x lambda in {-1, +1} x zeta in {1, 2, 4}),
    /// all with Rc = 3.5 A. Order: G2 by Rs; G5 by eta, then lambda, then zeta.
    /// </summary>
    public static DescriptorSetup Water26 { get; } = CreateWater26();

    private static DescriptorSetup CreateWater26()
    {
        var f = new List<SymmetryFunction>();
        foreach (var rs in WaterG2Centres) f.Add(SymmetryFunction.G2(WaterG2Eta, rs, WaterCutoff));
        foreach (var eta in WaterG5Etas)
            foreach (var lambda in new[] { -1.0, 1.0 })
                foreach (var zeta in new[] { 1.0, 2.0, 4.0 })
                    f.Add(SymmetryFunction.G5(eta, lambda, zeta, WaterCutoff));
        return new DescriptorSetup(f, "O")
        {
            Description = "AlHpc default for coarse-grained water (ML-BOP): 8 shifted G2 (Rs 2.30-3.40 A, eta 12.5 A^-2)\n" +
                          "+ 18 G5 (eta 0.00123/0.0987/0.308 A^-2, lambda +-1, zeta 1/2/4), Rc = 3.5 A. See docs/descriptors.md.",
        };
    }
}
