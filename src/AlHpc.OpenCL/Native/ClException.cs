using Silk.NET.OpenCL;

namespace AlHpc.OpenCL.Native;

/// <summary>An OpenCL call returned an error code. <see cref="CodeName"/> is the API's name for it (e.g. "InvalidKernelArgs").</summary>
public class ClException : Exception
{
    public ClException(int code, string call, string? detail = null)
        : base($"OpenCL {call} failed: {NameOf(code)} ({code}){(detail is null ? "" : ": " + detail)}")
    {
        Code = code;
        Call = call;
    }

    /// <summary>The raw cl_int error code (negative).</summary>
    public int Code { get; }

    /// <summary>The call that failed (e.g. "clEnqueueNDRangeKernel").</summary>
    public string Call { get; }

    public string CodeName => NameOf(Code);

    public static string NameOf(int code) => Enum.IsDefined(typeof(ErrorCodes), code) ? ((ErrorCodes)code).ToString() : $"Error{code}";

    /// <summary>Throws when <paramref name="code"/> is not CL_SUCCESS.</summary>
    public static void Check(int code, string call)
    {
        if (code != 0) throw new ClException(code, call);
    }
}

/// <summary>clBuildProgram failed; <see cref="BuildLog"/> holds the compiler's log.</summary>
public sealed class ClBuildException(int code, string buildLog)
    : ClException(code, "clBuildProgram", "build log:\n" + buildLog)
{
    public string BuildLog { get; } = buildLog;
}

/// <summary>No OpenCL is usable here (no loader library, no platform, or no device).</summary>
public sealed class OpenClUnavailableException(string reason) : Exception("OpenCL is not available: " + reason)
{
    public string Reason { get; } = reason;
}
