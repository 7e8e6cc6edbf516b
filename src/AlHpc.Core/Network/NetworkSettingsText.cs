namespace AlHpc.Network;

/// <summary>Architecture and activation as users write them (`--hidden 10,10`, `--activation twist`, the same in a learn configuration).</summary>
internal static class NetworkSettingsText
{
    /// <summary>The activations a hidden layer may use (aenet's set).</summary>
    public const string Activations = "linear, tanh, sigmoid, twist, mtanh";

    /// <summary>"10,10" -> [10, 10]; throws ArgumentException naming <paramref name="what"/>.</summary>
    public static int[] ParseHidden(string text, string what)
    {
        var parts = text.Split([',', '-', ' '], StringSplitOptions.RemoveEmptyEntries);
        var n = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out n[i]) || n[i] < 1)
                throw new ArgumentException($"{what} '{text}': give the nodes of each hidden layer as positive whole numbers, e.g. 10,10");
        if (n.Length == 0) throw new ArgumentException($"{what}: give at least one hidden layer, e.g. 10,10");
        return n;
    }

    public static Activation ParseActivation(string text, string what) =>
        ActivationFunctions.TryParse(text, out var a) ? a
            : throw new ArgumentException($"{what} '{text}': not an activation; use one of {Activations}");
}
