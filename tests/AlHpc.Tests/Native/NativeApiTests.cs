using AlHpc.IO;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Native;

/// <summary>libalhpc.so through its C ABI (function pointers, as a C caller), against the in-process .NET results.</summary>
public unsafe class NativeApiTests
{
    private const int Ok = 0, NullPointer = 1, BadHandle = 2, InvalidArgument = 3, NonFinite = 4, Species = 5, Io = 6, Format = 7, State = 8;

    private static NativeApi Api => NativeApi.Instance;

    private static List<Cluster> Reference() => ExtXyz.Read(TestPaths.Data("mlbop_lammps.extxyz")).ToList();

    private static nint MlBop()
    {
        nint p;
        Assert.Equal(Ok, Api.LoadMlBop(&p));
        return p;
    }

    private static nint Evaluator(nint pot)
    {
        nint e;
        Assert.Equal(Ok, Api.CreateEvaluator(pot, &e));
        return e;
    }

    private static (double E, double[] F, double[] Ea) ComputeNative(nint ev, double[] pos)
    {
        int n = pos.Length / 3;
        var t = new int[n];
        var f = new double[3 * n];
        var ea = new double[n];
        double e;
        fixed (int* pt = t) fixed (double* pp = pos, pf = f, pa = ea)
            Assert.Equal(Ok, Api.Compute(ev, n, pt, pp, &e, pf, pa));
        return (e, f, ea);
    }

    [Fact]
    public void Version_and_abi_are_reported()
    {
        Assert.Equal(1, Api.AbiVersion());
        var v = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)Api.Version());
        Assert.Equal(ModelFile.ProgramVersion, v);
    }

    [Fact]
    public void MlBop_energies_forces_and_atom_energies_match_the_in_process_potential()
    {
        var pot = MlBop();
        var ev = Evaluator(pot);
        double cutoff;
        Assert.Equal(Ok, Api.Cutoff(pot, &cutoff));
        Assert.Equal(TersoffPotential.MlBop.Cutoff, cutoff);
        var reference = TersoffPotential.MlBop.CreateEvaluator();
        foreach (var c in Reference())
        {
            var (e, f, ea) = ComputeNative(ev, c.Positions);
            var fr = new double[c.Positions.Length];
            var er = new double[c.Count];
            double eRef = reference.Compute(c.Positions, fr, er);
            Assert.Equal(eRef, e, 1e-10);
            for (int i = 0; i < fr.Length; i++) Assert.Equal(fr[i], f[i], 1e-10);
            for (int i = 0; i < er.Length; i++) Assert.Equal(er[i], ea[i], 1e-10);
            // and against LAMMPS' own numbers in the reference file
            Assert.Equal(c.Energy!.Value, e, 1e-8);
        }
        Assert.Equal(Ok, Api.FreeEvaluator(ev));
        Assert.Equal(Ok, Api.FreePotential(pot));
    }

    [Fact]
    public void Model_file_and_tersoff_file_load_and_match_in_process()
    {
        var dir = TestPaths.NewTempDir();
        var model = TestModels.Random(11);
        var path = Path.Combine(dir, "model.json");
        ModelFile.Save(path, model);
        Assert.Equal(Ok, Api.Load(Api.LoadModel, path, out var pot));
        var ev = Evaluator(pot);
        var nn = new NnPotential(ModelFile.Load(path)).CreateEvaluator();
        foreach (var c in Reference().Where(c => c.Count > 1).Take(8))
        {
            var (e, f, _) = ComputeNative(ev, c.Positions);
            var fr = new double[c.Positions.Length];
            Assert.Equal(nn.Compute(c.Positions, fr, default), e, 1e-10);
            for (int i = 0; i < fr.Length; i++) Assert.Equal(fr[i], f[i], 1e-10);
        }
        var sp = stackalloc byte[16];
        Assert.Equal(Ok, Api.Species(pot, 0, sp, 16));
        Assert.Equal(model.Setup.Element, System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)sp));
        Api.FreeEvaluator(ev);
        Api.FreePotential(pot);

        Assert.Equal(Ok, Api.Load(Api.LoadTersoff, TestPaths.RepoData("mlbop.tersoff"), out var ter));
        var ev2 = Evaluator(ter);
        var c5 = Reference().First(c => c.Count >= 5);
        Assert.Equal(TersoffPotential.MlBop.CreateEvaluator().Compute(c5.Positions, default, default), ComputeNative(ev2, c5.Positions).E, 1e-12);
        Api.FreeEvaluator(ev2);
        Api.FreePotential(ter);
    }

    [Fact]
    public void Batch_over_all_cores_equals_single_calls_bit_for_bit()
    {
        var pot = MlBop();
        var ev = Evaluator(pot);
        var clusters = Reference();
        var batch = ClusterBatch.FromClusters(clusters);
        int atoms = batch.AtomCount, nc = batch.ClusterCount;
        var types = new int[atoms];
        foreach (int threads in new[] { 1, 0 })
        {
            var e = new double[nc];
            var f = new double[3 * atoms];
            fixed (int* po = batch.Offsets, pt = types) fixed (double* pp = batch.Positions, pe = e, pf = f)
                Assert.Equal(Ok, Api.ComputeBatch(pot, nc, po, pt, pp, pe, pf, threads));
            for (int c = 0; c < nc; c++)
            {
                var (es, fs, _) = ComputeNative(ev, clusters[c].Positions);
                Assert.Equal(es, e[c]);
                Assert.Equal(fs, f.AsSpan(3 * batch.Offsets[c], fs.Length).ToArray());
            }
        }
        Api.FreeEvaluator(ev);
        Api.FreePotential(pot);
    }

    [Fact]
    public void Mc_protocol_through_the_abi_follows_the_in_process_backend_and_a_full_recompute()
    {
        var pot = MlBop();
        nint mc;
        Assert.Equal(Ok, Api.McCreate(pot, &mc));
        var seed = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf")).Positions;
        var inproc = TersoffPotential.MlBop.CreateMcBackend();
        var full = TersoffPotential.MlBop.CreateEvaluator();
        int n0 = seed.Length / 3;
        var types = new int[n0];
        double e0;
        fixed (int* pt = types) fixed (double* pp = seed) Assert.Equal(Ok, Api.McReset(mc, n0, pt, pp, &e0));
        Assert.Equal(inproc.Reset(seed), e0);
        var rng = new Random(5);
        int accepted = 0, inserted = 0, removed = 0;
        var buf = new double[3 * 200];
        for (int step = 0; step < 600; step++)
        {
            int n = inproc.Count;
            int k = rng.Next(n);
            double u = rng.NextDouble(), dE, dRef;
            int kind = u < 0.8 ? 0 : u < 0.9 ? 1 : 2;
            double x = inproc.Positions[3 * k] + 0.6 * (rng.NextDouble() - 0.5);
            double y = inproc.Positions[3 * k + 1] + 0.6 * (rng.NextDouble() - 0.5);
            double z = inproc.Positions[3 * k + 2] + 0.6 * (rng.NextDouble() - 0.5);
            if (kind == 0) { Assert.Equal(Ok, Api.McProposeMove(mc, k, x, y, z, &dE)); dRef = inproc.ProposeMove(k, x, y, z); }
            else if (kind == 1) { Assert.Equal(Ok, Api.McProposeInsert(mc, 0, x + 2.9, y, z, &dE)); dRef = inproc.ProposeInsert(x + 2.9, y, z); }
            else { Assert.Equal(Ok, Api.McProposeRemove(mc, k, &dE)); dRef = inproc.ProposeRemove(k); }
            Assert.Equal(dRef, dE);
            if (kind == 0 ? dE < 0.05 : kind == 1 ? dE < 0.2 && n < 40 : dE < 0.45 && n > 15)
            {
                Assert.Equal(Ok, Api.McAccept(mc)); inproc.Accept(); accepted++;
                if (kind == 1) inserted++;
                if (kind == 2) removed++;
            }
            else { Assert.Equal(Ok, Api.McReject(mc)); inproc.Reject(); }
        }
        Assert.True(accepted > 50 && inserted > 0 && removed > 0, $"accepted {accepted}, inserted {inserted}, removed {removed}");
        int count;
        double energy;
        Assert.Equal(Ok, Api.McCount(mc, &count));
        Assert.Equal(Ok, Api.McEnergy(mc, &energy));
        Assert.Equal(inproc.Count, count);
        fixed (double* pb = buf) Assert.Equal(Ok, Api.McPositions(mc, pb, buf.Length / 3));
        var pos = buf.AsSpan(0, 3 * count).ToArray();
        Assert.Equal(inproc.Positions.ToArray(), pos);
        Assert.Equal(full.Compute(pos, default, default), energy, 1e-9);
        Api.McFree(mc);
        Api.FreePotential(pot);
    }

    [Fact]
    public void Bad_input_returns_a_status_and_a_message_and_never_crashes()
    {
        var pot = MlBop();
        var ev = Evaluator(pot);
        var pos = new double[] { 0, 0, 0, 2.9, 0, 0, 0, 2.9, 0 };
        var types = new int[3];
        double e = 12345;
        void Expect(int status, int rc, string fragment)
        {
            Assert.Equal(status, rc);
            Assert.Contains(fragment, Api.LastError);
        }
        fixed (int* pt = types) fixed (double* pp = pos)
        {
            // null pointers
            Expect(NullPointer, Api.Compute(ev, 3, null, pp, &e, null, null), "types");
            Expect(NullPointer, Api.Compute(ev, 3, pt, null, &e, null, null), "positions");
            Expect(NullPointer, Api.Compute(ev, 3, pt, pp, null, null, null), "energy");
            Expect(NullPointer, Api.LoadMlBop(null), "result");
            Expect(NullPointer, Api.Compute(0, 3, pt, pp, &e, null, null), "NULL");
            // bad handles: forged, freed, and of another kind
            Expect(BadHandle, Api.Compute((nint)0x12345678, 3, pt, pp, &e, null, null), "not a live evaluator");
            nint ev2 = Evaluator(pot);
            Assert.Equal(Ok, Api.FreeEvaluator(ev2));
            Expect(BadHandle, Api.Compute(ev2, 3, pt, pp, &e, null, null), "not a live evaluator");
            Expect(BadHandle, Api.FreeEvaluator(ev2), "not a live evaluator");
            Expect(BadHandle, Api.Compute(pot, 3, pt, pp, &e, null, null), "not a live evaluator");
            // wrong species
            types[1] = 1;
            Expect(Species, Api.Compute(ev, 3, pt, pp, &e, null, null), "atom 1 has species index 1");
            types[1] = 0;
            // non-finite coordinates
            foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                pp[4] = bad;
                Expect(NonFinite, Api.Compute(ev, 3, pt, pp, &e, null, null), "coordinate y of atom 1");
                pp[4] = 0;
            }
            // two atoms on top of each other: a non-finite result is an error, not an output
            var same = new double[] { 1, 1, 1, 1, 1, 1, 3.9, 1, 1 };
            fixed (double* ps = same)
            {
                int rc = Api.Compute(ev, 3, pt, ps, &e, null, null);
                if (rc != Ok) Expect(NonFinite, rc, "not finite");
                else Assert.True(double.IsFinite(e));
            }
            Expect(InvalidArgument, Api.Compute(ev, -1, pt, pp, &e, null, null), "atom count -1");
            Assert.Equal(12345, e); // nothing written on failure
            // the handle still works after all those errors
            Assert.Equal(Ok, Api.Compute(ev, 3, pt, pp, &e, null, null));
            Assert.True(e < 0);
            // files
            Expect(Io, Api.Load(Api.LoadModel, "/nonexistent/model.json", out _), "/nonexistent/model.json");
            Expect(NullPointer, Api.Load(Api.LoadTersoff, null, out _), "path");
            var dir = TestPaths.NewTempDir();
            var bad1 = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad1, "{\"format\": \"alhpc-nn-model\",\n \"version\": 1,\n \"descriptors\": 3 }");
            Expect(Format, Api.Load(Api.LoadModel, bad1, out var none), "bad.json");
            Assert.Equal(0, none);
            var bad2 = Path.Combine(dir, "bad.tersoff");
            File.WriteAllText(bad2, "O O O 1.0 1.0 0.0 x\n");
            Expect(Format, Api.Load(Api.LoadTersoff, bad2, out _), "bad.tersoff");
            // batch offsets
            var offs = new[] { 0, 2, 1 };
            double* es = stackalloc double[2];
            fixed (int* po = offs) Expect(InvalidArgument, Api.ComputeBatch(pot, 2, po, pt, pp, es, null, 0), "offsets[2]");
            // species query out of range, small buffer
            byte* sb = stackalloc byte[2];
            Expect(Species, Api.Species(pot, 1, sb, 2), "species index 1");
            Expect(InvalidArgument, Api.Species(pot, 0, sb, 1), "too small");
            // MC protocol order
            nint mc;
            double dE;
            Assert.Equal(Ok, Api.McCreate(pot, &mc));
            Expect(State, Api.McProposeMove(mc, 0, 1, 1, 1, &dE), "reset first");
            Assert.Equal(Ok, Api.McReset(mc, 3, pt, pp, &e));
            Expect(State, Api.McAccept(mc), "without a pending proposal");
            Expect(InvalidArgument, Api.McProposeMove(mc, 3, 1, 1, 1, &dE), "atom index 3");
            Expect(NonFinite, Api.McProposeMove(mc, 0, double.NaN, 1, 1, &dE), "not finite");
            Expect(Species, Api.McProposeInsert(mc, 2, 5, 5, 5, &dE), "species index 2");
            Assert.Equal(Ok, Api.McProposeInsert(mc, 0, 5, 5, 5, &dE));
            Expect(State, Api.McProposeRemove(mc, 0, &dE), "pending");
            Assert.Equal(Ok, Api.McReject(mc));
            double* small = stackalloc double[3];
            Expect(InvalidArgument, Api.McPositions(mc, small, 1), "capacity 1");
            Expect(BadHandle, Api.McAccept(ev), "not a live mc");
            Assert.Equal(Ok, Api.McFree(mc));
        }
        // freeing the potential first keeps the evaluator working
        Assert.Equal(Ok, Api.FreePotential(pot));
        fixed (int* pt = types) fixed (double* pp = pos) Assert.Equal(Ok, Api.Compute(ev, 3, pt, pp, &e, null, null));
        Assert.Equal(Ok, Api.FreeEvaluator(ev));
        Assert.Equal(Ok, Api.FreePotential(0));
    }

    [Fact]
    public void Last_error_is_per_thread()
    {
        double e;
        Assert.Equal(BadHandle, Api.Compute((nint)0x7777, 0, null, null, &e, null, null));
        string here = Api.LastError;
        string other = "";
        var t = new Thread(() =>
        {
            double e2;
            Api.Compute(0, 0, null, null, &e2, null, null);
            other = Api.LastError;
        });
        t.Start();
        t.Join();
        Assert.Contains("0x7777", here);
        Assert.Contains("NULL", other);
        Assert.Equal(here, Api.LastError);
    }
}
