using System.Runtime.InteropServices;
using Silk.NET.OpenCL;

namespace AlHpc.OpenCL.Native;

/// <summary>An owned OpenCL object (cl_context, cl_command_queue, cl_program, cl_kernel, cl_mem), released exactly once.</summary>
internal abstract class ClHandle : SafeHandle
{
    protected ClHandle(nint handle) : base(0, true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw handle for API calls (valid while this object is alive and not disposed).</summary>
    public nint Raw
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }

    protected static CL Api => ClApi.Require();
}

internal sealed class ClContextHandle(nint h) : ClHandle(h)
{
    protected override bool ReleaseHandle() => Api.ReleaseContext(handle) == 0;
}

internal sealed class ClQueueHandle(nint h) : ClHandle(h)
{
    protected override bool ReleaseHandle() => Api.ReleaseCommandQueue(handle) == 0;
}

internal sealed class ClProgramHandle(nint h) : ClHandle(h)
{
    protected override bool ReleaseHandle() => Api.ReleaseProgram(handle) == 0;
}

internal sealed class ClKernelHandle(nint h) : ClHandle(h)
{
    protected override bool ReleaseHandle() => Api.ReleaseKernel(handle) == 0;
}

internal sealed class ClMemHandle(nint h) : ClHandle(h)
{
    protected override bool ReleaseHandle() => Api.ReleaseMemObject(handle) == 0;
}
