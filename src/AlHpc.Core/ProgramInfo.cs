using System.Reflection;

namespace AlHpc;

/// <summary>
/// The one version string of AlHpc (from &lt;Version&gt; in Directory.Build.props): printed by
/// `alhpc version` and `alhpc --version`, written into model files and test sets.
/// </summary>
internal static class ProgramInfo
{
    public static string Version { get; } = Read();

    /// <summary>"alhpc X.Y.Z", the form stored in files.</summary>
    public static string NameAndVersion => $"alhpc {Version}";

    private static string Read()
    {
        var a = typeof(ProgramInfo).Assembly;
        string? v = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(v)) v = a.GetName().Version?.ToString(3) ?? "unknown";
        int plus = v.IndexOf('+');
        return plus > 0 ? v[..plus] : v;
    }
}
