using System.Globalization;

namespace AlHpc.TestSets;

/// <summary>
/// Descriptive attributes of a test set file (HDF5 root attributes; see docs/testsets.md).
/// Everything here is informational except <see cref="Format"/> and <see cref="FormatVersion"/>,
/// which readers check.
/// </summary>
public sealed class TestSetMetadata
{
    /// <summary>Free text: what the set is ("ML-BOP thermal + nested clusters, 1-200 molecules").</summary>
    public string Description { get; set; } = "";

    /// <summary>How the set was made (the generator recipe as one line of key=value pairs, or "converted from FILE").</summary>
    public string Recipe { get; set; } = "";

    /// <summary>Name of the reference model that labelled the set ("ML-BOP (Tersoff)").</summary>
    public string Reference { get; set; } = "";

    /// <summary>Master seed of the generator (null when not generated).</summary>
    public long? Seed { get; set; }

    /// <summary>Program that wrote the file ("alhpc 0.1.0").</summary>
    public string Program { get; set; } = DefaultProgram;

    /// <summary>UTC creation time, ISO 8601.</summary>
    public string Created { get; set; } = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Read back from a file: the format version it was written with.</summary>
    public int FormatVersion { get; set; } = TestSetFile.CurrentVersion;

    public static string DefaultProgram => ProgramInfo.NameAndVersion;

    public TestSetMetadata Clone() => (TestSetMetadata)MemberwiseClone();
}
