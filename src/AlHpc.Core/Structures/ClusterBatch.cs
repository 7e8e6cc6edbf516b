namespace AlHpc.Structures;

/// <summary>
/// Many clusters in one ragged layout: all positions in one flat array (A), cluster c owning beads
/// Offsets[c] .. Offsets[c+1]-1. Energies (eV, NaN = unknown) and forces (eV/A, optional) alike.
/// This is the layout of batch evaluation, test sets, training sets and OpenCL buffers.
/// </summary>
public sealed class ClusterBatch
{
    public ClusterBatch(double[] positions, int[] offsets, double[]? energies = null, double[]? forces = null)
    {
        if (offsets.Length == 0 || offsets[0] != 0) throw new ArgumentException("offsets must start with 0", nameof(offsets));
        for (int i = 1; i < offsets.Length; i++)
            if (offsets[i] < offsets[i - 1]) throw new ArgumentException("offsets must be non-decreasing", nameof(offsets));
        if (positions.Length != 3 * offsets[^1]) throw new ArgumentException("positions length must be 3 * offsets[^1]", nameof(positions));
        if (forces != null && forces.Length != positions.Length) throw new ArgumentException("forces length must equal positions length", nameof(forces));
        Positions = positions;
        Offsets = offsets;
        Energies = energies ?? CreateNaN(offsets.Length - 1);
        if (Energies.Length != offsets.Length - 1) throw new ArgumentException("one energy per cluster", nameof(energies));
        Forces = forces;
    }

    public double[] Positions { get; }
    public int[] Offsets { get; }
    public double[] Energies { get; }
    public double[]? Forces { get; set; }

    public int ClusterCount => Offsets.Length - 1;
    public int AtomCount => Offsets[^1];
    public int SizeOf(int c) => Offsets[c + 1] - Offsets[c];

    public ReadOnlySpan<double> PositionsOf(int c) => Positions.AsSpan(3 * Offsets[c], 3 * SizeOf(c));
    public Span<double> ForcesOf(int c) => Forces is null ? Span<double>.Empty : Forces.AsSpan(3 * Offsets[c], 3 * SizeOf(c));

    public static ClusterBatch FromClusters(IReadOnlyList<Cluster> clusters)
    {
        var offsets = new int[clusters.Count + 1];
        for (int c = 0; c < clusters.Count; c++) offsets[c + 1] = offsets[c] + clusters[c].Count;
        var pos = new double[3 * offsets[^1]];
        var e = new double[clusters.Count];
        bool anyForces = false;
        foreach (var cl in clusters) anyForces |= cl.Forces != null;
        var f = anyForces ? new double[pos.Length] : null;
        for (int c = 0; c < clusters.Count; c++)
        {
            clusters[c].Positions.CopyTo(pos, 3 * offsets[c]);
            e[c] = clusters[c].Energy ?? double.NaN;
            if (f != null)
            {
                if (clusters[c].Forces is { } cf) cf.CopyTo(f, 3 * offsets[c]);
                else f.AsSpan(3 * offsets[c], 3 * clusters[c].Count).Fill(double.NaN);
            }
        }
        return new ClusterBatch(pos, offsets, e, f);
    }

    public Cluster GetCluster(int c)
    {
        var cl = new Cluster(PositionsOf(c).ToArray());
        if (!double.IsNaN(Energies[c])) cl.Energy = Energies[c];
        if (Forces != null) cl.Forces = ForcesOf(c).ToArray();
        return cl;
    }

    private static double[] CreateNaN(int n) { var a = new double[n]; a.AsSpan().Fill(double.NaN); return a; }
}
