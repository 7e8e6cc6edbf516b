using System.Runtime.InteropServices;

namespace AlHpc.Cli;

/// <summary>
/// Turns Ctrl+C (SIGINT) and SIGTERM into a cancellation instead of an immediate exit, so a command can
/// finish its output cleanly (keep what it has, remove temporary files). A second signal is not caught.
/// </summary>
public sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PosixSignalRegistration> _regs = new();

    public SignalCancellation()
    {
        foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try
            {
                _regs.Add(PosixSignalRegistration.Create(sig, ctx =>
                {
                    if (_cts.IsCancellationRequested) return; // a second signal: default handling (exit)
                    ctx.Cancel = true;
                    _cts.Cancel();
                }));
            }
            catch (PlatformNotSupportedException) { }
        }
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        foreach (var r in _regs) r.Dispose();
        _cts.Dispose();
    }
}
