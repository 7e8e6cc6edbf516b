using System.Diagnostics;

namespace AlHpc.Cli;

/// <summary>
/// The CLI's one progress display: a line on stderr with count, percent, rate and time left, redrawn in place
/// at most 5 times a second, shown only when stderr is a terminal (nothing when piped or redirected, or under
/// CI); stdout is never touched. Thread safe. (Chosen over Spectre.Console's progress, whose live renderer
/// owns the cursor and garbles the lines other code writes to stderr meanwhile, e.g. learn's messages and
/// the OpenCL fallback notice; this line shows the same numbers.)
/// </summary>
public sealed class ConsoleProgress : IDisposable
{
    private readonly string _label;
    private readonly string _unit;
    private readonly long _total;
    private readonly bool _enabled;
    private readonly TextWriter _out;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done;
    private long _lastDrawTicks = -1;
    private readonly object _gate = new();

    /// <param name="enabled">null: when stderr is a terminal and CI is unset.</param>
    /// <param name="writer">Where the line goes (default: stderr).</param>
    public ConsoleProgress(string label, long total, string unit = "items", bool? enabled = null, TextWriter? writer = null)
    {
        _label = label;
        _total = total;
        _unit = unit;
        _enabled = enabled ?? (!Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null);
        _out = writer ?? Console.Error;
    }

    /// <summary>Callback shape the library uses: (done, total).</summary>
    public void Report(long done, long total)
    {
        Interlocked.Exchange(ref _done, done);
        Draw(false);
    }

    public void Advance(long by = 1)
    {
        Interlocked.Add(ref _done, by);
        Draw(false);
    }

    private void Draw(bool force)
    {
        if (!_enabled) return;
        long now = _clock.ElapsedTicks;
        if (!force && _lastDrawTicks >= 0 && now - _lastDrawTicks < Stopwatch.Frequency / 5) return;
        lock (_gate)
        {
            _lastDrawTicks = now;
            long done = Interlocked.Read(ref _done);
            double secs = _clock.Elapsed.TotalSeconds;
            double rate = secs > 0 ? done / secs : 0;
            string left = rate > 0 && _total > 0 ? FormatTime((_total - done) / rate) : "?";
            double pct = _total > 0 ? 100.0 * done / _total : 0;
            _out.Write($"\r{_label}: {done}/{_total} ({pct:F1} %), {rate:G4} {_unit}/s, {left} left   ");
        }
    }

    private static string FormatTime(double s) =>
        s < 60 ? $"{s:F0} s" : s < 3600 ? $"{(int)(s / 60)} min {(int)(s % 60)} s" : $"{(int)(s / 3600)} h {(int)(s % 3600 / 60)} min";

    public void Dispose()
    {
        if (!_enabled) return;
        Draw(true);
        _out.WriteLine();
    }
}
