using System.Runtime.InteropServices;
using Silk.NET.OpenCL;

namespace AlHpc.OpenCL.Native;

/// <summary>
/// The process-wide OpenCL entry points. Loading is lazy and never throws: a machine without
/// libOpenCL (FileNotFoundException/DllNotFoundException from CL.GetApi) or without any platform
/// (CL_PLATFORM_NOT_FOUND_KHR, -1001) is reported as "no OpenCL" with a reason.
/// </summary>
internal static partial class ClApi
{
    private static readonly Lazy<(CL? Api, string? Error)> s_api = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The loaded API, or null (see <see cref="LoadError"/>).</summary>
    public static CL? Api => s_api.Value.Api;

    /// <summary>Why the API could not be loaded (null when it was).</summary>
    public static string? LoadError => s_api.Value.Error;

    /// <summary>The loaded API; throws <see cref="OpenClUnavailableException"/> when there is none.</summary>
    public static CL Require() => Api ?? throw new OpenClUnavailableException(LoadError ?? "unknown");

    private static (CL?, string?) Load()
    {
        PrepareNativeEnvironment();
        try
        {
            return (CL.GetApi(), null);
        }
        catch (Exception e) when (e is FileNotFoundException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return (null, "the OpenCL loader library (libOpenCL.so.1) is not installed: " + e.Message);
        }
    }

    /// <summary>
    /// PoCL installs a SIGFPE handler that turns a managed integer division by zero into a process
    /// crash unless POCL_SIGFPE_HANDLER=0 is in the native environment before it loads.
    /// </summary>
    /// <summary>For test hosts: sets POCL_SIGFPE_HANDLER=0 before the loader starts PoCL.</summary>
    public static void PrepareNativeEnvironmentForTests() => PrepareNativeEnvironment();

    internal static void PrepareNativeEnvironment()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("POCL_SIGFPE_HANDLER") is not null) return;
        try { _ = setenv("POCL_SIGFPE_HANDLER", "0", 0); } catch (Exception) { /* not glibc */ }
        Environment.SetEnvironmentVariable("POCL_SIGFPE_HANDLER", "0");
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
