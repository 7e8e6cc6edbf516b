using System.Runtime.InteropServices;

namespace AlHpc.Cli;

/// <summary>
/// Native environment fixes that must happen before any native library loads. PoCL installs a SIGFPE
/// handler that turns managed integer division by zero into a crash unless POCL_SIGFPE_HANDLER=0 is
/// set in the native environment (Environment.SetEnvironmentVariable does not reach native code).
/// </summary>
public static partial class NativeEnvironment
{
    public static void Prepare()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("POCL_SIGFPE_HANDLER") is null)
        {
            try { _ = setenv("POCL_SIGFPE_HANDLER", "0", 0); } catch { /* not glibc: nothing to do */ }
            Environment.SetEnvironmentVariable("POCL_SIGFPE_HANDLER", "0");
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
