using AlHpc.IO;

namespace AlHpc.Cli;

/// <summary>
/// Checks, before a command parses a file, that the file holds what the command expects (judged from its
/// content by <see cref="FileSniffer"/>). A clear mismatch is bad input (exit 2): "F:1: this looks like an
/// extxyz structure file, not a network model; give a model with --model". Files of unknown kind go on to
/// the parser, which reports its own file, line and cause.
/// </summary>
public static class InputKinds
{
    public enum Expect { Structures, Model, Tersoff, TestSet, Config, Setup }

    private static string Name(Expect e) => e switch
    {
        Expect.Structures => "a structure file (extxyz or XSF)",
        Expect.Model => "a network model",
        Expect.Tersoff => "a LAMMPS Tersoff parameter file",
        Expect.TestSet => "a test set (HDF5 or extxyz)",
        Expect.Config => "an active-learning configuration",
        _ => "a descriptor setup (.stp)",
    };

    private static bool Fits(Expect e, FileKind k) => k is FileKind.Unknown || e switch
    {
        Expect.Structures => k is FileKind.ExtXyz or FileKind.Xsf or FileKind.Empty,
        Expect.Model => k is FileKind.Model or FileKind.Json,
        Expect.Tersoff => k is FileKind.Tersoff or FileKind.Empty,
        Expect.TestSet => k is FileKind.Hdf5 or FileKind.ExtXyz or FileKind.Empty,
        Expect.Config => k is FileKind.RunConfig or FileKind.Json,
        _ => k is FileKind.AenetSetup,
    };

    /// <summary>Where a file of this kind goes on the command line.</summary>
    private static string? WhereItGoes(FileKind k) => k switch
    {
        FileKind.Model => "give a model with --model",
        FileKind.RunConfig => "give a configuration to 'alhpc learn --config'",
        FileKind.ExtXyz or FileKind.Xsf => "structures are the input of energy, minimize, descriptors, train --data and sample --start",
        FileKind.Tersoff => "give a Tersoff file with --potential",
        FileKind.Hdf5 => "give a test set with --testset",
        FileKind.AenetSetup => "give a descriptor setup with --setup",
        _ => null,
    };

    /// <summary>Throws <see cref="InputFormatException"/> when <paramref name="path"/> exists and clearly holds another kind of file.</summary>
    public static void Require(string? path, Expect expected, string? option = null)
    {
        if (path is null || !File.Exists(path)) return;
        var kind = FileSniffer.Sniff(path);
        if (Fits(expected, kind)) return;
        string hint = WhereItGoes(kind) is { } w ? $"; {w}" : "";
        throw new InputFormatException(path, 1,
            $"this looks like {FileSniffer.Describe(kind)}, not {Name(expected)}{(option is null ? "" : $" as {option} expects")}{hint}");
    }
}
