using System.Runtime.InteropServices;

namespace AlHpc.Tests.Native;

/// <summary>The C ABI of libalhpc.so called from .NET through function pointers (what a C caller sees).</summary>
public sealed unsafe class NativeApi
{
    private static readonly Lazy<NativeApi> Shared = new(() => new NativeApi(NativeBuild.Library));

    public static NativeApi Instance => Shared.Value;

    public NativeApi(string library)
    {
        var h = NativeLibrary.Load(library);
        nint F(string name) => NativeLibrary.GetExport(h, name);
        AbiVersion = (delegate* unmanaged<int>)F("alhpc_abi_version");
        Version = (delegate* unmanaged<byte*>)F("alhpc_version");
        LastErrorPtr = (delegate* unmanaged<byte*>)F("alhpc_last_error");
        LoadMlBop = (delegate* unmanaged<nint*, int>)F("alhpc_potential_load_mlbop");
        LoadTersoff = (delegate* unmanaged<byte*, nint*, int>)F("alhpc_potential_load_tersoff");
        LoadModel = (delegate* unmanaged<byte*, nint*, int>)F("alhpc_potential_load_model");
        FreePotential = (delegate* unmanaged<nint, int>)F("alhpc_potential_free");
        Cutoff = (delegate* unmanaged<nint, double*, int>)F("alhpc_potential_cutoff");
        SpeciesCount = (delegate* unmanaged<nint, int*, int>)F("alhpc_potential_species_count");
        Species = (delegate* unmanaged<nint, int, byte*, int, int>)F("alhpc_potential_species");
        CreateEvaluator = (delegate* unmanaged<nint, nint*, int>)F("alhpc_evaluator_create");
        FreeEvaluator = (delegate* unmanaged<nint, int>)F("alhpc_evaluator_free");
        Compute = (delegate* unmanaged<nint, int, int*, double*, double*, double*, double*, int>)F("alhpc_compute");
        ComputeBatch = (delegate* unmanaged<nint, int, int*, int*, double*, double*, double*, int, int>)F("alhpc_compute_batch");
        McCreate = (delegate* unmanaged<nint, nint*, int>)F("alhpc_mc_create");
        McFree = (delegate* unmanaged<nint, int>)F("alhpc_mc_free");
        McReset = (delegate* unmanaged<nint, int, int*, double*, double*, int>)F("alhpc_mc_reset");
        McProposeMove = (delegate* unmanaged<nint, int, double, double, double, double*, int>)F("alhpc_mc_propose_move");
        McProposeInsert = (delegate* unmanaged<nint, int, double, double, double, double*, int>)F("alhpc_mc_propose_insert");
        McProposeRemove = (delegate* unmanaged<nint, int, double*, int>)F("alhpc_mc_propose_remove");
        McAccept = (delegate* unmanaged<nint, int>)F("alhpc_mc_accept");
        McReject = (delegate* unmanaged<nint, int>)F("alhpc_mc_reject");
        McEnergy = (delegate* unmanaged<nint, double*, int>)F("alhpc_mc_energy");
        McCount = (delegate* unmanaged<nint, int*, int>)F("alhpc_mc_count");
        McPositions = (delegate* unmanaged<nint, double*, int, int>)F("alhpc_mc_positions");
    }

    public readonly delegate* unmanaged<int> AbiVersion;
    public readonly delegate* unmanaged<byte*> Version;
    public readonly delegate* unmanaged<byte*> LastErrorPtr;
    public readonly delegate* unmanaged<nint*, int> LoadMlBop;
    public readonly delegate* unmanaged<byte*, nint*, int> LoadTersoff;
    public readonly delegate* unmanaged<byte*, nint*, int> LoadModel;
    public readonly delegate* unmanaged<nint, int> FreePotential;
    public readonly delegate* unmanaged<nint, double*, int> Cutoff;
    public readonly delegate* unmanaged<nint, int*, int> SpeciesCount;
    public readonly delegate* unmanaged<nint, int, byte*, int, int> Species;
    public readonly delegate* unmanaged<nint, nint*, int> CreateEvaluator;
    public readonly delegate* unmanaged<nint, int> FreeEvaluator;
    public readonly delegate* unmanaged<nint, int, int*, double*, double*, double*, double*, int> Compute;
    public readonly delegate* unmanaged<nint, int, int*, int*, double*, double*, double*, int, int> ComputeBatch;
    public readonly delegate* unmanaged<nint, nint*, int> McCreate;
    public readonly delegate* unmanaged<nint, int> McFree;
    public readonly delegate* unmanaged<nint, int, int*, double*, double*, int> McReset;
    public readonly delegate* unmanaged<nint, int, double, double, double, double*, int> McProposeMove;
    public readonly delegate* unmanaged<nint, int, double, double, double, double*, int> McProposeInsert;
    public readonly delegate* unmanaged<nint, int, double*, int> McProposeRemove;
    public readonly delegate* unmanaged<nint, int> McAccept;
    public readonly delegate* unmanaged<nint, int> McReject;
    public readonly delegate* unmanaged<nint, double*, int> McEnergy;
    public readonly delegate* unmanaged<nint, int*, int> McCount;
    public readonly delegate* unmanaged<nint, double*, int, int> McPositions;

    public string LastError => Marshal.PtrToStringUTF8((nint)LastErrorPtr()) ?? "";

    /// <summary>Calls a loader with a NUL-terminated UTF-8 path.</summary>
    public int Load(delegate* unmanaged<byte*, nint*, int> loader, string? path, out nint handle)
    {
        nint h = 0;
        int rc;
        if (path == null) rc = loader(null, &h);
        else
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = bytes) rc = loader(p, &h);
        }
        handle = h;
        return rc;
    }
}
