using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.TestSets;

/// <summary>
/// Loads and saves labelled cluster sets by extension: .h5/.hdf5/.hdf (the native <see cref="TestSetFile"/>
/// format) or .xyz/.extxyz (extended XYZ, one frame per cluster, energy= and forces columns; an XSF file
/// is read as one cluster). Writes are atomic.
/// </summary>
internal static class TestSetIO
{
    /// <summary>Loads a whole set; <paramref name="metadata"/> is the file's (HDF5) or a minimal one (extxyz).</summary>
    public static ClusterBatch Load(string path, out TestSetMetadata metadata)
    {
        if (TestSetFile.IsNativePath(path)) return TestSetFile.Read(path, out metadata);
        if (!File.Exists(path)) throw new FileNotFoundException($"test set not found: {path}", path);
        var clusters = StructureFile.Read(path).ToList();
        if (clusters.Count == 0) throw new InputFormatException(path, 0, "no structures in the file");
        metadata = new TestSetMetadata { Recipe = $"read from {Path.GetFileName(path)}", Created = "" };
        return ClusterBatch.FromClusters(clusters);
    }

    public static ClusterBatch Load(string path) => Load(path, out _);

    /// <summary>Saves a set; extxyz frames get energy= when known and forces when known (NaN = unknown).</summary>
    public static void Save(string path, ClusterBatch batch, TestSetMetadata? metadata = null)
    {
        if (TestSetFile.IsNativePath(path)) { TestSetFile.Write(path, batch, metadata); return; }
        if (StructureFile.FormatOf(path) != StructureFile.Format.ExtXyz)
            throw new InputFormatException(path, 0, "a test set is written as .h5/.hdf5 or .xyz/.extxyz");
        AtomicFile.WriteText(path, w =>
        {
            for (int c = 0; c < batch.ClusterCount; c++)
            {
                double e = batch.Energies[c];
                var f = batch.ForcesOf(c);
                bool hasF = !f.IsEmpty && !HasNaN(f);
                ExtXyz.WriteFrame(w, batch.PositionsOf(c), double.IsNaN(e) ? null : e, hasF ? f : Span<double>.Empty, null, batch.Elements, batch.TypesOf(c));
            }
        });
    }

    private static bool HasNaN(ReadOnlySpan<double> s)
    {
        foreach (var v in s) if (double.IsNaN(v)) return true;
        return false;
    }
}
