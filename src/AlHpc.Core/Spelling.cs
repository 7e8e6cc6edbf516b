namespace AlHpc;

/// <summary>"Did you mean ...?" for option names, configuration keys and command names.</summary>
internal static class Spelling
{
    /// <summary>The candidate closest to <paramref name="word"/> (edit distance; a prefix of 3+ letters counts as close), or null if none is near.</summary>
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestD = int.MaxValue;
        string bare = word.TrimStart('-');
        foreach (var c in candidates)
        {
            int d = bare.Length >= 3 && c.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase) ? 1 : Distance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestD) { bestD = d; best = c; }
        }
        int allowed = Math.Max(2, bare.Length / 3);
        return bestD <= allowed ? best : null;
    }

    /// <summary>Optimal-string-alignment edit distance (insertions, deletions, substitutions, adjacent swaps).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
