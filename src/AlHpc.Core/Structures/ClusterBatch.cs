namespace AlHpc.Structures;

/// <summary>
/// Many clusters in one ragged layout: all positions in one flat array (A), cluster c owning beads
/// Offsets[c] .. Offsets[c+1]-1. Energies (eV, NaN = unknown) and forces (eV/A, optional) alike; the species
/// of every atom in <see cref="Types"/> (laid out like the atoms), indices into the batch's one species table
/// <see cref="Elements"/> (see <see cref="SpeciesTable"/>).
/// This is the layout of batch evaluation, test sets, training sets and OpenCL buffers.
/// </summary>
public sealed class ClusterBatch
{
    /// <param name="positions">Flat positions (A) of all atoms.</param>
    /// <param name="offsets">Cluster c owns atoms offsets[c] .. offsets[c+1]-1.</param>
    /// <param name="energies">One per cluster (eV, NaN = unknown); null: all unknown.</param>
    /// <param name="forces">Laid out like positions (eV/A); null: none.</param>
    /// <param name="elements">The species table (element symbols, index = type); null: ["O"].</param>
    /// <param name="types">The type of every atom (indices into <paramref name="elements"/>); null: all 0.</param>
    public ClusterBatch(double[] positions, int[] offsets, double[]? energies = null, double[]? forces = null,
        string[]? elements = null, int[]? types = null)
    {
        if (offsets.Length == 0 || offsets[0] != 0) throw new ArgumentException("offsets must start with 0", nameof(offsets));
        for (int i = 1; i < offsets.Length; i++)
            if (offsets[i] < offsets[i - 1]) throw new ArgumentException("offsets must be non-decreasing", nameof(offsets));
        if (positions.Length != 3 * offsets[^1]) throw new ArgumentException("positions length must be 3 * offsets[^1]", nameof(positions));
        if (forces != null && forces.Length != positions.Length) throw new ArgumentException("forces length must equal positions length", nameof(forces));
        elements ??= ["O"];
        types ??= new int[offsets[^1]];
        SpeciesTable.CheckTable(elements, types, offsets[^1]);
        Positions = positions;
        Offsets = offsets;
        Energies = energies ?? CreateNaN(offsets.Length - 1);
        if (Energies.Length != offsets.Length - 1) throw new ArgumentException("one energy per cluster", nameof(energies));
        Forces = forces;
        Elements = elements;
        Types = types;
    }

    public double[] Positions { get; }
    public int[] Offsets { get; }
    public double[] Energies { get; }
    public double[]? Forces { get; set; }

    /// <summary>The species table of the batch: element symbols, index = type.</summary>
    public string[] Elements { get; }

    /// <summary>The type of every atom (indices into <see cref="Elements"/>), laid out like the atoms.</summary>
    public int[] Types { get; }

    public int ClusterCount => Offsets.Length - 1;
    public int AtomCount => Offsets[^1];
    public int SizeOf(int c) => Offsets[c + 1] - Offsets[c];

    public ReadOnlySpan<double> PositionsOf(int c) => Positions.AsSpan(3 * Offsets[c], 3 * SizeOf(c));
    public Span<double> ForcesOf(int c) => Forces is null ? Span<double>.Empty : Forces.AsSpan(3 * Offsets[c], 3 * SizeOf(c));
    public ReadOnlySpan<int> TypesOf(int c) => Types.AsSpan(Offsets[c], SizeOf(c));

    /// <summary>The element of every atom when all atoms are one element (for single-species formats), else null.</summary>
    public string? SingleElement()
    {
        int t0 = Types.Length > 0 ? Types[0] : 0;
        foreach (int t in Types) if (t != t0) return null;
        return Elements[t0];
    }

    /// <summary>
    /// One batch of the clusters, in order. The batch's species table is the union of the clusters' tables (in
    /// order of first appearance), and every atom keeps its element.
    /// </summary>
    public static ClusterBatch FromClusters(IReadOnlyList<Cluster> clusters)
    {
        var offsets = new int[clusters.Count + 1];
        for (int c = 0; c < clusters.Count; c++) offsets[c + 1] = offsets[c] + clusters[c].Count;
        var pos = new double[3 * offsets[^1]];
        var e = new double[clusters.Count];
        var types = new int[offsets[^1]];
        var elements = new List<string>();
        var map = new int[1];
        bool anyForces = false;
        foreach (var cl in clusters) anyForces |= cl.Forces != null;
        var f = anyForces ? new double[pos.Length] : null;
        for (int c = 0; c < clusters.Count; c++)
        {
            var cl = clusters[c];
            cl.Positions.CopyTo(pos, 3 * offsets[c]);
            e[c] = cl.Energy ?? double.NaN;
            if (f != null)
            {
                if (cl.Forces is { } cf) cf.CopyTo(f, 3 * offsets[c]);
                else f.AsSpan(3 * offsets[c], 3 * cl.Count).Fill(double.NaN);
            }
            if (map.Length < cl.Elements.Length) map = new int[cl.Elements.Length];
            for (int t = 0; t < cl.Elements.Length; t++)
            {
                int k = SpeciesTable.IndexOf(elements, cl.Elements[t]);
                if (k < 0) { k = elements.Count; elements.Add(cl.Elements[t]); }
                map[t] = k;
            }
            for (int a = 0; a < cl.Count; a++) types[offsets[c] + a] = map[cl.Types[a]];
        }
        return new ClusterBatch(pos, offsets, e, f, elements.Count > 0 ? elements.ToArray() : null, types);
    }

    /// <summary>Cluster c as a <see cref="Cluster"/> (copies; the batch's species table).</summary>
    public Cluster GetCluster(int c)
    {
        var cl = new Cluster(PositionsOf(c).ToArray(), (string[])Elements.Clone(), TypesOf(c).ToArray());
        if (!double.IsNaN(Energies[c])) cl.Energy = Energies[c];
        if (Forces != null) cl.Forces = ForcesOf(c).ToArray();
        return cl;
    }

    private static double[] CreateNaN(int n) { var a = new double[n]; a.AsSpan().Fill(double.NaN); return a; }
}
