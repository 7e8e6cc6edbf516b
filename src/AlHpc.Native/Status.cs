using System.Runtime.InteropServices;
using System.Text;
using AlHpc.IO;

namespace AlHpc.Native;

/// <summary>Status codes of every C entry point (include/alhpc.h, ALHPC_*).</summary>
internal static class Status
{
    public const int Ok = 0;
    public const int NullPointer = 1;
    public const int BadHandle = 2;
    public const int InvalidArgument = 3;
    public const int NonFinite = 4;
    public const int Species = 5;
    public const int Io = 6;
    public const int Format = 7;
    public const int State = 8;
    public const int Busy = 9;
    public const int Internal = 10;

    public static string Name(int code) => code switch
    {
        Ok => "ok",
        NullPointer => "null pointer",
        BadHandle => "bad handle",
        InvalidArgument => "invalid argument",
        NonFinite => "non-finite number",
        Species => "unknown species",
        Io => "file cannot be read",
        Format => "bad file content",
        State => "call out of protocol order",
        Busy => "handle in use by another thread",
        Internal => "internal error",
        _ => "unknown status",
    };
}

/// <summary>An error to report to the C caller: a status code and a message.</summary>
internal sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>The thread-local last error message (a NUL-terminated UTF-8 copy owned by the library).</summary>
internal static unsafe class LastError
{
    [ThreadStatic] private static byte* _buffer;
    [ThreadStatic] private static int _capacity;
    private static readonly byte* Empty = (byte*)NativeMemory.AllocZeroed(1);

    public static byte* Pointer => _buffer != null ? _buffer : Empty;

    public static int Set(int status, string message)
    {
        try
        {
            int need = Encoding.UTF8.GetByteCount(message) + 1;
            if (_capacity < need)
            {
                NativeMemory.Free(_buffer);
                _buffer = (byte*)NativeMemory.Alloc((nuint)need);
                _capacity = need;
            }
            int len = Encoding.UTF8.GetBytes(message, new Span<byte>(_buffer, _capacity));
            _buffer[len] = 0;
        }
        catch
        {
            // out of memory while recording the message: keep the status
        }
        return status;
    }

    /// <summary>Maps any exception to a status and records its message; never throws.</summary>
    public static int From(Exception e) => e switch
    {
        ApiException a => Set(a.Status, a.Message),
        AlHpc.Structures.SpeciesException s => Set(Status.Species, s.Message),
        FileNotFoundException f => Set(Status.Io, f.Message),
        DirectoryNotFoundException d => Set(Status.Io, d.Message),
        UnauthorizedAccessException u => Set(Status.Io, u.Message),
        InputFormatException f => Set(Status.Format, f.Message),
        IOException io => Set(Status.Io, io.Message),
        ArgumentException a => Set(Status.InvalidArgument, a.Message),
        InvalidOperationException i => Set(Status.State, i.Message),
        OutOfMemoryException => Set(Status.Internal, "out of memory"),
        _ => Set(Status.Internal, $"{e.GetType().Name}: {e.Message}"),
    };
}
