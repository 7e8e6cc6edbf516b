using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Native;

/// <summary>
/// The C entry points of libalhpc.so (declared in include/alhpc.h, described in docs/embedding.md).
/// Every entry point returns a status (0 = ALHPC_OK) and catches every exception: nothing unwinds into
/// the host. Inputs are validated before anything is written to the caller's outputs.
/// </summary>
internal static unsafe class Exports
{
    public const int AbiVersion = 1;

    private static readonly byte* VersionString = Utf8(ModelFile.ProgramVersion);

    private static byte* Utf8(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    // ---------------------------------------------------------------- library

    [UnmanagedCallersOnly(EntryPoint = "alhpc_abi_version")]
    public static int GetAbiVersion() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "alhpc_version")]
    public static byte* GetVersion() => VersionString;

    [UnmanagedCallersOnly(EntryPoint = "alhpc_last_error")]
    public static byte* GetLastError() => LastError.Pointer;

    private static readonly nint[] StatusNames = MakeStatusNames();

    private static nint[] MakeStatusNames()
    {
        var a = new nint[Status.Internal + 2];
        for (int i = 0; i < a.Length; i++) a[i] = (nint)Utf8(Status.Name(i));
        return a;
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_status_string")]
    public static byte* StatusString(int status) => (byte*)StatusNames[(uint)status <= Status.Internal ? status : Status.Internal + 1];

    // ---------------------------------------------------------------- potentials

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_load_mlbop")]
    public static int LoadMlBop(nint* result)
    {
        try
        {
            NotNull(result, "result");
            *result = 0;
            *result = Handles.Add(new PotentialObject(TersoffPotential.MlBop));
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_load_tersoff")]
    public static int LoadTersoff(byte* path, nint* result)
    {
        try
        {
            NotNull(result, "result");
            *result = 0;
            var t = TersoffPotential.Load(PathArg(path));
            *result = Handles.Add(new PotentialObject(t));
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_load_model")]
    public static int LoadModel(byte* path, nint* result)
    {
        try
        {
            NotNull(result, "result");
            *result = 0;
            var model = ModelFile.Load(PathArg(path));
            *result = Handles.Add(new PotentialObject(new NnPotential(model)));
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_free")]
    public static int FreePotential(nint potential)
    {
        try
        {
            if (potential == 0) return Status.Ok;
            Handles.Remove<PotentialObject>(potential, "potential");
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_cutoff")]
    public static int Cutoff(nint potential, double* cutoff)
    {
        try
        {
            var p = Handles.Get<PotentialObject>(potential, "potential");
            NotNull(cutoff, "cutoff");
            *cutoff = p.Potential.Cutoff;
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_species_count")]
    public static int SpeciesCount(nint potential, int* count)
    {
        try
        {
            var p = Handles.Get<PotentialObject>(potential, "potential");
            NotNull(count, "count");
            *count = p.Species.Count;
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_species")]
    public static int SpeciesName(nint potential, int index, byte* buffer, int capacity)
    {
        try
        {
            var p = Handles.Get<PotentialObject>(potential, "potential");
            SpeciesTable.CheckType(index, p.Species.Count, p.Species);
            CopyString(p.Species[index], buffer, capacity);
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_potential_name")]
    public static int PotentialName(nint potential, byte* buffer, int capacity)
    {
        try
        {
            var p = Handles.Get<PotentialObject>(potential, "potential");
            CopyString(p.Potential.Name, buffer, capacity);
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    // ---------------------------------------------------------------- one cluster

    [UnmanagedCallersOnly(EntryPoint = "alhpc_evaluator_create")]
    public static int CreateEvaluator(nint potential, nint* result)
    {
        try
        {
            NotNull(result, "result");
            *result = 0;
            var p = Handles.Get<PotentialObject>(potential, "potential");
            *result = Handles.Add(new EvaluatorObject(p));
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_evaluator_free")]
    public static int FreeEvaluator(nint evaluator)
    {
        try
        {
            if (evaluator == 0) return Status.Ok;
            Handles.Remove<EvaluatorObject>(evaluator, "evaluator");
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_compute")]
    public static int Compute(nint evaluator, int n, int* types, double* positions, double* energy, double* forces, double* atomEnergies)
    {
        try
        {
            var ev = Handles.Get<EvaluatorObject>(evaluator, "evaluator");
            NotNull(energy, "energy");
            if (n < 0 || n > int.MaxValue / 3) throw new ApiException(Status.InvalidArgument, $"atom count {n} is out of range");
            if (n > 0)
            {
                NotNull(types, "types");
                NotNull(positions, "positions");
            }
            var t = CheckTypes(types, n, ev.Owner);
            var pos = new ReadOnlySpan<double>(positions, 3 * n);
            CheckFinite(pos, "positions");
            var f = forces == null ? Span<double>.Empty : new Span<double>(forces, 3 * n);
            var ae = atomEnergies == null ? Span<double>.Empty : new Span<double>(atomEnergies, n);
            double e;
            ev.Enter("evaluator");
            try { e = n == 0 ? 0.0 : ev.Evaluator.Compute(t, pos, f, ae); }
            finally { ev.Exit(); }
            if (n == 0) { f.Clear(); ae.Clear(); }
            if (!double.IsFinite(e) || !AllFinite(f) || !AllFinite(ae))
            {
                f.Clear(); ae.Clear();
                throw new ApiException(Status.NonFinite, "the energy or forces are not finite (two atoms at the same position?)");
            }
            *energy = e;
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_compute_batch")]
    public static int ComputeBatch(nint potential, int clusters, int* offsets, int* types, double* positions, double* energies, double* forces, int threads)
    {
        try
        {
            var p = Handles.Get<PotentialObject>(potential, "potential");
            if (clusters < 0) throw new ApiException(Status.InvalidArgument, $"cluster count {clusters} is negative");
            NotNull(offsets, "offsets");
            NotNull(energies, "energies");
            if (offsets[0] != 0) throw new ApiException(Status.InvalidArgument, $"offsets[0] is {offsets[0]}, expected 0");
            for (int c = 0; c < clusters; c++)
                if (offsets[c + 1] < offsets[c])
                    throw new ApiException(Status.InvalidArgument, $"offsets[{c + 1}] = {offsets[c + 1]} is smaller than offsets[{c}] = {offsets[c]}");
            int atoms = offsets[clusters];
            if (atoms > int.MaxValue / 3) throw new ApiException(Status.InvalidArgument, $"{atoms} atoms in total is too many for one batch");
            if (atoms > 0)
            {
                NotNull(types, "types");
                NotNull(positions, "positions");
            }
            var t = CheckTypes(types, atoms, p);
            var pos = new ReadOnlySpan<double>(positions, 3 * atoms);
            CheckFinite(pos, "positions");
            var batch = new ClusterBatch(pos.ToArray(), new ReadOnlySpan<int>(offsets, clusters + 1).ToArray(),
                elements: [.. p.Species], types: t.ToArray());
            var e = new double[clusters];
            var f = forces == null ? null : new double[3 * atoms];
            p.Batch(threads).Evaluate(batch, e, f);
            if (!AllFinite(e) || (f != null && !AllFinite(f)))
                throw new ApiException(Status.NonFinite, "an energy or force is not finite (two atoms at the same position?)");
            e.CopyTo(new Span<double>(energies, clusters));
            f?.CopyTo(new Span<double>(forces, 3 * atoms));
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    // ---------------------------------------------------------------- Monte Carlo backend

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_create")]
    public static int CreateMc(nint potential, nint* result)
    {
        try
        {
            NotNull(result, "result");
            *result = 0;
            var p = Handles.Get<PotentialObject>(potential, "potential");
            *result = Handles.Add(new McObject(p));
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_free")]
    public static int FreeMc(nint mc)
    {
        try
        {
            if (mc == 0) return Status.Ok;
            Handles.Remove<McObject>(mc, "mc");
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_reset")]
    public static int McReset(nint mc, int n, int* types, double* positions, double* energy)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            if (n < 0 || n > int.MaxValue / 3) throw new ApiException(Status.InvalidArgument, $"atom count {n} is out of range");
            if (n > 0)
            {
                NotNull(types, "types");
                NotNull(positions, "positions");
            }
            var t = CheckTypes(types, n, m.Owner);
            var pos = new ReadOnlySpan<double>(positions, 3 * n);
            CheckFinite(pos, "positions");
            double e;
            m.Enter("mc backend");
            try
            {
                m.Pending = false;
                m.Loaded = false;
                e = m.Backend.Reset(t, pos);
                if (!double.IsFinite(e)) throw new ApiException(Status.NonFinite, "the energy is not finite (two atoms at the same position?)");
                m.Loaded = true;
            }
            finally { m.Exit(); }
            if (energy != null) *energy = e;
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_propose_move")]
    public static int McProposeMove(nint mc, int index, double x, double y, double z, double* dE)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            NotNull(dE, "dE");
            m.Enter("mc backend");
            try
            {
                BeginProposal(m);
                CheckIndex(m, index);
                CheckPoint(x, y, z);
                *dE = Finish(m, m.Backend.ProposeMove(index, x, y, z));
            }
            finally { m.Exit(); }
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_propose_insert")]
    public static int McProposeInsert(nint mc, int type, double x, double y, double z, double* dE)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            NotNull(dE, "dE");
            m.Enter("mc backend");
            try
            {
                BeginProposal(m);
                SpeciesTable.CheckType(type, m.Owner.Species.Count, m.Owner.Species);
                CheckPoint(x, y, z);
                *dE = Finish(m, m.Backend.ProposeInsert(type, x, y, z));
            }
            finally { m.Exit(); }
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_propose_remove")]
    public static int McProposeRemove(nint mc, int index, double* dE)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            NotNull(dE, "dE");
            m.Enter("mc backend");
            try
            {
                BeginProposal(m);
                CheckIndex(m, index);
                *dE = Finish(m, m.Backend.ProposeRemove(index));
            }
            finally { m.Exit(); }
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_accept")]
    public static int McAccept(nint mc)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            m.Enter("mc backend");
            try
            {
                if (!m.Pending) throw new ApiException(Status.State, "alhpc_mc_accept without a pending proposal");
                m.Pending = false;
                m.Backend.Accept();
            }
            finally { m.Exit(); }
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_reject")]
    public static int McReject(nint mc)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            m.Enter("mc backend");
            try
            {
                if (!m.Pending) throw new ApiException(Status.State, "alhpc_mc_reject without a pending proposal");
                m.Pending = false;
                m.Backend.Reject();
            }
            finally { m.Exit(); }
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_energy")]
    public static int McEnergy(nint mc, double* energy)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            NotNull(energy, "energy");
            if (!m.Loaded) throw new ApiException(Status.State, "call alhpc_mc_reset first");
            *energy = m.Backend.TotalEnergy;
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_count")]
    public static int McCount(nint mc, int* count)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            NotNull(count, "count");
            *count = m.Loaded ? m.Backend.Count : 0;
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "alhpc_mc_positions")]
    public static int McPositions(nint mc, double* positions, int capacity)
    {
        try
        {
            var m = Handles.Get<McObject>(mc, "mc");
            NotNull(positions, "positions");
            m.Enter("mc backend");
            try
            {
                int n = m.Loaded ? m.Backend.Count : 0;
                if (capacity < n) throw new ApiException(Status.InvalidArgument, $"capacity {capacity} atoms is less than the {n} atoms of the backend");
                if (n > 0) m.Backend.Positions.CopyTo(new Span<double>(positions, 3 * n));
            }
            finally { m.Exit(); }
            return Status.Ok;
        }
        catch (Exception e) { return LastError.From(e); }
    }

    // ---------------------------------------------------------------- helpers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NotNull(void* p, string name)
    {
        if (p == null) throw new ApiException(Status.NullPointer, $"{name} is NULL");
    }

    private static string PathArg(byte* path)
    {
        NotNull(path, "path");
        var s = Marshal.PtrToStringUTF8((nint)path);
        if (string.IsNullOrEmpty(s)) throw new ApiException(Status.InvalidArgument, "path is empty");
        if (!File.Exists(s)) throw new ApiException(Status.Io, $"{s}: file not found");
        return s;
    }

    private static void CopyString(string s, byte* buffer, int capacity)
    {
        NotNull(buffer, "buffer");
        int need = Encoding.UTF8.GetByteCount(s) + 1;
        if (capacity < need) throw new ApiException(Status.InvalidArgument, $"buffer of {capacity} bytes is too small ({need} needed)");
        int len = Encoding.UTF8.GetBytes(s, new Span<byte>(buffer, capacity));
        buffer[len] = 0;
    }

    /// <summary>The caller's types, checked against the potential's species (the one check: <see cref="SpeciesTable"/>).</summary>
    private static ReadOnlySpan<int> CheckTypes(int* types, int n, PotentialObject p)
    {
        var t = new ReadOnlySpan<int>(types, n);
        SpeciesTable.CheckTypes(t, n, p.Species);
        return t;
    }

    private static void CheckFinite(ReadOnlySpan<double> positions, string name)
    {
        for (int i = 0; i < positions.Length; i++)
            if (!double.IsFinite(positions[i]))
                throw new ApiException(Status.NonFinite, $"{name}: coordinate {"xyz"[i % 3]} of atom {i / 3} is {positions[i]}");
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values) if (!double.IsFinite(v)) return false;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckPoint(double x, double y, double z)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z))
            throw new ApiException(Status.NonFinite, $"position ({x}, {y}, {z}) is not finite");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BeginProposal(McObject m)
    {
        if (!m.Loaded) throw new ApiException(Status.State, "call alhpc_mc_reset first");
        if (m.Pending) throw new ApiException(Status.State, "a proposal is pending: call alhpc_mc_accept or alhpc_mc_reject first");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckIndex(McObject m, int index)
    {
        int n = m.Backend.Count;
        if ((uint)index >= (uint)n) throw new ApiException(Status.InvalidArgument, $"atom index {index} is out of range (0..{n - 1})");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Finish(McObject m, double dE)
    {
        if (!double.IsFinite(dE))
        {
            m.Backend.Reject();
            throw new ApiException(Status.NonFinite, "the energy change is not finite (an atom on top of another?)");
        }
        m.Pending = true;
        return dE;
    }
}
