namespace AlHpc.IO;

/// <summary>Chemical element symbols (to tell a real element from a typo in structure files).</summary>
internal static class Elements
{
    /// <summary>Symbols by atomic number (index 0 unused).</summary>
    public static IReadOnlyList<string> ByAtomicNumber => Table;

    private static readonly string[] Table =
    [
        "",
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
        "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn",
        "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
        "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ];

    private static readonly HashSet<string> Symbols = new(Table.Skip(1), StringComparer.Ordinal);

    /// <summary>True for a chemical element symbol with standard capitalisation ("O", "Si").</summary>
    public static bool IsKnown(ReadOnlySpan<char> symbol) =>
        Symbols.GetAlternateLookup<ReadOnlySpan<char>>().Contains(symbol);
}
