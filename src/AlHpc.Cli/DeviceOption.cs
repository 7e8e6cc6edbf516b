using System.CommandLine;
using AlHpc.OpenCL;

namespace AlHpc.Cli;

/// <summary>
/// The shared --device option of computing commands. Add it with one line,
/// <c>var device = DeviceOption.Add(cmd);</c>, and in the action
/// <c>using var dev = DeviceOption.Resolve(pr, device);</c> then compute through <c>dev.Backend</c> (the one
/// place a device becomes a compute backend is <see cref="DeviceSelector"/>). Falls back to the CPU with a
/// message on stderr when OpenCL is missing.
/// </summary>
public static class DeviceOption
{
    public static Option<string?> Create() => new("--device")
    {
        Description = "Where to compute: cpu (default), opencl (first GPU, else first device), or opencl:P:D from `alhpc devices`; "
                      + "append :single for single precision with double accumulation. Default from ALHPC_DEVICE.",
    };

    /// <summary>Creates the option and adds it to <paramref name="cmd"/>.</summary>
    public static Option<string?> Add(Command cmd)
    {
        var o = Create();
        cmd.Options.Add(o);
        return o;
    }

    /// <summary>The requested device (option, else ALHPC_DEVICE, else cpu); a bad spec is a usage error (exit 2).</summary>
    public static ComputeDevice Parse(string? spec)
    {
        try
        {
            return spec is null ? ComputeDevice.FromEnvironment() : ComputeDevice.Parse(spec);
        }
        catch (FormatException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Resolves the option's device; prints the fallback reason to stderr when OpenCL was asked for but is not usable.</summary>
    public static ResolvedDevice Resolve(ParseResult pr, Option<string?> option, int maxDegreeOfParallelism = -1) =>
        Resolve(pr.GetValue(option), maxDegreeOfParallelism);

    public static ResolvedDevice Resolve(string? spec, int maxDegreeOfParallelism = -1)
    {
        var req = Parse(spec);
        ResolvedDevice dev;
        try { dev = DeviceSelector.Resolve(req, maxDegreeOfParallelism); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (dev.FallbackReason is { } why)
            Console.Error.WriteLine($"alhpc: OpenCL not used ({why}); computing on the CPU.");
        return dev;
    }
}
