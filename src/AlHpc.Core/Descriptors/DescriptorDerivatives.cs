namespace AlHpc.Descriptors;

/// <summary>
/// Sparse derivatives of every atom's descriptors with respect to positions (A^-1 units of G per A),
/// in a CSR layout that matches <see cref="AlHpc.Geometry.NeighbourList"/>:
/// the entries of atom i are <c>Start[i] .. Start[i+1]-1</c>; the first is atom i itself, then its
/// neighbours within the cutoff in neighbour-list order (so Start[i] = NeighbourList.Start[i] + i).
/// <see cref="Index"/> gives the atom j of each entry, and entry e holds dG_{i,f}/dr_{j,c} at
/// <c>Values[(e * FunctionCount + f) * 3 + c]</c> (f in setup order, c = x, y, z).
/// Owned and reused by a <see cref="DescriptorEngine"/>: valid until its next call.
/// </summary>
public sealed class DescriptorDerivatives
{
    internal int[] StartArray = new int[1];
    internal int[] IndexArray = new int[16];
    internal double[] ValueArray = new double[16];

    public int AtomCount { get; internal set; }
    public int FunctionCount { get; internal set; }
    public int EntryCount { get; internal set; }

    public ReadOnlySpan<int> Start => StartArray.AsSpan(0, AtomCount + 1);
    public ReadOnlySpan<int> Index => IndexArray.AsSpan(0, EntryCount);
    public ReadOnlySpan<double> Values => ValueArray.AsSpan(0, EntryCount * FunctionCount * 3);

    /// <summary>The nF x 3 block of entry e: [f * 3 + c] = dG_{i,f}/dr_{Index[e],c}.</summary>
    public ReadOnlySpan<double> Entry(int e) => ValueArray.AsSpan(e * FunctionCount * 3, FunctionCount * 3);

    /// <summary>dG_{i,f}/dr_{j,c}, 0 when j is neither i nor a neighbour of i (linear search; for tests).</summary>
    public double Get(int i, int f, int j, int c)
    {
        for (int e = StartArray[i]; e < StartArray[i + 1]; e++)
            if (IndexArray[e] == j) return ValueArray[(e * FunctionCount + f) * 3 + c];
        return 0.0;
    }

    /// <summary>
    /// An independent copy with exactly sized arrays (not tied to the engine that produced this one), e.g.
    /// to keep a training set's derivatives (TrainingSet.FromClusters with forces).
    /// </summary>
    public DescriptorDerivatives Clone() => new()
    {
        StartArray = Start.ToArray(),
        IndexArray = Index.ToArray(),
        ValueArray = Values.ToArray(),
        AtomCount = AtomCount,
        FunctionCount = FunctionCount,
        EntryCount = EntryCount,
    };

    internal void Ensure(int atoms, int entries, int nf)
    {
        if (StartArray.Length < atoms + 1) StartArray = new int[Math.Max(atoms + 1, 2 * StartArray.Length)];
        if (IndexArray.Length < entries) IndexArray = new int[Math.Max(entries, 2 * IndexArray.Length)];
        long nv = (long)entries * nf * 3;
        if (ValueArray.Length < nv) ValueArray = new double[Math.Max(nv, 2L * ValueArray.Length)];
        AtomCount = atoms; EntryCount = entries; FunctionCount = nf;
    }
}
