using System.Globalization;
using AlHpc.Compute;
using AlHpc.OpenCL.Native;

namespace AlHpc.OpenCL;

/// <summary>Where computation runs.</summary>
public enum ComputeBackend
{
    /// <summary>The C# SIMD path (default).</summary>
    Cpu,
    /// <summary>OpenCL kernels on a device (GPU, or PoCL on the CPU).</summary>
    OpenCl,
}

/// <summary>
/// A device request: "cpu", "opencl" (first GPU, else first device), "opencl:P:D" (platform P, device D,
/// as `alhpc devices` numbers them), each optionally followed by ":single" (single precision with
/// double accumulation) or ":double" (default). The environment variable ALHPC_DEVICE supplies the
/// default when no --device option is given.
/// </summary>
public sealed record ComputeDevice(ComputeBackend Backend, int? Platform = null, int? Device = null, OpenClPrecision Precision = OpenClPrecision.Double)
{
    public const string EnvironmentVariable = "ALHPC_DEVICE";

    public static ComputeDevice Cpu { get; } = new(ComputeBackend.Cpu);

    /// <summary>Parses a spec; throws <see cref="FormatException"/> with the accepted forms.</summary>
    public static ComputeDevice Parse(string spec)
    {
        if (!TryParse(spec, out var d, out var error)) throw new FormatException(error);
        return d;
    }

    public static bool TryParse(string? spec, out ComputeDevice device, out string error)
    {
        device = Cpu;
        error = "";
        var s = (spec ?? "").Trim().ToLowerInvariant();
        var parts = s.Split(':');
        var precision = OpenClPrecision.Double;
        int n = parts.Length;
        if (n > 1 && parts[^1] is "single" or "double")
        {
            precision = parts[^1] == "single" ? OpenClPrecision.Single : OpenClPrecision.Double;
            n--;
        }
        if (parts[0] == "cpu" && parts.Length == 1) return true;
        if (parts[0] == "opencl")
        {
            if (n == 1) { device = new(ComputeBackend.OpenCl, null, null, precision); return true; }
            if (n == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int p)
                       && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int dv))
            {
                device = new(ComputeBackend.OpenCl, p, dv, precision);
                return true;
            }
        }
        error = $"bad device '{spec}': expected cpu, opencl or opencl:P:D (optionally :single), e.g. opencl:0:0 (see `alhpc devices`)";
        return false;
    }

    /// <summary>From ALHPC_DEVICE, or CPU when unset or empty.</summary>
    public static ComputeDevice FromEnvironment()
    {
        var v = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(v)) return Cpu;
        if (!TryParse(v, out var d, out var err)) throw new FormatException($"{EnvironmentVariable}: {err}");
        return d;
    }

    public override string ToString() => Backend == ComputeBackend.Cpu ? "cpu"
        : (Platform is null ? "opencl" : $"opencl:{Platform}:{Device}") + (Precision == OpenClPrecision.Single ? ":single" : "");
}

/// <summary>
/// The outcome of <see cref="DeviceSelector.Resolve"/>: the compute backend every computing command uses
/// (<see cref="OpenClComputeBackend"/> or <see cref="CpuComputeBackend"/>), and why the CPU when OpenCL was asked for.
/// </summary>
public sealed class ResolvedDevice : IDisposable
{
    internal ResolvedDevice(ComputeDevice requested, ClDeviceContext? context, string? fallbackReason, int maxDegreeOfParallelism = -1)
    {
        Requested = requested;
        Backend = context is null ? new CpuComputeBackend(maxDegreeOfParallelism: maxDegreeOfParallelism) : new OpenClComputeBackend(context, ownsContext: true);
        FallbackReason = fallbackReason;
    }

    public ComputeDevice Requested { get; }

    /// <summary>Where the computations run (owned by this object).</summary>
    public IComputeBackend Backend { get; }

    public bool IsOpenCl => Backend is OpenClComputeBackend;

    /// <summary>When OpenCL was requested but the CPU path is used: why.</summary>
    public string? FallbackReason { get; }

    public string Description => Backend.Description;

    public void Dispose() => Backend.Dispose();
}

/// <summary>Turns a <see cref="ComputeDevice"/> request into a device, falling back to the CPU when there is no OpenCL.</summary>
public static class DeviceSelector
{
    /// <summary>
    /// Resolves a request. "cpu" gives the CPU path. "opencl" with no OpenCL on the machine (no loader, no
    /// platform, no device, or no fp64 for double precision) gives the CPU path with a
    /// <see cref="ResolvedDevice.FallbackReason"/>, never an exception. An explicit "opencl:P:D" that names a
    /// device that does not exist throws <see cref="ArgumentException"/> (a usage error).
    /// </summary>
    /// <param name="request">The device asked for.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads of the CPU backend (-1: all cores).</param>
    public static ResolvedDevice Resolve(ComputeDevice request, int maxDegreeOfParallelism = -1)
    {
        if (request.Backend == ComputeBackend.Cpu) return new(request, null, null, maxDegreeOfParallelism);
        var inv = OpenClDevices.Inventory;
        if (!inv.IsAvailable) return new(request, null, inv.UnavailableReason, maxDegreeOfParallelism);
        OpenClDeviceInfo? pick;
        if (request.Platform is int p)
        {
            pick = inv.Devices.FirstOrDefault(d => d.PlatformIndex == p && d.DeviceIndex == request.Device);
            if (pick is null)
                throw new ArgumentException($"no OpenCL device {request.Platform}:{request.Device}; available: {string.Join(", ", inv.Devices.Select(d => d.Spec))}");
        }
        else
        {
            bool ok(OpenClDeviceInfo d) => d.SupportsFp64 || request.Precision == OpenClPrecision.Single;
            pick = inv.Devices.FirstOrDefault(d => d.Type == "GPU" && ok(d)) ?? inv.Devices.FirstOrDefault(ok);
            if (pick is null) return new(request, null, "no OpenCL device supports double precision (try opencl:single)", maxDegreeOfParallelism);
        }
        if (request.Precision == OpenClPrecision.Double && !pick.SupportsFp64)
            return new(request, null, $"{pick} has no double precision (cl_khr_fp64, maxDegreeOfParallelism); try {pick.Spec}:single");
        try
        {
            return new(request, new ClDeviceContext(pick, request.Precision), null, maxDegreeOfParallelism);
        }
        catch (ClException e)
        {
            return new(request, null, $"could not open {pick}: {e.Message}", maxDegreeOfParallelism);
        }
    }
}
