namespace AlHpc.Structures;

/// <summary>
/// One non-periodic cluster of coarse-grained water beads (one bead = one molecule, element "O").
/// Positions in Angstrom, flat x0,y0,z0,x1,... Energy in eV, forces in eV/A (same layout as positions).
/// </summary>
public sealed class Cluster
{
    public Cluster(double[] positions, string species = "O")
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3", nameof(positions));
        Positions = positions;
        Species = species;
    }

    /// <summary>Flat positions (A): x0,y0,z0,x1,...</summary>
    public double[] Positions { get; set; }

    /// <summary>Single element symbol of every bead (AlHpc supports one element).</summary>
    public string Species { get; set; }

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

    public Cluster Clone()
    {
        var c = new Cluster((double[])Positions.Clone(), Species) { Energy = Energy, Forces = (double[]?)Forces?.Clone() };
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
