using System.Globalization;

namespace AlHpc.IO;

/// <summary>
/// The one place that enforces "never write NaN or Infinity": every writer of an output file (structures,
/// models, n2p2 exports, metrics, test sets, descriptors, logs, training curves) formats or checks its numbers
/// here. A non-finite value throws <see cref="NonFiniteOutputException"/>; <see cref="AtomicFile"/> then
/// discards the temporary file and adds the target's name, so nothing is written. Where a CSV or JSON field
/// "does not apply" (no held-out part, no forces) the writer uses the Optional forms: NaN becomes an empty
/// field or null, never the text "NaN"; an infinity is still refused.
/// </summary>
internal static class FiniteOutput
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Returns <paramref name="v"/> if finite; throws otherwise.</summary>
    public static double Check(double v, string what) =>
        double.IsFinite(v) ? v : throw new NonFiniteOutputException(what, v);

    /// <summary>Checks every value of <paramref name="values"/>.</summary>
    public static void CheckAll(ReadOnlySpan<double> values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) throw new NonFiniteOutputException($"{what}[{i}]", values[i]);
    }

    /// <summary>Checks that no value is an infinity (NaN: "unknown", allowed where a format defines it so).</summary>
    public static void CheckAllOptional(ReadOnlySpan<double> values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (double.IsInfinity(values[i])) throw new NonFiniteOutputException($"{what}[{i}]", values[i]);
    }

    /// <summary>The value in <paramref name="format"/> ("R": shortest round trip); throws on NaN or Infinity.</summary>
    public static string Format(double v, string what, string format = "R") => Check(v, what).ToString(format, Inv);

    /// <summary>Writes the shortest round-trip text of a finite value without allocating.</summary>
    public static void Write(TextWriter w, double v, Span<char> buf, string what = "number")
    {
        if (!double.IsFinite(v)) throw new NonFiniteOutputException(what, v);
        if (!v.TryFormat(buf, out int k, "R", Inv)) throw new InvalidOperationException("number formatting failed");
        w.Write(buf[..k]);
    }

    /// <summary>A field that may not apply: NaN gives "" (empty CSV field); an infinity throws.</summary>
    public static string Optional(double v, string what, string format = "R") =>
        double.IsNaN(v) ? "" : Format(v, what, format);

    /// <summary>Whether a value may be written as "not applicable" (NaN) or as a number (finite).</summary>
    public static bool IsWritableOptional(double v) => double.IsNaN(v) || double.IsFinite(v);
}

/// <summary>A writer was given NaN or Infinity; nothing was written (exit code 1: a computation went wrong).</summary>
public sealed class NonFiniteOutputException : Exception
{
    public NonFiniteOutputException(string what, double value, string? file = null)
        : base($"{(file != null ? file + ": " : "")}refusing to write a non-finite number ({what} = {value.ToString(CultureInfo.InvariantCulture)}); nothing was written")
    {
        What = what;
        Value = value;
        File = file;
    }

    public string What { get; }
    public double Value { get; }
    public string? File { get; }

    /// <summary>The same error naming the target file.</summary>
    public NonFiniteOutputException WithFile(string file) => File != null ? this : new NonFiniteOutputException(What, Value, file);
}
