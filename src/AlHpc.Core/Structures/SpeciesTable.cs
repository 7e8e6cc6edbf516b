namespace AlHpc.Structures;

/// <summary>
/// The one species convention of AlHpc: a species table (element symbols; index = type) and per-atom type
/// indices into it. Clusters and batches carry a table of their own (<see cref="Cluster.Elements"/>,
/// <see cref="ClusterBatch.Elements"/>); a potential's table is the species it accepts
/// (<see cref="Potentials.IPotential.Species"/>), and the types its evaluators and Monte Carlo backends take
/// index that table. This class holds the one check of types against a table (<see cref="CheckTypes"/>,
/// <see cref="CheckType"/>) and the one mapping of a structure's elements onto a potential's species
/// (<see cref="TypesIn(Cluster, IReadOnlyList{string})"/>); every failure is a <see cref="SpeciesException"/>
/// naming the atom (or type) and the species.
/// </summary>
public static class SpeciesTable
{
    /// <summary>The type of <paramref name="element"/> in <paramref name="table"/>, or -1 when it is not there.</summary>
    public static int IndexOf(IReadOnlyList<string> table, ReadOnlySpan<char> element)
    {
        for (int i = 0; i < table.Count; i++)
            if (element.SequenceEqual(table[i])) return i;
        return -1;
    }

    /// <summary>The table for messages: "'O' (index 0)" or "'O' (index 0), 'H' (index 1)".</summary>
    public static string Describe(IReadOnlyList<string> table) =>
        string.Join(", ", table.Select((e, i) => $"'{e}' (index {i})"));

    /// <summary>"element 'H' is not a species of the potential, which accepts 'O' (index 0)": the message of a foreign element.</summary>
    public static string NotAccepted(string element, IReadOnlyList<string> accepted) =>
        $"element '{element}' is not a species of the potential, which accepts {Describe(accepted)}";

    private static string Accepts(int count, IReadOnlyList<string>? names) =>
        names != null ? $"the species are {Describe(names)}"
        : count == 1 ? "there is one species (index 0)" : $"the species are indices 0..{count - 1}";

    /// <summary>
    /// Checks one type index against a table of <paramref name="count"/> species (<paramref name="names"/>, when
    /// known, for the message): a <see cref="SpeciesException"/> ("species index 2 is not accepted: there is one species (index 0)") otherwise.
    /// </summary>
    public static void CheckType(int type, int count, IReadOnlyList<string>? names = null)
    {
        if ((uint)type >= (uint)count) throw new SpeciesException($"species index {type} is not accepted: {Accepts(count, names)}");
    }

    /// <summary>
    /// Checks per-atom types against a table of <paramref name="count"/> species: one type per atom
    /// (<see cref="ArgumentException"/> otherwise), every type in 0..count-1 (<see cref="SpeciesException"/> naming the
    /// first atom that is not: "atom 3 has species index 1; the species are 'O' (index 0)").
    /// </summary>
    public static void CheckTypes(ReadOnlySpan<int> types, int atoms, int count, IReadOnlyList<string>? names = null)
    {
        if (types.Length != atoms) throw new ArgumentException($"{types.Length} species types for {atoms} atoms (one per atom)", nameof(types));
        for (int i = 0; i < types.Length; i++)
            if ((uint)types[i] >= (uint)count)
                throw new SpeciesException($"atom {i} has species index {types[i]}; {Accepts(count, names)}");
    }

    /// <summary><see cref="CheckTypes(ReadOnlySpan{int}, int, int, IReadOnlyList{string}?)"/> against a table of names.</summary>
    public static void CheckTypes(ReadOnlySpan<int> types, int atoms, IReadOnlyList<string> species) =>
        CheckTypes(types, atoms, species.Count, species);

    /// <summary>A structure's species: a table of at least one non-empty symbol and one valid type per atom (<see cref="ArgumentException"/>s).</summary>
    public static void CheckTable(string[] elements, ReadOnlySpan<int> types, int atoms)
    {
        if (elements.Length == 0) throw new ArgumentException("the species table needs at least one element", nameof(elements));
        foreach (var e in elements)
            if (string.IsNullOrEmpty(e)) throw new ArgumentException("an element symbol of the species table is empty", nameof(elements));
        CheckTypes(types, atoms, elements);
    }

    /// <summary>
    /// The per-atom types of a cluster as indices into <paramref name="species"/> (a potential's table): its own
    /// <see cref="Cluster.Types"/> when the tables agree, else a new array. A <see cref="SpeciesException"/> names the
    /// first atom whose element is not in <paramref name="species"/>.
    /// </summary>
    public static int[] TypesIn(Cluster cluster, IReadOnlyList<string> species) =>
        Map(cluster.Elements, cluster.Types, species, a => $"atom {a}");

    /// <summary>
    /// The per-atom types of a batch (batch layout) as indices into <paramref name="species"/>: the batch's own
    /// <see cref="ClusterBatch.Types"/> when the tables agree, else a new array. A <see cref="SpeciesException"/>
    /// names the cluster and atom of the first element not in <paramref name="species"/>.
    /// </summary>
    public static int[] TypesIn(ClusterBatch batch, IReadOnlyList<string> species) =>
        Map(batch.Elements, batch.Types, species, a =>
        {
            int c = Array.BinarySearch(batch.Offsets, a);
            if (c < 0) c = ~c - 1;
            while (c + 1 < batch.Offsets.Length && batch.Offsets[c + 1] == a) c++; // skip empty clusters
            return $"cluster {c} atom {a - batch.Offsets[c]}";
        });

    private static int[] Map(string[] from, int[] types, IReadOnlyList<string> to, Func<int, string> where)
    {
        bool same = from.Length <= to.Count;
        var map = new int[from.Length];
        for (int t = 0; t < from.Length; t++)
        {
            map[t] = IndexOf(to, from[t]);
            same &= map[t] == t;
        }
        if (same) return types;
        var mapped = new int[types.Length];
        for (int a = 0; a < types.Length; a++)
        {
            int m = map[types[a]];
            if (m < 0) throw new SpeciesException($"{where(a)}: {NotAccepted(from[types[a]], to)}");
            mapped[a] = m;
        }
        return mapped;
    }
}

/// <summary>A species (type index or element) that a potential, evaluator or backend does not accept.</summary>
public sealed class SpeciesException(string message) : ArgumentException(message);
