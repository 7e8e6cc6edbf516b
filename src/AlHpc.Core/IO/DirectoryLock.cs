using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace AlHpc.IO;

/// <summary>
/// An exclusive lock on a directory: the file <c>.alhpc.lock</c> in it, locked with flock(2) and holding
/// the holder's process id. The kernel drops the lock when the holder exits, however it exits (SIGKILL
/// included), so a stale file never blocks a later run. A second process that asks for the lock gets an
/// <see cref="InputFormatException"/> naming the holder's PID. Within one process the lock is re-entrant
/// (counted): the CLI holds it for the whole command and the run takes it again inside.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    public const string FileName = ".alhpc.lock";

    private static readonly ConcurrentDictionary<string, Holder> Held = new(StringComparer.Ordinal);
    private readonly string _dir;
    private bool _disposed;

    private sealed class Holder
    {
        public int Count;
        public int Fd = -1;                 // Unix
        public FileStream? Stream;          // elsewhere
    }

    private DirectoryLock(string dir) { _dir = dir; }

    /// <summary>The locked directory (absolute).</summary>
    public string Directory => _dir;

    /// <summary>
    /// Takes the lock on <paramref name="directory"/> (which must exist). Throws <see cref="InputFormatException"/>
    /// (exit 2) when another process holds it, with that process's id.
    /// </summary>
    public static DirectoryLock Acquire(string directory)
    {
        var dir = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        lock (Held)
        {
            if (Held.TryGetValue(dir, out var h)) { h.Count++; return new DirectoryLock(dir); }
            var path = Path.Combine(dir, FileName);
            h = new Holder { Count = 1 };
            if (OperatingSystem.IsWindows())
            {
                try { h.Stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
                catch (IOException) { throw Busy(dir, null); }
            }
            else
            {
                int fd = Native.open(path, Native.O_RDWR | Native.O_CREAT | Native.O_CLOEXEC, Convert.ToInt32("644", 8));
                if (fd < 0) throw new IOException($"{path}: cannot open the lock file (errno {Marshal.GetLastPInvokeError()})");
                if (Native.flock(fd, Native.LOCK_EX | Native.LOCK_NB) != 0)
                {
                    string? pid = ReadAll(fd);
                    Native.close(fd);
                    throw Busy(dir, pid);
                }
                var text = Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
                Native.ftruncate(fd, 0);
                Native.pwrite(fd, text, text.Length, 0);
                h.Fd = fd;
            }
            Held[dir] = h;
            return new DirectoryLock(dir);
        }
    }

    /// <summary>Whether this process holds the lock on <paramref name="directory"/>.</summary>
    public static bool IsHeld(string directory) => Held.ContainsKey(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar));

    private static InputFormatException Busy(string dir, string? pid)
    {
        pid = pid?.Trim();
        string who = string.IsNullOrEmpty(pid) ? "another process" : $"process {pid}";
        return new InputFormatException(dir, 0, $"the run directory is in use by {who} (lock {FileName}); wait for it to finish or stop it");
    }

    private static string? ReadAll(int fd)
    {
        var buf = new byte[64];
        long n = Native.pread(fd, buf, buf.Length, 0);
        return n > 0 ? Encoding.ASCII.GetString(buf, 0, (int)n) : null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Held)
        {
            if (!Held.TryGetValue(_dir, out var h) || --h.Count > 0) return;
            Held.TryRemove(_dir, out _);
            if (h.Stream != null) h.Stream.Dispose();
            if (h.Fd >= 0)
            {
                Native.ftruncate(h.Fd, 0); // no stale PID in the file
                Native.close(h.Fd);        // releases the flock
            }
        }
    }

    private static class Native
    {
        public const int O_RDWR = 2, O_CREAT = 0x40, O_CLOEXEC = 0x80000; // Linux values
        public const int LOCK_EX = 2, LOCK_NB = 4;

        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
        [DllImport("libc", SetLastError = true)] public static extern int flock(int fd, int operation);
        [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
        [DllImport("libc", SetLastError = true)] public static extern int ftruncate(int fd, long length);
        [DllImport("libc", SetLastError = true)] public static extern nint pwrite(int fd, byte[] buf, nint count, long offset);
        [DllImport("libc", SetLastError = true)] public static extern nint pread(int fd, byte[] buf, nint count, long offset);
    }
}
