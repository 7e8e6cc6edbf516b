using System.Text;
using Silk.NET.OpenCL;

namespace AlHpc.OpenCL.Native;

/// <summary>
/// Traits of one OpenCL device, read from the driver. Kernels pick work-group sizes and local memory
/// from these (and from per-kernel queries), never from constants tuned for one machine.
/// </summary>
public sealed record OpenClDeviceInfo(
    int PlatformIndex,
    int DeviceIndex,
    string PlatformName,
    string Name,
    string Vendor,
    string Type,
    string Version,
    string DriverVersion,
    string OpenClCVersion,
    int ComputeUnits,
    long GlobalMemoryBytes,
    long LocalMemoryBytes,
    long MaxAllocationBytes,
    int MaxWorkGroupSize,
    bool SupportsFp64,
    int PreferredVectorWidthDouble,
    int ClockMHz)
{
    /// <summary>Native handle of the device (valid for the process lifetime; devices are not released).</summary>
    internal nint Handle { get; init; }

    /// <summary>"opencl:P:D", the spec that selects this device.</summary>
    public string Spec => $"opencl:{PlatformIndex}:{DeviceIndex}";

    public override string ToString() => $"{Spec} {Name} ({Type}, {PlatformName})";
}

/// <summary>The OpenCL platforms and devices of this machine, or why there are none.</summary>
public sealed class OpenClInventory
{
    internal OpenClInventory(IReadOnlyList<OpenClDeviceInfo> devices, IReadOnlyList<string> platforms, string? unavailableReason)
    {
        Devices = devices;
        PlatformNames = platforms;
        UnavailableReason = unavailableReason;
    }

    public IReadOnlyList<OpenClDeviceInfo> Devices { get; }
    public IReadOnlyList<string> PlatformNames { get; }

    /// <summary>Null when at least one device is usable; otherwise a human-readable reason.</summary>
    public string? UnavailableReason { get; }

    public bool IsAvailable => Devices.Count > 0;
}

/// <summary>Platform and device discovery. Never throws for "no OpenCL here"; reports it instead.</summary>
public static unsafe class OpenClDevices
{
    private const int PlatformNotFoundKhr = -1001;
    private static readonly Lazy<OpenClInventory> s_inventory = new(Discover, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The machine's devices (discovered once per process).</summary>
    public static OpenClInventory Inventory => s_inventory.Value;

    private static OpenClInventory Discover()
    {
        var api = ClApi.Api;
        if (api is null) return new([], [], ClApi.LoadError);
        uint nPlatforms = 0;
        int rc;
        try
        {
            rc = api.GetPlatformIDs(0, null, &nPlatforms);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return new([], [], "the OpenCL loader library could not be used: " + e.Message);
        }
        if (rc == PlatformNotFoundKhr || nPlatforms == 0)
            return new([], [], "no OpenCL platform is installed (the loader found no driver; on Debian: apt-get install pocl-opencl-icd ocl-icd-libopencl1)");
        if (rc != 0) return new([], [], $"clGetPlatformIDs failed: {ClException.NameOf(rc)} ({rc})");
        var platforms = new nint[nPlatforms];
        fixed (nint* p = platforms) ClException.Check(api.GetPlatformIDs(nPlatforms, p, null), "clGetPlatformIDs");
        var devices = new List<OpenClDeviceInfo>();
        var names = new List<string>();
        for (int pi = 0; pi < platforms.Length; pi++)
        {
            string pname = PlatformString(api, platforms[pi], PlatformInfo.Name);
            names.Add(pname);
            uint nDev = 0;
            rc = api.GetDeviceIDs(platforms[pi], DeviceType.All, 0, null, &nDev);
            if (rc != 0 || nDev == 0) continue; // CL_DEVICE_NOT_FOUND: a platform without devices
            var devs = new nint[nDev];
            fixed (nint* d = devs) ClException.Check(api.GetDeviceIDs(platforms[pi], DeviceType.All, nDev, d, null), "clGetDeviceIDs");
            for (int di = 0; di < devs.Length; di++) devices.Add(Describe(api, pi, di, pname, devs[di]));
        }
        return new(devices, names, devices.Count == 0 ? "OpenCL platforms exist but expose no device" : null);
    }

    private static OpenClDeviceInfo Describe(CL api, int pi, int di, string pname, nint dev)
    {
        string ext = DeviceString(api, dev, DeviceInfo.Extensions);
        ulong type = DeviceValue<ulong>(api, dev, DeviceInfo.Type);
        string typeName = (type & (ulong)DeviceType.Gpu) != 0 ? "GPU" : (type & (ulong)DeviceType.Cpu) != 0 ? "CPU" : (type & (ulong)DeviceType.Accelerator) != 0 ? "accelerator" : "other";
        ulong fp64 = DeviceValue<ulong>(api, dev, DeviceInfo.DoubleFPConfig);
        return new OpenClDeviceInfo(
            pi, di, pname,
            DeviceString(api, dev, DeviceInfo.Name).Trim(),
            DeviceString(api, dev, DeviceInfo.Vendor).Trim(),
            typeName,
            DeviceString(api, dev, DeviceInfo.Version).Trim(),
            DeviceString(api, dev, DeviceInfo.DriverVersion).Trim(),
            #pragma warning disable CS0618 // CL_DEVICE_OPENCL_C_VERSION: deprecated in 3.0 but the only query 1.2 devices (PoCL) answer
            DeviceString(api, dev, DeviceInfo.OpenclCVersion).Trim(),
#pragma warning restore CS0618
            (int)DeviceValue<uint>(api, dev, DeviceInfo.MaxComputeUnits),
            (long)DeviceValue<ulong>(api, dev, DeviceInfo.GlobalMemSize),
            (long)DeviceValue<ulong>(api, dev, DeviceInfo.LocalMemSize),
            (long)DeviceValue<ulong>(api, dev, DeviceInfo.MaxMemAllocSize),
            (int)DeviceValue<nuint>(api, dev, DeviceInfo.MaxWorkGroupSize),
            fp64 != 0 || ext.Contains("cl_khr_fp64", StringComparison.Ordinal),
            (int)DeviceValue<uint>(api, dev, DeviceInfo.PreferredVectorWidthDouble),
            (int)DeviceValue<uint>(api, dev, DeviceInfo.MaxClockFrequency))
        { Handle = dev };
    }

    internal static T DeviceValue<T>(CL api, nint dev, DeviceInfo what) where T : unmanaged
    {
        T v = default;
        int rc = api.GetDeviceInfo(dev, what, (nuint)sizeof(T), &v, null);
        return rc == 0 ? v : default; // optional queries (e.g. fp64 config on 1.1 devices) read as 0
    }

    internal static string DeviceString(CL api, nint dev, DeviceInfo what)
    {
        nuint size = 0;
        if (api.GetDeviceInfo(dev, what, 0, null, &size) != 0 || size == 0) return "";
        var buf = new byte[(int)size];
        fixed (byte* b = buf) ClException.Check(api.GetDeviceInfo(dev, what, size, b, null), "clGetDeviceInfo");
        return Encoding.UTF8.GetString(buf).TrimEnd('\0');
    }

    private static string PlatformString(CL api, nint p, PlatformInfo what)
    {
        nuint size = 0;
        if (api.GetPlatformInfo(p, what, 0, null, &size) != 0 || size == 0) return "";
        var buf = new byte[(int)size];
        fixed (byte* b = buf) ClException.Check(api.GetPlatformInfo(p, what, size, b, null), "clGetPlatformInfo");
        return Encoding.UTF8.GetString(buf).TrimEnd('\0').Trim();
    }
}
