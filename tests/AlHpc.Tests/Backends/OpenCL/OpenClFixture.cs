using AlHpc.OpenCL.Native;

namespace AlHpc.Tests.OpenCL;

/// <summary>
/// One OpenCL device context per test class (PoCL compiles kernels lazily: sharing the context and its
/// programs keeps the suite fast). Where no OpenCL exists the tests skip with the reason, unless
/// ALHPC_REQUIRE_OPENCL=1 (CI, test.sh), where they fail.
/// </summary>
public class OpenClFixture : IDisposable
{
    private readonly Dictionary<OpenClPrecision, ClDeviceContext> _contexts = new();

    public OpenClFixture()
    {
        ClApi.PrepareNativeEnvironmentForTests();
        var inv = OpenClDevices.Inventory;
        UnavailableReason = inv.UnavailableReason;
    }

    public string? UnavailableReason { get; }

    public static bool Required => Environment.GetEnvironmentVariable("ALHPC_REQUIRE_OPENCL") == "1";

    /// <summary>The shared context; skips (or fails when required) where there is no OpenCL.</summary>
    public ClDeviceContext Context(OpenClPrecision precision = OpenClPrecision.Double)
    {
        RequireOpenCl();
        lock (_contexts)
        {
            if (!_contexts.TryGetValue(precision, out var c))
            {
                c = ClDeviceContext.OpenDefault(precision);
                _contexts[precision] = c;
            }
            return c;
        }
    }

    public void RequireOpenCl()
    {
        if (UnavailableReason is null) return;
        if (Required) Assert.Fail("ALHPC_REQUIRE_OPENCL=1 but " + UnavailableReason);
        Skip.If(true, "OpenCL not available: " + UnavailableReason);
    }

    public void Dispose()
    {
        foreach (var c in _contexts.Values) c.Dispose();
        _contexts.Clear();
        GC.SuppressFinalize(this);
    }
}
