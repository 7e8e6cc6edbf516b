using AlHpc.IO;
using AlHpc.Structures;

namespace AlHpc.Tests.Foundation;

public class StructureIoTests
{
    private static Cluster RandomCluster(Random rng, int n, bool forces, double? energy)
    {
        var pos = new double[3 * n];
        // Awkward magnitudes in x and z; y spaces the atoms 1 A apart (readers reject coincident atoms, closer than 0.1 A).
        for (int i = 0; i < pos.Length; i++) pos[i] = i % 3 == 1 ? i / 3 + (rng.NextDouble() - 0.5) * 1e-3 : (rng.NextDouble() - 0.5) * 1e3 * Math.Pow(10, -rng.Next(0, 12));
        var c = new Cluster(pos) { Energy = energy };
        if (forces)
        {
            c.Forces = new double[3 * n];
            for (int i = 0; i < c.Forces.Length; i++) c.Forces[i] = rng.NextDouble() * 1e-7 - 3.3;
        }
        return c;
    }

    [Fact]
    public void ExtXyzRoundTripIsBitExact()
    {
        var rng = new Random(7);
        var clusters = new List<Cluster>
        {
            RandomCluster(rng, 25, true, -8.250324453188123),
            RandomCluster(rng, 1, false, null),
            RandomCluster(rng, 7, true, 1.0 / 3.0),
        };
        clusters[0].SetInfo("style", "1");
        clusters[0].SetInfo("comment", "two words");
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "rt.xyz");
        ExtXyz.Write(path, clusters);
        var back = ExtXyz.Read(path).ToList();
        Assert.Equal(clusters.Count, back.Count);
        for (int k = 0; k < clusters.Count; k++)
        {
            Assert.Equal(clusters[k].Positions, back[k].Positions);
            Assert.Equal(clusters[k].Energy, back[k].Energy);
            Assert.Equal(clusters[k].Forces, back[k].Forces);
            Assert.Equal(["O"], back[k].Elements);
            Assert.All(back[k].Types, t => Assert.Equal(0, t));
        }
        Assert.Equal("1", back[0].GetInfo("style"));
        Assert.Equal("two words", back[0].GetInfo("comment"));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void XsfRoundTripIsBitExact()
    {
        var rng = new Random(3);
        var dir = TestPaths.NewTempDir();
        foreach (bool f in new[] { true, false })
        {
            var c = RandomCluster(rng, 9, f, -1.234567890123456789);
            var path = Path.Combine(dir, $"s{f}.xsf");
            Xsf.Write(path, c);
            var back = Xsf.Read(path);
            Assert.Equal(c.Positions, back.Positions);
            Assert.Equal(c.Energy, back.Energy);
            Assert.Equal(c.Forces, back.Forces);
            // dispatcher
            var viaDispatch = StructureFile.Read(path).Single();
            Assert.Equal(c.Positions, viaDispatch.Positions);
        }
    }

    [Fact]
    public void ReadsTheLammpsReferenceFile()
    {
        var frames = ExtXyz.Read(TestPaths.Data("mlbop_lammps.extxyz")).ToList();
        Assert.Equal(23, frames.Count);
        Assert.Equal(1, frames[0].Count);
        Assert.Equal(2, frames[1].Count);
        Assert.Equal(-0.121792055864, frames[1].Energy);
        Assert.All(frames, f => Assert.NotNull(f.Forces));
        Assert.All(frames, f => Assert.NotNull(f.GetInfo("style")));
        Assert.Contains(frames, f => f.Count == 200);
    }

    [Fact]
    public void ReadsTheSeedXsf()
    {
        var c = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf"));
        Assert.Equal(25, c.Count);
        Assert.Equal(-8.2503244532, c.Energy);
        Assert.Equal(3.81936481648980, c.Positions[0]);
        Assert.Equal(9.999999747378752E-006, c.Positions[1]);
    }

    [Fact]
    public void StreamingReaderYieldsFramesBeforeTheEnd()
    {
        // a bad second frame must not prevent reading the first
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "s.xyz");
        File.WriteAllText(path, "1\n\nO 0 0 0\n2\n\nO 0 0 0\n");
        using var e = ExtXyz.Read(path).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.Equal(1, e.Current.Count);
        var ex = Assert.Throws<InputFormatException>(() => e.MoveNext());
        Assert.Equal(7, ex.Line);
    }

    public static TheoryData<string, int, string> MalformedExtXyz => new()
    {
        // content, expected line, expected message fragment
        { "2\nProperties=species:S:1:pos:R:3\nO 0 0 0\nO 1 1 1\nO 2 2 2\n", 5, "wrong atom count" },
        { "3\nProperties=species:S:1:pos:R:3\nO 0 0 0\nO 1 1 1\n1\n\nO 0 0 0\n", 5, "wrong atom count" },
        { "2\n\nO 0 0 0\nO 1 x 1\n", 4, "non-numeric value 'x'" },
        { "2\n\nO 0 0 0\nO 1 NaN 1\n", 4, "non-finite" },
        { "2\n\nO 0 0 0\nO 1 Infinity 1\n", 4, "non-finite" },
        { "2\n\nO 0 0 0\nXq 1 1 1\n", 4, "unknown element 'Xq'" },
        { "3\nenergy=-1.0\nO 0 0 0\nO 1 1 1\n", 5, "truncated" },
        { "3\n", 2, "truncated" },
        { "x\n\nO 0 0 0\n", 1, "atom count" },
        { "1\nenergy=abc\nO 0 0 0\n", 2, "non-numeric energy" },
        { "1\nenergy=nan\nO 0 0 0\n", 2, "non-finite energy" },
        { "1\npbc=\"T T T\"\nO 0 0 0\n", 2, "periodic" },
        { "1\nProperties=species:S:1:pos:R:3:forces:R:3\nO 0 0 0 1 2\n", 3, "expected 7 columns" },
        { "1\nProperties=species:S:1:pos:R:3:forces:R:3\nO 0 0 0 1 2 zz\n", 3, "non-numeric value 'zz' in column 7 (forces)" },
    };

    [Theory]
    [MemberData(nameof(MalformedExtXyz))]
    public void MalformedExtXyzGivesFileLineAndCause(string content, int line, string fragment)
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "bad.xyz");
        File.WriteAllText(path, content);
        var ex = Assert.Throws<InputFormatException>(() => ExtXyz.Read(path).ToList());
        Assert.Equal(path, ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Contains(fragment, ex.Problem);
        Assert.StartsWith($"{path}:{line}: ", ex.Message);
    }

    public static TheoryData<string, int, string> MalformedXsf => new()
    {
        { "# total energy = abc eV\n\nATOMS\nO 0 0 0\n", 1, "non-numeric total energy" },
        { "ATOMS\nO 0 0 0\nO 0 1\n", 3, "expected 4 columns" },
        { "ATOMS\nO 0 0 0\nO 0 nan 1\n", 3, "non-finite position" },
        { "ATOMS\nO 0 0 0\nZz 0 0 1\n", 3, "unknown element 'Zz'" },
        { "CRYSTAL\nPRIMVEC\n", 1, "periodic" },
        { "# total energy = -1 eV\n", 2, "no ATOMS block" },
    };

    [Theory]
    [MemberData(nameof(MalformedXsf))]
    public void MalformedXsfGivesFileLineAndCause(string content, int line, string fragment)
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "bad.xsf");
        File.WriteAllText(path, content);
        var ex = Assert.Throws<InputFormatException>(() => StructureFile.Read(path).ToList());
        Assert.Equal(line, ex.Line);
        Assert.Contains(fragment, ex.Problem);
    }

    [Fact]
    public void XsfAcceptsAtomicNumbersAndFortranExponents()
    {
        var c = Xsf.Read(new StringReader("ATOMS\n8 1.0D-01 0 0\n8 0 2.5d0 0\n"), "mem.xsf");
        Assert.Equal(new[] { 0.1, 0, 0, 0, 2.5, 0 }, c.Positions);
        Assert.Equal("O", c.ElementOf(1));
    }

    [Fact]
    public void UnknownExtensionIsBadInput()
    {
        Assert.Throws<InputFormatException>(() => StructureFile.Read("x.pdb").ToList());
    }

    [Fact]
    public void TrajectoryWriterLeavesNoFileUntilComplete()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "traj.xyz");
        using (var w = new ExtXyzWriter(path))
        {
            w.Write([0, 0, 0, 1, 2, 3], -0.5);
            w.Flush();
            Assert.False(File.Exists(path));
            // disposed without Complete: abandoned
        }
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir));

        using (var w = new ExtXyzWriter(path))
        {
            w.Write([0, 0, 0, 1, 2, 3], -0.5, [1, 1, 1, -1, -1, -1]);
            w.Write(new Cluster([0.1, 0.2, 0.3]) { Energy = 0 });
            w.Complete();
            Assert.Equal(2, w.FrameCount);
        }
        var back = ExtXyz.Read(path).ToList();
        Assert.Equal(2, back.Count);
        Assert.Equal(-0.5, back[0].Energy);
        Assert.Equal(new double[] { 1, 1, 1, -1, -1, -1 }, back[0].Forces);
        Assert.Null(back[1].Forces);
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void WrittenFormatIsAseStyle()
    {
        var sw = new StringWriter();
        ExtXyz.WriteFrame(sw, new Cluster([0, 0.5, 1]) { Energy = -1.5, Forces = [1, 2, 3] });
        var lines = sw.ToString().Split('\n');
        Assert.Equal("1", lines[0]);
        Assert.Equal("Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc=\"F F F\"", lines[1]);
        Assert.Equal("O 0 0.5 1 1 2 3", lines[2]);
    }
}
