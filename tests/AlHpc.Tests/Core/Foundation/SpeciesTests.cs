using AlHpc.ActiveLearning;
using AlHpc.Compute;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.TestSets;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Foundation;

/// <summary>
/// Per-atom species in the data model, the files and the interfaces (architecture issue, item 5): clusters, batches
/// and files carry an element per atom; single-species potentials, evaluators and MC backends check the types.
/// </summary>
public class SpeciesTests
{
    private static Cluster Seed => Xsf.Read(TestPaths.RepoData("struct_min_25.xsf"));

    public static TheoryData<string> PotentialNames => new() { "tersoff", "network", "pair" };

    private static IPotential Make(string name) => name switch
    {
        "tersoff" => TersoffPotential.MlBop,
        "network" => new NnPotential(TestModels.Random(3, Activation.Tanh)),
        _ => PairPotential.LennardJones(0.01, 3.0, 7.0),
    };

    /// <summary>A point 2.8 A outside the seed cluster (an insertion site).</summary>
    private static (double X, double Y, double Z) Outside(ReadOnlySpan<double> p)
    {
        int n = p.Length / 3;
        double cx = 0, cy = 0, cz = 0, r = 0;
        for (int i = 0; i < n; i++) { cx += p[3 * i] / n; cy += p[3 * i + 1] / n; cz += p[3 * i + 2] / n; }
        for (int i = 0; i < n; i++) r = Math.Max(r, Math.Abs(p[3 * i] - cx));
        return (cx + r + 2.8, cy, cz);
    }

    private const string TwoElements =
        "3\nProperties=species:S:1:pos:R:3 energy=-1.5 pbc=\"F F F\"\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n" +
        "2\nProperties=species:S:1:pos:R:3:forces:R:3 pbc=\"F F F\"\nH 0 0 0 0.5 0 0\nO 1.1 0 0 -0.5 0 0\n";

    [Fact]
    public void ATwoElementExtXyzFileRoundTrips()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "oh.xyz");
        File.WriteAllText(path, TwoElements);
        var frames = ExtXyz.Read(path).ToList();
        Assert.Equal(["O", "H"], frames[0].Elements);
        Assert.Equal([0, 1, 1], frames[0].Types);
        Assert.Equal(["H", "O"], frames[1].Elements); // each frame's table in order of appearance
        Assert.Equal(["H", "O"], Enumerable.Range(0, 2).Select(frames[1].ElementOf));

        var back = Path.Combine(dir, "back.xyz");
        ExtXyz.Write(back, frames);
        Assert.Equal(TwoElements, File.ReadAllText(back)); // byte for byte

        // batches keep the element of every atom (one table for the batch) and give it back
        var batch = ClusterBatch.FromClusters(frames);
        Assert.Equal(["O", "H"], batch.Elements);
        Assert.Equal([0, 1, 1, 1, 0], batch.Types);
        Assert.Null(batch.SingleElement());
        Assert.Equal(["H", "O"], Enumerable.Range(0, 2).Select(batch.GetCluster(1).ElementOf));
        var viaSet = Path.Combine(dir, "set.xyz");
        TestSetIO.Save(viaSet, batch);
        var again = ExtXyz.Read(viaSet).ToList();
        Assert.Equal(["O", "H", "H"], Enumerable.Range(0, 3).Select(again[0].ElementOf));
        Assert.Equal(["H", "O"], Enumerable.Range(0, 2).Select(again[1].ElementOf));
        Assert.Equal(frames[1].Positions, again[1].Positions);

        // the HDF5 test-set format holds one species: a mixed set is refused, not silently relabelled
        var ex = Assert.Throws<SpeciesException>(() => TestSetFile.Write(Path.Combine(dir, "set.h5"), batch));
        Assert.Contains("one species", ex.Message);
    }

    [Fact]
    public void ATwoElementXsfFileRoundTrips()
    {
        const string text = "# total energy = -2.5 eV\n\nATOMS\nO 0 0 0\nH 0.96 0 0\nO 3 0 0\n";
        var c = Xsf.Read(new StringReader(text), "oh.xsf");
        Assert.Equal(["O", "H"], c.Elements);
        Assert.Equal([0, 1, 0], c.Types);
        var w = new StringWriter { NewLine = "\n" };
        Xsf.Write(w, c);
        Assert.Equal(text, w.ToString());
    }

    [Fact]
    public void ReadingForAPotentialRejectsAForeignElementNamingFileLineFrameAtomAndElement()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "m.xyz");
        File.WriteAllText(path, "1\n\nO 0 0 0\n2\n\nO 0 0 0\nH 1 0 0\n");
        var ex = Assert.Throws<InputFormatException>(() => StructureFile.Read(path, ["O"]).ToList());
        Assert.Equal($"{path}:7: frame 1, atom 1: element 'H' is not a species of the potential, which accepts 'O' (index 0)", ex.Message);

        var xsf = Assert.Throws<InputFormatException>(() => Xsf.Read(new StringReader("ATOMS\nO 0 0 0\nH 0 0 1\n"), "m.xsf", ["O"]));
        Assert.Equal("m.xsf:3: atom 1: element 'H' is not a species of the potential, which accepts 'O' (index 0)", xsf.Message);

        // with the potential's species, the clusters' types are the potential's type indices
        var c = ExtXyz.Read(new StringReader("2\n\nO 0 0 0\nO 1 0 0\n"), "o.xyz", ["H", "O"]).Single();
        Assert.Equal(["H", "O"], c.Elements);
        Assert.Equal([1, 1], c.Types);
    }

    [Fact]
    public void SingleElementOutputIsUnchanged()
    {
        var c = Seed;
        c.SetInfo("note", "seed");
        var typed = new StringWriter();
        ExtXyz.WriteFrame(typed, c);
        var plain = new StringWriter();
        ExtXyz.WriteFrame(plain, c.Positions, c.Energy, c.Forces, c.Info, "O");
        Assert.Equal(plain.ToString(), typed.ToString());
        Assert.Equal(25, plain.ToString().Split('\n').Count(l => l.StartsWith("O ", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(PotentialNames))]
    public void TypedAndUntypedComputeAgreeBitForBit(string name)
    {
        var pot = Make(name);
        IPotentialEvaluator ev = pot.CreateEvaluator();
        var x = Seed.Positions;
        int n = x.Length / 3;
        double[] f1 = new double[3 * n], a1 = new double[n], f2 = new double[3 * n], a2 = new double[n];
        double e1 = ev.Compute(x, f1, a1);
        double e2 = ev.Compute(new int[n], x, f2, a2);
        Assert.Equal(e1, e2);
        Assert.Equal(f1, f2);
        Assert.Equal(a1, a2);

        // the batch path (typed, with the batch's types mapped onto the potential's) gives the same energy
        var batch = ClusterBatch.FromClusters([Seed, new Cluster(x, ["H", "O"], Enumerable.Repeat(1, n).ToArray())]);
        var e = new double[2];
        new BatchEvaluator(pot, 1).Evaluate(batch, e);
        double energyOnly = ev.Compute(x, default, default);
        Assert.Equal([energyOnly, energyOnly], e);
    }

    [Theory]
    [MemberData(nameof(PotentialNames))]
    public void APotentialRejectsAForeignSpeciesNamingTheAtomAndTheSpecies(string name)
    {
        var pot = Make(name);
        Assert.Equal(["O"], pot.Species);
        IPotentialEvaluator ev = pot.CreateEvaluator();
        Assert.Equal(["O"], ev.Species);
        var x = Seed.Positions;
        var types = new int[25];
        types[3] = 1;
        var ex = Assert.Throws<SpeciesException>(() => ev.Compute(types, x, default, default));
        Assert.Equal("atom 3 has species index 1; the species are 'O' (index 0)", ex.Message);
        Assert.Throws<ArgumentException>(() => ev.Compute(new int[24], x, default, default)); // one type per atom

        // a structure with a foreign element: mapping it onto the potential names the atom and the element
        var c = new Cluster(x, ["O", "H"], types);
        var map = Assert.Throws<SpeciesException>(() => SpeciesTable.TypesIn(c, pot.Species));
        Assert.Equal("atom 3: element 'H' is not a species of the potential, which accepts 'O' (index 0)", map.Message);
        Assert.Equal(new int[25], SpeciesTable.TypesIn(new Cluster(x, ["O", "H"], new int[25]), pot.Species)); // an unused entry is fine

        // batch evaluation, on every compute backend, checks every atom
        var batch = ClusterBatch.FromClusters([Seed, c]);
        var inBatch = Assert.Throws<SpeciesException>(() => new BatchEvaluator(pot, 1).Evaluate(batch, new double[2]));
        Assert.Equal("cluster 1 atom 3: element 'H' is not a species of the potential, which accepts 'O' (index 0)", inBatch.Message);
        foreach (IComputeBackend backend in new IComputeBackend[] { new ReferenceComputeBackend(), new CpuComputeBackend() })
        {
            using var batchEv = backend.CreateEvaluator(pot, 1);
            Assert.Throws<SpeciesException>(() => batchEv.Evaluate(batch, new double[2], null));
        }
    }

    [Theory]
    [MemberData(nameof(PotentialNames))]
    public void McInsertWithAWrongTypeIsRejected(string name)
    {
        IMcEnergyBackend mc = Make(name).CreateMcBackend();
        var x = Seed.Positions;
        double e0 = mc.Reset(new int[25], x);
        Assert.Equal(mc.Reset(x), e0);
        Assert.Equal(1, mc.SpeciesCount);
        var (px, py, pz) = Outside(x);
        var ex = Assert.Throws<SpeciesException>(() => mc.ProposeInsert(1, px, py, pz));
        Assert.Equal("species index 1 is not accepted: there is one species (index 0)", ex.Message);
        Assert.Throws<SpeciesException>(() => mc.ProposeInsert(-1, px, py, pz));

        // nothing is pending after a refused insertion; type 0 is the untyped insertion
        double typed = mc.ProposeInsert(0, px, py, pz);
        mc.Reject();
        double untyped = mc.ProposeInsert(px, py, pz);
        mc.Accept();
        Assert.Equal(untyped, typed);
        Assert.Equal(26, mc.Count);
        Assert.Equal(0, mc.TypeOf(25));
        Assert.Throws<ArgumentOutOfRangeException>(() => mc.TypeOf(26));

        var bad = new int[26];
        bad[2] = 1;
        Assert.Throws<SpeciesException>(() => mc.Reset(bad, mc.Positions.ToArray()));
    }

    [Fact]
    public void TheGuardPassesTypesThrough()
    {
        var guarded = new GuardedPotential(new TwoSpecies(PairPotential.LennardJones(0.01, 3.0, 7.0)), -100);
        Assert.Equal(["O", "H"], guarded.Species);
        var mc = guarded.CreateMcBackend();
        Assert.Equal(2, mc.SpeciesCount);
        var x = Seed.Positions;
        var types = new int[25];
        types[4] = 1;
        mc.Reset(types, x);
        Assert.Equal(1, mc.TypeOf(4));
        var (px, py, pz) = Outside(x);
        mc.ProposeInsert(1, px, py, pz);
        mc.Accept();
        Assert.Equal(1, mc.TypeOf(25));
        Assert.Throws<SpeciesException>(() => mc.ProposeInsert(2, px + 3, py, pz));

        // a single-species inner backend: the guard refuses type 1 as the backend does
        var single = new GuardedPotential(TersoffPotential.MlBop, -100).CreateMcBackend();
        single.Reset(x);
        Assert.Throws<SpeciesException>(() => single.ProposeInsert(1, px, py, pz));
    }

    [Fact]
    public void ClusterAndBatchCheckTheirTypes()
    {
        Assert.Throws<SpeciesException>(() => new Cluster([0, 0, 0, 3, 0, 0], ["O"], [0, 1]));
        Assert.Throws<ArgumentException>(() => new Cluster([0, 0, 0, 3, 0, 0], ["O"], [0]));
        Assert.Throws<SpeciesException>(() => new ClusterBatch([0, 0, 0, 3, 0, 0], [0, 2], elements: ["O"], types: [0, 2]));
        var single = new ClusterBatch([0, 0, 0, 3, 0, 0], [0, 2]);
        Assert.Equal(["O"], single.Elements);
        Assert.Equal("O", single.SingleElement());
        var copy = new Cluster([0, 0, 0, 3, 0, 0], ["O", "H"], [1, 0]).Clone();
        Assert.Equal(["H", "O"], Enumerable.Range(0, 2).Select(copy.ElementOf));
    }

    /// <summary>A two-species stand-in (both species interact alike) whose backend records the types it is given.</summary>
    private sealed class TwoSpecies(IPotential inner) : IPotential
    {
        public string Name => "two species";
        public double Cutoff => inner.Cutoff;
        public IReadOnlyList<string> Species { get; } = ["O", "H"];
        public IPotentialEvaluator CreateEvaluator() => inner.CreateEvaluator();
        public IMcEnergyBackend CreateMcBackend() => new Backend(inner.CreateMcBackend());

        private sealed class Backend(IMcEnergyBackend b) : IMcEnergyBackend
        {
            private readonly List<int> _types = new();
            private int _insertType = -1;
            public int Count => b.Count;
            public ReadOnlySpan<double> Positions => b.Positions;
            public double TotalEnergy => b.TotalEnergy;
            public int SpeciesCount => 2;
            public int TypeOf(int index) => _types[index];
            public double Reset(ReadOnlySpan<double> positions) => Reset(new int[positions.Length / 3], positions);

            public double Reset(ReadOnlySpan<int> types, ReadOnlySpan<double> positions)
            {
                SpeciesTable.CheckTypes(types, positions.Length / 3, SpeciesCount);
                _types.Clear();
                _types.AddRange(types.ToArray());
                return b.Reset(positions);
            }

            public double ProposeMove(int index, double x, double y, double z) => b.ProposeMove(index, x, y, z);
            public double ProposeInsert(double x, double y, double z) => ProposeInsert(0, x, y, z);

            public double ProposeInsert(int type, double x, double y, double z)
            {
                SpeciesTable.CheckType(type, SpeciesCount);
                _insertType = type;
                return b.ProposeInsert(x, y, z);
            }

            public double ProposeRemove(int index) => throw new NotSupportedException();

            public void Accept()
            {
                if (_insertType >= 0) _types.Add(_insertType);
                _insertType = -1;
                b.Accept();
            }

            public void Reject()
            {
                _insertType = -1;
                b.Reject();
            }
        }
    }
}
