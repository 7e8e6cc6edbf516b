using System.Security.Cryptography;
using System.Text;
using AlHpc.ActiveLearning;
using AlHpc.Descriptors;
using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Tests.ActiveLearning;
using AlHpc.Tests.Network;
using AlHpc.Tests.TestSets;
using AlHpc.TestSets;
using CsCheck;
using Xunit.Abstractions;

namespace AlHpc.Tests.Integrity;

/// <summary>
/// Issue 17, What 5: every reader fuzzed for a bounded time with CsCheck (property-based: random mutations
/// of a valid file, shrunk to a minimal failing case). The contract: the reader either refuses the input with
/// an <see cref="InputFormatException"/> (exit 2, file named) or returns a valid result that gives no
/// non-finite number downstream; never any other exception. Every input that ever broke it is kept in
/// tests/AlHpc.Tests/Data/fuzz-corpus/READER/ and replayed by <see cref="TheRegressionCorpusStaysFixed"/>.
/// Time per reader: ALHPC_FUZZ_SECONDS (default 3). A failure prints CsCheck's seed and the input's path.
/// </summary>
public class ReaderFuzzTests(ITestOutputHelper output)
{
    private static int Seconds => int.TryParse(Environment.GetEnvironmentVariable("ALHPC_FUZZ_SECONDS"), out int s) && s > 0 ? s : 3;

    private static readonly string[] Tokens =
    [
        "NaN", "Infinity", "-Infinity", "inf", "1e308", "-1e308", "1e-320", "1e200", "-1", "0", "0.0", "1", "2", "3", "2147483647", "2147483648",
        "-2147483648", "99999999999999999999", "\"", "'", "=", "\n", " ", "\t", ":", ",", "{", "}", "[", "]", "null", "true", "#", "!",
        "Properties=species:S:1:pos:R:3", "pos:R:3", "forces:R:3", "species:S:1", "energy=", "pbc=\"T T T\"", "ATOMS", "CRYSTAL", "Si", "X",
        "G=5", "G=2", "zeta=", "eta=", "Rc=", "O O O", "\uFEFF", "\u00ff", "\u0000", "\"version\": 2", "\"iteration\": -5", "\"poolSize\": 0",
    ];

    /// <summary>One edit of the input: kind, position, length, a byte, a token.</summary>
    private readonly record struct Mutation(int Kind, int Pos, int Len, byte Byte, int Token);

    private static readonly Gen<Mutation[]> Mutations =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, int.MaxValue], Gen.Int[1, 40], Gen.Byte, Gen.Int[0, Tokens.Length - 1],
            (k, p, l, b, t) => new Mutation(k, p, l, b, t)).Array[1, 6];

    private static byte[] Apply(byte[] seed, Mutation[] ms)
    {
        var b = new List<byte>(seed);
        foreach (var m in ms)
        {
            int n = b.Count;
            int at = n == 0 ? 0 : m.Pos % (n + 1);
            var tok = Encoding.UTF8.GetBytes(Tokens[m.Token]);
            switch (m.Kind)
            {
                case 0: if (at < n) b[at] = m.Byte; break;                                   // overwrite a byte
                case 1: b.Insert(at, m.Byte); break;                                          // insert a byte
                case 2: b.RemoveRange(Math.Min(at, n), Math.Min(m.Len, n - Math.Min(at, n))); break; // delete a range
                case 3: b.InsertRange(at, tok); break;                                        // insert a token
                case 4:                                                                       // replace the next number by a token
                {
                    int s = at;
                    while (s < n && !(char.IsAsciiDigit((char)b[s]) || b[s] == '-')) s++;
                    int e = s;
                    while (e < n && (char.IsAsciiDigit((char)b[e]) || b[e] is (byte)'.' or (byte)'-' or (byte)'e' or (byte)'E' or (byte)'+')) e++;
                    if (s < n) { b.RemoveRange(s, e - s); b.InsertRange(s, tok); }
                    break;
                }
                case 5: if (at < n) b.RemoveRange(at, n - at); break;                         // truncate
                case 6:                                                                       // duplicate a range (a line, a key)
                {
                    int len = Math.Min(m.Len, n - Math.Min(at, n));
                    b.InsertRange(Math.Min(at + len, b.Count), b.GetRange(Math.Min(at, n), len));
                    break;
                }
                default:                                                                      // replace a range by a token
                {
                    int len = Math.Min(m.Len % 8, n - Math.Min(at, n));
                    b.RemoveRange(Math.Min(at, n), len);
                    b.InsertRange(Math.Min(at, b.Count), tok);
                    break;
                }
            }
        }
        return b.ToArray();
    }

    /// <summary>A reader under test: its name, file extension, valid seed files, and "read and use the result".</summary>
    public sealed record Reader(string Name, string Extension, Func<byte[][]> Seeds, Action<string> ReadAndUse);

    private static string TempDir { get; } = TestPaths.NewTempDir();

    /// <summary>The contract for one input: bad input (InputFormatException) or a result that is used without any other failure.</summary>
    private static void Check(Reader r, byte[] input)
    {
        var path = Path.Combine(TempDir, $"{r.Name}-{Environment.CurrentManagedThreadId}{r.Extension}");
        File.WriteAllBytes(path, input);
        try { r.ReadAndUse(path); }
        catch (InputFormatException) { }
        catch (Exception e)
        {
            var dir = Path.Combine(Path.GetTempPath(), "alhpc-fuzz-failures", r.Name);
            Directory.CreateDirectory(dir);
            var keep = Path.Combine(dir, Convert.ToHexStringLower(SHA256.HashData(input))[..16] + r.Extension);
            File.WriteAllBytes(keep, input);
            throw new Exception($"{r.Name}: {e.GetType().Name}: {e.Message} (input kept in {keep}; add it to tests/AlHpc.Tests/Data/fuzz-corpus/{r.Name}/)", e);
        }
    }

    // ------------------------------------------------------------------ the readers and what "valid" means

    private static void UseStructures(IEnumerable<Cluster> clusters)
    {
        var list = clusters.ToList();
        Assert.NotEmpty(list);
        foreach (var c in list)
        {
            Assert.True(c.Count >= 1);
            Assert.Null(CoincidentAtoms.Find(c.Positions));
            Assert.All(c.Positions, v => Assert.True(double.IsFinite(v)));
            if (c.Energy is { } e) Assert.True(double.IsFinite(e));
            if (c.Forces is { } f) Assert.All(f, v => Assert.True(double.IsFinite(v)));
            // Writes back (never NaN) and reads back the same.
            var w = new StringWriter();
            ExtXyz.WriteFrame(w, c);
            var back = ExtXyz.Read(new StringReader(w.ToString()), "roundtrip").Single();
            Assert.Equal(c.Positions, back.Positions);
        }
    }

    private static readonly Cluster Probe = new LatticeStarts().RandomCluster(8, 17);

    private static void UseSetup(string path)
    {
        var setup = AenetSetupFile.Read(path);
        var values = new BatchDescriptors(setup).ComputeValues(ClusterBatch.FromClusters([Probe]), 1);
        Assert.All(values, v => Assert.True(double.IsFinite(v)));
    }

    private static void UseTersoff(string path)
    {
        var p = TersoffParameters.Load(path);
        var x = Probe.Positions.Select(v => v * p.Cutoff / 4.0).ToArray(); // neighbours inside the cutoff
        var f = new double[x.Length];
        double e = new TersoffPotential(p).CreateEvaluator().Compute(x, f, Span<double>.Empty);
        Assert.True(double.IsFinite(e), $"energy {e}");
        Assert.All(f, v => Assert.True(double.IsFinite(v)));
    }

    private static void UseModel(string path)
    {
        var m = ModelFile.Load(path);
        var f = new double[Probe.Positions.Length];
        double e = new NnPotential(m).CreateEvaluator().Compute(Probe.Positions, f, Span<double>.Empty);
        Assert.True(double.IsFinite(e), $"energy {e}");
        Assert.All(f, v => Assert.True(double.IsFinite(v)));
        ModelFile.Write(new MemoryStream(), m);
    }

    private static void UseTestSet(string path)
    {
        var b = TestSetFile.Read(path);
        Assert.All(b.Positions, v => Assert.True(double.IsFinite(v)));
        Assert.All(b.Energies, v => Assert.False(double.IsInfinity(v)));
        for (int c = 0; c < b.ClusterCount; c++) Assert.True(b.SizeOf(c) >= 1);
    }

    private static void UseState(string path)
    {
        var s = RunState.Load(path);
        foreach (var r in s.Log) r.ToCsv();
        s.Save(Path.Combine(TempDir, $"state-{Environment.CurrentManagedThreadId}.json"));
    }

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    private static readonly Lazy<byte[]> StateSeed = new(() =>
    {
        var dir = TestPaths.NewTempDir();
        var cfg = FakeSetup.TinyConfig(seed: 11);
        cfg.Selection.ToleranceMeV = 1e-5;
        using (var run = ActiveLearningRun.Create(dir, cfg, FakeSetup.Parts(), FakeSetup.SeedPool(), new RunCallbacks { StopAfterIteration = 2 }))
            run.Run();
        return File.ReadAllBytes(Path.Combine(dir, "state.json"));
    });

    public static readonly Reader[] Readers =
    [
        new("extxyz", ".xyz", () =>
        [
            Text("3\nProperties=species:S:1:pos:R:3:forces:R:3:charge:R:1 energy=-1.5 pbc=\"F F F\" note=\"a b\"\nO 0 0 0 0.1 0 0 -0.5\nO 2.8 0 0 -0.1 0 0 0.5\nO 1.4 2.4 0 0 0 0 0\n" +
                 "2\nenergy=-0.25\nO 0 0 0\nO 0 0 2.9\n"),
            File.ReadAllBytes(TestPaths.Data("mlbop_lammps.extxyz"))[..4000],
        ], path => UseStructures(StructureFile.Read(path))),
        new("xsf", ".xsf", () => [File.ReadAllBytes(TestPaths.RepoData("struct_min_25.xsf")), Text("# total energy = -1.0 eV\n\nATOMS\nO 0 0 0 0.1 0.2 0.3\n8 2.8 0 0 0 0 0\n")],
            path => UseStructures(StructureFile.Read(path))),
        new("stp", ".stp", () => [Text(AenetSetupFile.Format(DefaultSetups.Water26))], UseSetup),
        new("tersoff", ".tersoff", () => [File.ReadAllBytes(TestPaths.RepoData("mlbop.tersoff"))], UseTersoff),
        new("model", ".json", () =>
        {
            var ms = new MemoryStream();
            ModelFile.Write(ms, TestModels.Random(7));
            return [ms.ToArray()];
        }, UseModel),
        new("hdf5", ".h5", () =>
        {
            var p = Path.Combine(TestPaths.NewTempDir(), "s.h5");
            TestSetFile.Write(p, TestSetTestData.RandomBatch([1, 3, 2], 5));
            return [File.ReadAllBytes(p)];
        }, UseTestSet),
        new("config", ".json", () => [Text(ActiveLearningConfig.Quick().ToJson()), Text("""{ "seed": 3, "training": { "epochs": 5 }, "oracle": { "kind": "command", "command": "x {input} {output}" }, "monitor": { "size": 0 } }""")],
            path => ActiveLearningConfig.Load(path)),
        new("state", ".json", () => [StateSeed.Value], UseState),
    ];

    public static TheoryData<string> ReaderNames => new(Readers.Select(r => r.Name));

    [Theory]
    [MemberData(nameof(ReaderNames))]
    public void FuzzReader(string name)
    {
        var r = Readers.Single(x => x.Name == name);
        var seeds = r.Seeds();
        foreach (var s in seeds) Check(r, s); // the seeds themselves are valid
        long tried = 0;
        Gen.Select(Gen.Int[0, seeds.Length - 1], Mutations)
            .Sample(t =>
            {
                Interlocked.Increment(ref tried);
                Check(r, Apply(seeds[t.Item1], t.Item2));
            }, time: Seconds, threads: 1);
        output.WriteLine($"fuzz {name}: {tried} inputs in {Seconds} s, no contract violation");
        FuzzCounts[name] = tried;
        Assert.True(tried > 20, $"only {tried} inputs tried");
    }

    /// <summary>Inputs tried per reader in this test run (reported by the test log).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> FuzzCounts = new();

    [Fact]
    public void TheRegressionCorpusStaysFixed()
    {
        var root = TestPaths.Data("fuzz-corpus");
        int n = 0;
        foreach (var r in Readers)
        {
            var dir = Path.Combine(root, r.Name);
            if (!Directory.Exists(dir)) continue;
            foreach (var f in Directory.EnumerateFiles(dir).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order())
            {
                Check(r, File.ReadAllBytes(f));
                n++;
            }
        }
        output.WriteLine($"{n} corpus inputs replayed");
        Assert.True(n >= 10, $"the corpus holds {n} inputs");
    }
}
