using AlHpc.Descriptors;
using AlHpc.Structures;

namespace AlHpc.Training;

/// <summary>
/// What the trainer learns from: raw (unscaled) descriptors of every atom, computed once per training
/// set, in the ragged layout of <see cref="Structures.ClusterBatch"/>: structure s owns atoms
/// Offsets[s] .. Offsets[s+1]-1, and atom a's FeatureCount descriptor values are
/// Descriptors[a * FeatureCount ..]. Reference energies are totals per structure (eV), all finite.
/// </summary>
public sealed class TrainingSet
{
    public TrainingSet(DescriptorSetup setup, double[] descriptors, int[] offsets, double[] energies, string[]? ids = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (offsets.Length < 1 || offsets[0] != 0) throw new ArgumentException("offsets must start with 0", nameof(offsets));
        for (int s = 1; s < offsets.Length; s++)
            if (offsets[s] <= offsets[s - 1]) throw new ArgumentException($"structure {s - 1} has no atoms", nameof(offsets));
        int n = offsets.Length - 1;
        if (descriptors.Length != offsets[^1] * setup.Count)
            throw new ArgumentException($"descriptors must hold atoms x {setup.Count} values ({offsets[^1] * setup.Count}), got {descriptors.Length}", nameof(descriptors));
        if (energies.Length != n) throw new ArgumentException("one energy per structure", nameof(energies));
        for (int s = 0; s < n; s++)
            if (!double.IsFinite(energies[s])) throw new ArgumentException($"structure {s} has no finite reference energy ({energies[s]})", nameof(energies));
        foreach (var g in descriptors)
            if (!double.IsFinite(g)) throw new ArgumentException("descriptors contain a non-finite value", nameof(descriptors));
        if (ids != null && ids.Length != n) throw new ArgumentException("one id per structure", nameof(ids));
        Setup = setup;
        Descriptors = descriptors;
        Offsets = offsets;
        Energies = energies;
        Ids = ids ?? Enumerable.Range(0, n).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    public DescriptorSetup Setup { get; }

    /// <summary>Raw descriptors, atoms x <see cref="FeatureCount"/>, row-major.</summary>
    public double[] Descriptors { get; }

    /// <summary>Atom offsets per structure, length StructureCount + 1.</summary>
    public int[] Offsets { get; }

    /// <summary>Reference total energies (eV), one per structure.</summary>
    public double[] Energies { get; }

    /// <summary>Structure labels (default "0", "1", ...), carried into results.</summary>
    public string[] Ids { get; }

    public int FeatureCount => Setup.Count;
    public int StructureCount => Offsets.Length - 1;
    public int AtomCount => Offsets[^1];
    public int SizeOf(int s) => Offsets[s + 1] - Offsets[s];
    public int MaxStructureSize { get { int m = 0; for (int s = 0; s < StructureCount; s++) m = Math.Max(m, SizeOf(s)); return m; } }

    /// <summary>
    /// Descriptors of every cluster of <paramref name="batch"/> (computed once, on all cores unless
    /// <paramref name="maxDegreeOfParallelism"/> says otherwise) with the batch's reference energies.
    /// Throws <see cref="ArgumentException"/> naming the first structure without a finite energy or without atoms.
    /// </summary>
    public static TrainingSet FromClusters(ClusterBatch batch, DescriptorSetup setup, string[]? ids = null, int maxDegreeOfParallelism = -1)
    {
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            if (!double.IsFinite(batch.Energies[c])) throw new ArgumentException($"structure {c} has no reference energy");
            if (batch.SizeOf(c) == 0) throw new ArgumentException($"structure {c} has no atoms");
        }
        var values = new BatchDescriptors(setup).ComputeValues(batch, maxDegreeOfParallelism);
        return new TrainingSet(setup, values, (int[])batch.Offsets.Clone(), (double[])batch.Energies.Clone(), ids);
    }

    /// <summary>The structures at <paramref name="indices"/>, in that order (copies).</summary>
    public TrainingSet Subset(IReadOnlyList<int> indices)
    {
        var off = new int[indices.Count + 1];
        for (int k = 0; k < indices.Count; k++) off[k + 1] = off[k] + SizeOf(indices[k]);
        int f = FeatureCount;
        var d = new double[off[^1] * f];
        var e = new double[indices.Count];
        var ids = new string[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int s = indices[k];
            Descriptors.AsSpan(Offsets[s] * f, SizeOf(s) * f).CopyTo(d.AsSpan(off[k] * f));
            e[k] = Energies[s];
            ids[k] = Ids[s];
        }
        return new TrainingSet(Setup, d, off, e, ids);
    }

    /// <summary>A short content hash (energies, sizes and descriptors) for model provenance.</summary>
    public string ContentHash()
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Offsets.AsSpan()));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Energies.AsSpan()));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Descriptors.AsSpan()));
        return Convert.ToHexString(h.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
