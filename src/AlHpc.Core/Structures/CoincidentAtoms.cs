namespace AlHpc.Structures;

/// <summary>
/// Coincident atoms: two atoms closer than <see cref="MinSeparation"/> (0.1 A). No bond of any element is
/// that short (H2: 0.74 A), every potential of AlHpc is singular or meaningless there (the descriptors'
/// angles and the forces divide by the distance: coincident atoms give NaN forces), so every structure
/// reader rejects such a structure as bad input instead of computing on it.
/// </summary>
internal static class CoincidentAtoms
{
    /// <summary>The distance (A) below which two atoms are coincident.</summary>
    public const double MinSeparation = 0.1;

    /// <summary>
    /// The first pair (i &lt; j) closer than <see cref="MinSeparation"/>, or null. Sorts by x and compares only
    /// atoms within MinSeparation in x: O(n log n) for any real structure.
    /// </summary>
    public static (int I, int J, double R)? Find(ReadOnlySpan<double> positions)
    {
        int n = positions.Length / 3;
        if (n < 2) return null;
        var order = new int[n];
        var xs = new double[n];
        for (int i = 0; i < n; i++) { order[i] = i; xs[i] = positions[3 * i]; }
        Array.Sort(xs, order);
        const double min2 = MinSeparation * MinSeparation;
        for (int a = 0; a < n; a++)
        {
            int i = order[a];
            for (int b = a + 1; b < n && xs[b] - xs[a] < MinSeparation; b++)
            {
                int j = order[b];
                double dx = positions[3 * i] - positions[3 * j], dy = positions[3 * i + 1] - positions[3 * j + 1], dz = positions[3 * i + 2] - positions[3 * j + 2];
                double r2 = dx * dx + dy * dy + dz * dz;
                if (r2 < min2) return (Math.Min(i, j), Math.Max(i, j), Math.Sqrt(r2));
            }
        }
        return null;
    }

    /// <summary>The reader's message for a coincident pair (1-based atom numbers), or null.</summary>
    public static string? Describe(ReadOnlySpan<double> positions) =>
        Find(positions) is { } p
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"atoms {p.I + 1} and {p.J + 1} are {p.R:G3} A apart (coincident: closer than {MinSeparation} A)")
            : null;
}
