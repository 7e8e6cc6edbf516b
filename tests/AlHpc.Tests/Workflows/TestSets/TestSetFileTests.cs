using AlHpc.IO;
using AlHpc.TestSets;
using PureHDF;

namespace AlHpc.Tests.TestSets;

public class TestSetFileTests
{
    private static readonly int[] Sizes = [1, 2, 3, 25, 7, 60, 1, 13];

    [Fact]
    public void RoundTrip_KeepsEverythingBitForBit()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "set.h5");
        var b = TestSetTestData.RandomBatch(Sizes, 1);
        b.Energies[2] = double.NaN; // unknown energies survive
        var meta = new TestSetMetadata { Description = "unit test", Recipe = "count=8 sizes=1-60", Reference = "ML-BOP", Seed = 42 };
        TestSetFile.Write(path, b, meta);

        var r = TestSetFile.Read(path, out var m2);
        Assert.Equal(b.Offsets, r.Offsets);
        Assert.Equal(b.Positions, r.Positions);
        Assert.Equal(b.Forces, r.Forces);
        Assert.Equal(b.Energies.Select(BitConverter.DoubleToInt64Bits), r.Energies.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal("unit test", m2.Description);
        Assert.Equal("count=8 sizes=1-60", m2.Recipe);
        Assert.Equal("ML-BOP", m2.Reference);
        Assert.Equal(42, m2.Seed);
        Assert.Equal(meta.Created, m2.Created);
        Assert.Equal(TestSetFile.CurrentVersion, m2.FormatVersion);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp")); // no temporary left behind
    }

    [Fact]
    public void RoundTrip_WithoutForces()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "set.hdf5");
        var b = TestSetTestData.RandomBatch(Sizes, 2, withForces: false);
        TestSetFile.Write(path, b);
        using var reader = TestSetReader.Open(path);
        Assert.False(reader.HasForces);
        Assert.Null(reader.Metadata.Seed);
        var r = reader.ReadAll();
        Assert.Null(r.Forces);
        Assert.Equal(b.Positions, r.Positions);
        Assert.Equal(b.Energies, r.Energies);
    }

    [Fact]
    public void HyperslabRanges_MatchTheWholeSet()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "set.h5");
        var b = TestSetTestData.RandomBatch(Sizes, 3);
        TestSetFile.Write(path, b);
        using var reader = TestSetReader.Open(path);
        Assert.Equal(Sizes.Length, reader.ClusterCount);
        Assert.Equal(Sizes.Sum(), reader.AtomCount);
        for (int c = 0; c < Sizes.Length; c++) Assert.Equal(Sizes[c], reader.SizeOf(c));

        var part = reader.ReadRange(3, 3); // clusters 3, 4, 5
        Assert.Equal(new[] { 0, 25, 32, 92 }, part.Offsets);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(b.PositionsOf(3 + k).ToArray(), part.PositionsOf(k).ToArray());
            Assert.Equal(b.ForcesOf(3 + k).ToArray(), part.ForcesOf(k).ToArray());
            Assert.Equal(b.Energies[3 + k], part.Energies[k]);
        }

        var positions = new List<double>();
        var energies = new List<double>();
        int expectFirst = 0;
        foreach (var (first, chunk) in reader.ReadChunks(3))
        {
            Assert.Equal(expectFirst, first);
            expectFirst += chunk.ClusterCount;
            positions.AddRange(chunk.Positions);
            energies.AddRange(chunk.Energies);
        }
        Assert.Equal(b.Positions, positions);
        Assert.Equal(b.Energies, energies);
    }

    [Fact]
    public void TruncatedFile_IsAClearInputError()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "set.h5");
        TestSetFile.Write(path, TestSetTestData.RandomBatch([300, 400, 500, 1, 2000], 4)); // > 64 KiB: contiguous datasets
        var bytes = File.ReadAllBytes(path);
        foreach (double frac in new[] { 0.999, 0.9, 0.5, 0.05 })
        {
            var cut = Path.Combine(dir, $"cut{frac}.h5");
            File.WriteAllBytes(cut, bytes.AsSpan(0, (int)(bytes.Length * frac)).ToArray());
            var e = Assert.Throws<InputFormatException>(() => TestSetFile.Read(cut));
            Assert.Equal(cut, e.File);
            Assert.Contains("truncated", e.Message);
        }
    }

    [Fact]
    public void NotHdf5_IsAClearInputError()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "text.h5");
        File.WriteAllText(path, "3\nProperties=species:S:1:pos:R:3\nO 0 0 0\n");
        var e = Assert.Throws<InputFormatException>(() => TestSetFile.Read(path));
        Assert.Equal(path, e.File);
        Assert.Contains("HDF5", e.Message);
    }

    [Fact]
    public void MissingFile_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => TestSetFile.Read(Path.Combine(TestPaths.NewTempDir(), "absent.h5")));
    }

    [Fact]
    public void MissingDataset_AndWrongShapes_AreNamed()
    {
        var dir = TestPaths.NewTempDir();
        // A file with the format attribute but no energies.
        var noEnergies = Path.Combine(dir, "noe.h5");
        new H5File
        {
            Attributes = { ["format"] = TestSetFile.FormatName, ["format_version"] = 1L },
            ["positions"] = new H5Dataset(new double[6], fileDims: [2UL, 3UL]),
            ["offsets"] = new H5Dataset(new long[] { 0, 2 }, fileDims: [2UL]),
        }.Write(noEnergies);
        var e1 = Assert.Throws<InputFormatException>(() => TestSetFile.Read(noEnergies));
        Assert.Contains("'energies'", e1.Message);

        // Offsets say 3 atoms, positions hold 2.
        var badShape = Path.Combine(dir, "shape.h5");
        new H5File
        {
            Attributes = { ["format"] = TestSetFile.FormatName, ["format_version"] = 1L },
            ["positions"] = new H5Dataset(new double[6], fileDims: [2UL, 3UL]),
            ["energies"] = new H5Dataset(new double[] { -1 }, fileDims: [1UL]),
            ["offsets"] = new H5Dataset(new long[] { 0, 3 }, fileDims: [2UL]),
        }.Write(badShape);
        var e2 = Assert.Throws<InputFormatException>(() => TestSetFile.Read(badShape));
        Assert.Contains("'positions'", e2.Message);

        // Not our format at all.
        var foreign = Path.Combine(dir, "foreign.h5");
        new H5File { ["data"] = new H5Dataset(new double[] { 1, 2 }, fileDims: [2UL]) }.Write(foreign);
        var e3 = Assert.Throws<InputFormatException>(() => TestSetFile.Read(foreign));
        Assert.Contains("format", e3.Message);

        // Decreasing offsets.
        var badOffsets = Path.Combine(dir, "offsets.h5");
        new H5File
        {
            Attributes = { ["format"] = TestSetFile.FormatName, ["format_version"] = 1L },
            ["positions"] = new H5Dataset(new double[6], fileDims: [2UL, 3UL]),
            ["energies"] = new H5Dataset(new double[] { -1, -1 }, fileDims: [2UL]),
            ["offsets"] = new H5Dataset(new long[] { 0, 2, 1 }, fileDims: [3UL]),
        }.Write(badOffsets);
        var e4 = Assert.Throws<InputFormatException>(() => TestSetFile.Read(badOffsets));
        Assert.Contains("offsets", e4.Message);
    }
}
