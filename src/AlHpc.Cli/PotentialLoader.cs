using AlHpc.Potentials;

namespace AlHpc.Cli;

/// <summary>
/// Picks the potential of a command: the one place where CLI options become an <see cref="IPotential"/>.
/// Extend it here (e.g. a trained network from --model) so every command gets the new kind at once.
/// </summary>
public static class PotentialLoader
{
    /// <summary>
    /// <paramref name="potentialFile"/>: a LAMMPS pair_style tersoff file; <paramref name="modelFile"/>: a trained
    /// network model file (<see cref="AlHpc.Network.ModelFile"/>, loaded as an <see cref="NnPotential"/>). Neither: the built-in ML-BOP reference. Both: a usage error (exit 2).
    /// </summary>
    /// <summary>A network model file, checked to be one first (see <see cref="InputKinds"/>).</summary>
    public static AlHpc.Network.NnModel LoadModel(string path, string? option = null)
    {
        InputKinds.Require(path, InputKinds.Expect.Model, option);
        return AlHpc.Network.ModelFile.Load(path);
    }

    /// <summary>
    /// Structures from a file, checked to be a structure file first. <paramref name="species"/>: the species of the
    /// potential they are for (<see cref="IPotential.Species"/>): an atom of another element is bad input naming the
    /// file, line, frame, atom and element, and the clusters' types are the potential's; null: any element.
    /// </summary>
    public static List<AlHpc.Structures.Cluster> LoadStructures(string path, string? option = null, IReadOnlyList<string>? species = null)
    {
        InputKinds.Require(path, InputKinds.Expect.Structures, option);
        return AlHpc.IO.StructureFile.Read(path, species).ToList();
    }

    public static IPotential Load(string? potentialFile, string? modelFile = null)
    {
        if (potentialFile != null && modelFile != null)
            throw new UsageException("give either --potential or --model, not both");
        if (modelFile != null) return new NnPotential(LoadModel(modelFile, "--model"));
        if (potentialFile != null)
        {
            InputKinds.Require(potentialFile, InputKinds.Expect.Tersoff, "--potential");
            return TersoffPotential.Load(potentialFile);
        }
        return TersoffPotential.MlBop;
    }
}
