namespace AlHpc.Structures;

/// <summary>
/// One non-periodic cluster of atoms; in AlHpc's water model coarse-grained beads (one bead = one molecule, element "O").
/// Positions in Angstrom, flat x0,y0,z0,x1,... Energy in eV, forces in eV/A (same layout as positions).
/// Species: <see cref="Elements"/> is the cluster's species table (element symbols, index = type) and
/// <see cref="Types"/> the type of every atom (see <see cref="SpeciesTable"/>).
/// </summary>
public sealed class Cluster
{
    /// <summary>A single-element cluster: every atom is <paramref name="species"/> (type 0).</summary>
    public Cluster(double[] positions, string species = "O")
        : this(positions, [species], new int[positions.Length / 3]) { }

    /// <summary>
    /// A cluster with per-atom species: <paramref name="elements"/> is the species table (element symbols, index =
    /// type), <paramref name="types"/> the type of every atom (indices into it).
    /// </summary>
    public Cluster(double[] positions, string[] elements, int[] types)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3", nameof(positions));
        SpeciesTable.CheckTable(elements, types, positions.Length / 3);
        Positions = positions;
        Elements = elements;
        Types = types;
    }

    /// <summary>Flat positions (A): x0,y0,z0,x1,...</summary>
    public double[] Positions { get; }

    /// <summary>The species table: element symbols, index = type.</summary>
    public string[] Elements { get; }

    /// <summary>The type of every atom (an index into <see cref="Elements"/>).</summary>
    public int[] Types { get; }

    /// <summary>The element symbol of atom <paramref name="atom"/>.</summary>
    public string ElementOf(int atom) => Elements[Types[atom]];

    /// <summary>The first atom whose element differs from the same atom of <paramref name="other"/> (same count assumed), or -1.</summary>
    public int FirstElementDifference(Cluster other)
    {
        int n = Math.Min(Count, other.Count);
        for (int a = 0; a < n; a++)
            if (!string.Equals(ElementOf(a), other.ElementOf(a), StringComparison.Ordinal)) return a;
        return -1;
    }

    /// <summary>Number of beads (molecules).</summary>
    public int Count => Positions.Length / 3;

    /// <summary>Total potential energy (eV), if known.</summary>
    public double? Energy { get; set; }

    /// <summary>Forces (eV/A), flat like <see cref="Positions"/>, if known.</summary>
    public double[]? Forces { get; set; }

    /// <summary>Extra key=value pairs of the extxyz comment line (kept in order, written back).</summary>
    public List<KeyValuePair<string, string>> Info { get; } = new();

    /// <summary>
    /// Per-atom extxyz columns other than species, pos and forces (e.g. "charge:R:1"), kept as text and
    /// written back unchanged, so rewriting a file loses nothing. Null: none.
    /// </summary>
    public List<AtomColumn>? AtomColumns { get; set; }

    /// <summary>A new cluster with copies of the positions and species of the atoms (no energy, forces, info or extra columns).</summary>
    public Cluster CopyAtoms() => new((double[])Positions.Clone(), (string[])Elements.Clone(), (int[])Types.Clone());

    public Cluster Clone()
    {
        var c = CopyAtoms();
        c.Energy = Energy;
        c.Forces = (double[]?)Forces?.Clone();
        c.Info.AddRange(Info);
        if (AtomColumns != null) c.AtomColumns = AtomColumns.Select(a => a with { Values = (string[])a.Values.Clone() }).ToList();
        return c;
    }

    public string? GetInfo(string key)
    {
        foreach (var kv in Info) if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)) return kv.Value;
        return null;
    }

    public void SetInfo(string key, string value)
    {
        for (int i = 0; i < Info.Count; i++)
            if (string.Equals(Info[i].Key, key, StringComparison.OrdinalIgnoreCase)) { Info[i] = new(key, value); return; }
        Info.Add(new(key, value));
    }
}

/// <summary>An extra per-atom extxyz column: name, type (S, R, I or L), values per atom, and the text of each value (atom-major).</summary>
public sealed record AtomColumn(string Name, string Type, int Width, string[] Values);
