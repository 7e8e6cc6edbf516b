using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AlHpc.IO;

namespace AlHpc.ActiveLearning;

/// <summary>
/// A JSON error in a configuration file in the user's terms: the key (as written in the file), the file,
/// the line, and for an unknown key the nearest valid one; for a wrong value, what the key expects.
/// No .NET type names.
/// </summary>
internal static partial class ConfigErrors
{
    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex Unmapped();

    public static InputFormatException Describe(string path, JsonException e, Type root)
    {
        int line = e.LineNumber is { } l ? (int)l + 1 : 0;
        var keys = (e.Path ?? "$").TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (Unmapped().Match(e.Message) is { Success: true } m)
        {
            string key = m.Groups[1].Value;
            if (keys.Count > 0 && keys[^1] == key) keys.RemoveAt(keys.Count - 1);
            var owner = Resolve(root, keys);
            string where = keys.Count == 0 ? "at the top level" : $"in \"{string.Join('.', keys)}\"";
            var valid = owner is null ? [] : KeysOf(owner).ToList();
            string? near = Spelling.Nearest(key, valid);
            string hint = near != null ? $"; did you mean \"{near}\"?" : valid.Count > 0 ? $"; valid keys there: {string.Join(", ", valid)}" : "";
            return new InputFormatException(path, line, $"unknown key \"{key}\" {where}{hint}", e);
        }
        var type = Resolve(root, keys, leaf: true);
        string name = keys.Count > 0 ? string.Join('.', keys) : "the file";
        if (type != null && keys.Count > 0)
            return new InputFormatException(path, line, $"\"{name}\": expected {Expected(type)}", e);
        // Syntax errors: the parser's own words, without its path and position suffix (we give the line).
        string what = e.Message;
        int cut = what.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) what = what[..cut];
        cut = what.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) what = what[..cut];
        return new InputFormatException(path, line, $"not valid JSON: {what.TrimEnd('.', ' ')}", e);
    }

    private static string CamelCase(string n) => JsonNamingPolicy.CamelCase.ConvertName(n);

    private static IEnumerable<PropertyInfo> Settable(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
         .Where(p => p.CanWrite && p.SetMethod!.IsPublic && p.GetCustomAttribute<JsonIgnoreAttribute>() is null);

    /// <summary>The keys a settings object accepts (camelCase, as in the file).</summary>
    public static IEnumerable<string> KeysOf(Type t) => Settable(t).Select(p => CamelCase(p.Name));

    private static Type? Resolve(Type root, List<string> keys, bool leaf = false)
    {
        Type? t = root;
        foreach (var k in keys)
        {
            if (t is null) return null;
            var p = Settable(t).FirstOrDefault(p => CamelCase(p.Name) == k);
            if (p is null) return null;
            t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        }
        return leaf || t is null || t.IsClass && t != typeof(string) ? t : t;
    }

    private static string Expected(Type t)
    {
        if (t.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(t).Select(n => $"\"{CamelCase(n)}\""));
        if (t == typeof(int) || t == typeof(long)) return "a whole number";
        if (t == typeof(double) || t == typeof(float)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string (in double quotes)";
        if (t.IsArray) return "a list [ ... ]";
        return "an object { ... } with keys " + string.Join(", ", KeysOf(t));
    }
}
