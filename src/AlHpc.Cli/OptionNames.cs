using System.CommandLine;
using System.Text.RegularExpressions;

namespace AlHpc.Cli;

/// <summary>
/// Turns a library argument error into a message in the user's terms: the option instead of the .NET
/// parameter or property name (or, for bad training settings, the setting's name), without the
/// " (Parameter 'X')" suffix .NET appends.
/// </summary>
public static partial class OptionNames
{
    [GeneratedRegex(@"\s*\(Parameter '([^']*)'\)\s*$")]
    private static partial Regex ParameterSuffix();

    /// <summary>The message without .NET's parameter suffix, and the parameter's name (or null).</summary>
    public static string Clean(string message, out string? parameter)
    {
        var m = ParameterSuffix().Match(message);
        parameter = m.Success ? m.Groups[1].Value : null;
        return m.Success ? message[..m.Index] : message;
    }

    public static string Clean(string message) => Clean(message, out _);

    public static UsageException Translate(ArgumentException e, IReadOnlyDictionary<string, Option> options)
    {
        if (e is AlHpc.Training.TrainingSettingsException bad)
            return new UsageException(string.Join("; ", bad.Problems.Select(p =>
                options.TryGetValue(p.Setting, out var flag) ? $"{flag.Name} {p.Problem}" : p.ToString())));
        string text = Clean(e.Message, out var parameter);
        parameter ??= e.ParamName;
        if (text.StartsWith("Specified argument was out of the range", StringComparison.Ordinal)) text = "value out of range";
        return parameter != null && options.TryGetValue(parameter, out var o)
            ? new UsageException($"{o.Name}: {text}")
            : new UsageException($"bad option value: {text}");
    }
}
