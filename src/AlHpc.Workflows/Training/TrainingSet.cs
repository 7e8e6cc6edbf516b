using System.Collections.Concurrent;
using AlHpc.Descriptors;
using AlHpc.Structures;

namespace AlHpc.Training;

/// <summary>
/// What the trainer learns from: raw (unscaled) descriptors of every atom, computed once per training
/// set, in the ragged layout of <see cref="Structures.ClusterBatch"/>: structure s owns atoms
/// Offsets[s] .. Offsets[s+1]-1, and atom a's FeatureCount descriptor values are
/// Descriptors[a * FeatureCount ..]. Reference energies are totals per structure (eV), all finite.
/// <para>
/// For force training (TrainingSettings.ForcesWeight &gt; 0) a set also carries reference forces (eV/A,
/// 3 per atom, same atom order) and, per structure, the sparse derivatives of the raw descriptors with
/// respect to positions (<see cref="DescriptorDerivatives"/>, computed once like the descriptors).
/// Energy-only sets have neither (<see cref="HasForces"/> false).
/// </para>
/// </summary>
public sealed class TrainingSet
{
    public TrainingSet(DescriptorSetup setup, double[] descriptors, int[] offsets, double[] energies, string[]? ids = null)
        : this(setup, descriptors, offsets, energies, ids, null, null)
    {
    }

    /// <summary>
    /// A set with reference forces (eV/A, atoms x 3, all finite) and per-structure descriptor derivatives
    /// (raw dG/dr of each structure, atom indices local to the structure), both or neither.
    /// </summary>
    public TrainingSet(DescriptorSetup setup, double[] descriptors, int[] offsets, double[] energies, string[]? ids,
        double[]? forces, DescriptorDerivatives[]? derivatives)
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
        if ((forces == null) != (derivatives == null))
            throw new ArgumentException("reference forces and descriptor derivatives come together (both or neither)");
        if (forces != null)
        {
            if (forces.Length != 3 * offsets[^1]) throw new ArgumentException($"forces must hold atoms x 3 values ({3 * offsets[^1]}), got {forces.Length}", nameof(forces));
            if (derivatives!.Length != n) throw new ArgumentException("one set of descriptor derivatives per structure", nameof(derivatives));
            for (int s = 0; s < n; s++)
            {
                for (int k = 3 * offsets[s]; k < 3 * offsets[s + 1]; k++)
                    if (!double.IsFinite(forces[k])) throw new ArgumentException($"structure {s} has no finite reference forces ({forces[k]})", nameof(forces));
                var d = derivatives[s] ?? throw new ArgumentException($"structure {s} has no descriptor derivatives", nameof(derivatives));
                if (d.AtomCount != offsets[s + 1] - offsets[s] || d.FunctionCount != setup.Count)
                    throw new ArgumentException($"descriptor derivatives of structure {s} are for {d.AtomCount} atoms x {d.FunctionCount} functions, expected {offsets[s + 1] - offsets[s]} x {setup.Count}", nameof(derivatives));
            }
        }
        Setup = setup;
        Forces = forces;
        Derivatives = derivatives;
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

    /// <summary>Reference forces (eV/A), atoms x 3 (x, y, z), or null for an energy-only set.</summary>
    public double[]? Forces { get; }

    /// <summary>
    /// Per structure: derivatives of its raw descriptors with respect to its atoms' positions (CSR, atom
    /// indices local to the structure; see <see cref="DescriptorDerivatives"/>), or null for an energy-only set.
    /// </summary>
    public DescriptorDerivatives[]? Derivatives { get; }

    /// <summary>Whether the set carries reference forces and descriptor derivatives (needed for force training).</summary>
    public bool HasForces => Forces != null;

    public int FeatureCount => Setup.Count;
    public int StructureCount => Offsets.Length - 1;
    public int AtomCount => Offsets[^1];
    public int SizeOf(int s) => Offsets[s + 1] - Offsets[s];
    public int MaxStructureSize { get { int m = 0; for (int s = 0; s < StructureCount; s++) m = Math.Max(m, SizeOf(s)); return m; } }

    /// <summary>
    /// Descriptors of every cluster of <paramref name="batch"/> (computed once, on all cores unless
    /// <paramref name="maxDegreeOfParallelism"/> says otherwise) with the batch's reference energies.
    /// With <paramref name="withForces"/> (for force training) also the batch's reference forces and every
    /// structure's descriptor derivatives (the descriptor values are the same either way).
    /// Throws <see cref="ArgumentException"/> naming the first structure without a finite energy, with an atom of another element than the setup's, without
    /// atoms, or (withForces) without finite reference forces.
    /// </summary>
    public static TrainingSet FromClusters(ClusterBatch batch, DescriptorSetup setup, string[]? ids = null, int maxDegreeOfParallelism = -1,
        bool withForces = false)
    {
        SpeciesTable.TypesIn(batch, [setup.Element]); // single-element descriptors: every atom must be the setup's element
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            if (!double.IsFinite(batch.Energies[c])) throw new ArgumentException($"structure {c} has no reference energy");
            if (batch.SizeOf(c) == 0) throw new ArgumentException($"structure {c} has no atoms");
            if (withForces)
            {
                if (batch.Forces == null) throw new ArgumentException($"structure {c} has no reference forces (force training needs them)");
                foreach (var f in batch.ForcesOf(c))
                    if (!double.IsFinite(f)) throw new ArgumentException($"structure {c} has no finite reference forces (force training needs them)");
            }
        }
        var values = new BatchDescriptors(setup).ComputeValues(batch, maxDegreeOfParallelism);
        if (!withForces)
            return new TrainingSet(setup, values, (int[])batch.Offsets.Clone(), (double[])batch.Energies.Clone(), ids);
        var derivatives = ComputeDerivatives(batch, setup, maxDegreeOfParallelism);
        return new TrainingSet(setup, values, (int[])batch.Offsets.Clone(), (double[])batch.Energies.Clone(), ids,
            (double[])batch.Forces!.Clone(), derivatives);
    }

    /// <summary>Descriptor derivatives of every cluster (one engine per worker; each result is an independent copy).</summary>
    private static DescriptorDerivatives[] ComputeDerivatives(ClusterBatch batch, DescriptorSetup setup, int maxDegreeOfParallelism)
    {
        var result = new DescriptorDerivatives[batch.ClusterCount];
        ClusterParallel.For(batch, new DerivativeWork(batch, setup, result), new ConcurrentBag<DerivativeWorker>(), () => new DerivativeWorker(setup), maxDegreeOfParallelism);
        return result;
    }

    private sealed class DerivativeWorker(DescriptorSetup setup)
    {
        public readonly DescriptorEngine Engine = new(setup);
        public double[] Values = new double[16];
    }

    private readonly struct DerivativeWork(ClusterBatch batch, DescriptorSetup setup, DescriptorDerivatives[] result) : IClusterRangeWork<DerivativeWorker>
    {
        public void Run(DerivativeWorker w, int from, int to)
        {
            for (int c = from; c < to; c++)
            {
                int need = batch.SizeOf(c) * setup.Count;
                if (w.Values.Length < need) w.Values = new double[2 * need];
                result[c] = w.Engine.ComputeWithDerivatives(batch.PositionsOf(c), w.Values.AsSpan(0, need)).Clone();
            }
        }
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
        var forces = Forces == null ? null : new double[3 * off[^1]];
        var deriv = Derivatives == null ? null : new DescriptorDerivatives[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int s = indices[k];
            Descriptors.AsSpan(Offsets[s] * f, SizeOf(s) * f).CopyTo(d.AsSpan(off[k] * f));
            e[k] = Energies[s];
            ids[k] = Ids[s];
            if (forces != null) Forces.AsSpan(3 * Offsets[s], 3 * SizeOf(s)).CopyTo(forces.AsSpan(3 * off[k]));
            if (deriv != null) deriv[k] = Derivatives![s];   // immutable once built: shared, not copied
        }
        return new TrainingSet(Setup, d, off, e, ids, forces, deriv);
    }

    /// <summary>A short content hash (energies, sizes, descriptors and, when present, forces) for model provenance.</summary>
    public string ContentHash()
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Offsets.AsSpan()));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Energies.AsSpan()));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Descriptors.AsSpan()));
        if (Forces != null) h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Forces.AsSpan()));
        return Convert.ToHexString(h.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
