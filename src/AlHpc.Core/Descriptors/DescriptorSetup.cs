namespace AlHpc.Descriptors;

/// <summary>Kind of a Behler symmetry function (aenet "Behler2011" numbering).</summary>
public enum SymmetryFunctionKind
{
    /// <summary>G2_i = sum_j exp(-eta (r_ij - Rs)^2) fc(r_ij)</summary>
    G2 = 2,
    /// <summary>G5_i = 2^(1-zeta) sum_{j&lt;k} (1 + lambda cos theta_ijk)^zeta exp(-eta (r_ij^2 + r_ik^2)) fc(r_ij) fc(r_ik)</summary>
    G5 = 5,
}

/// <summary>
/// One symmetry function. eta in A^-2, Rs and Rc in A; Lambda (+-1) and Zeta only for G5.
/// Cutoff function fc(r) = 1/2 [cos(pi r / Rc) + 1] for r &lt; Rc, else 0 (aenet's cosine cutoff).
/// </summary>
public readonly record struct SymmetryFunction(SymmetryFunctionKind Kind, double Eta, double Rs, double Lambda, double Zeta, double Rc)
{
    public static SymmetryFunction G2(double eta, double rs, double rc) => new(SymmetryFunctionKind.G2, eta, rs, 0, 0, rc);
    public static SymmetryFunction G5(double eta, double lambda, double zeta, double rc) => new(SymmetryFunctionKind.G5, eta, 0, lambda, zeta, rc);

    // The physically meaningful ranges (beyond them the terms overflow or underflow to 0 * Inf = NaN):
    /// <summary>Largest zeta (aenet setups use 1-64; 2^(1-zeta) and (1 + lambda cos)^zeta overflow near 1024).</summary>
    public const double MaxZeta = 256;
    /// <summary>Largest cutoff (A) of a local descriptor.</summary>
    public const double MaxRc = 100;
    /// <summary>Largest eta (A^-2).</summary>
    public const double MaxEta = 1e4;

    /// <summary>Why the parameters are out of range, or null.</summary>
    public string? Problem() =>
        !(Rc > 0) || !(Rc <= MaxRc) ? $"Rc = {Rc} outside (0, {MaxRc}] A"
        : !(Eta >= 0) || !(Eta <= MaxEta) ? $"eta = {Eta} outside [0, {MaxEta}] A^-2"
        : Kind == SymmetryFunctionKind.G2 && !(Math.Abs(Rs) <= MaxRc) ? $"Rs = {Rs} outside [-{MaxRc}, {MaxRc}] A"
        : Kind == SymmetryFunctionKind.G5 && Math.Abs(Lambda) != 1 ? $"lambda = {Lambda} must be +1 or -1"
        : Kind == SymmetryFunctionKind.G5 && !(Zeta >= 1 && Zeta <= MaxZeta) ? $"zeta = {Zeta} outside [1, {MaxZeta}]"
        : null;
}

/// <summary>
/// An ordered set of symmetry functions for one element (the network's input vector, in this order).
/// </summary>
public sealed class DescriptorSetup
{
    public DescriptorSetup(IEnumerable<SymmetryFunction> functions, string element = "O")
    {
        Functions = functions.ToArray();
        if (Functions.Length == 0) throw new ArgumentException("a descriptor setup needs at least one function", nameof(functions));
        foreach (var f in Functions)
        {
            if (f.Problem() is { } why) throw new ArgumentException($"bad {f.Kind} function: {why}");
        }
        Element = element;
        Cutoff = Functions.Max(f => f.Rc);
    }

    public SymmetryFunction[] Functions { get; }
    public string Element { get; }
    public int Count => Functions.Length;

    /// <summary>Largest cutoff over all functions (A).</summary>
    public double Cutoff { get; }

    /// <summary>Free text (aenet's DESCR block); not part of the numerical definition.</summary>
    public string? Description { get; init; }

    /// <summary>True when both setups define the same functions in the same order (bit-equal parameters, same element).</summary>
    public bool SameFunctionsAs(DescriptorSetup other) =>
        Element == other.Element && Functions.AsSpan().SequenceEqual(other.Functions);
}
