namespace AlHpc.Native;

/// <summary>
/// The table behind the opaque C handles. A handle is (serial &lt;&lt; 24) | slot: the serial is never reused,
/// so a freed, forged or stale handle is detected (never dereferenced) and reported as ALHPC_ERR_BAD_HANDLE.
/// Lookups are lock-free; creation and release take a lock.
/// </summary>
internal static class Handles
{
    private const int SlotBits = 24;
    private const long SlotMask = (1L << SlotBits) - 1;

    private sealed class Entry(long serial, object target)
    {
        public readonly long Serial = serial;
        public readonly object Target = target;
    }

    private static readonly Lock Gate = new();
    private static volatile Entry?[] _slots = new Entry?[64];
    private static readonly Stack<int> Free = new();
    private static int _used;
    private static long _serial;

    public static nint Add(object target)
    {
        lock (Gate)
        {
            int slot;
            if (Free.Count > 0) slot = Free.Pop();
            else
            {
                if (_used == _slots.Length)
                {
                    if (_slots.Length >= SlotMask) throw new ApiException(Status.Internal, "too many live handles");
                    var grown = new Entry?[_slots.Length * 2];
                    Array.Copy(_slots, grown, _slots.Length);
                    _slots = grown;
                }
                slot = _used++;
            }
            long serial = ++_serial;
            _slots[slot] = new Entry(serial, target);
            return (nint)((serial << SlotBits) | (long)slot);
        }
    }

    /// <summary>The object of a handle of type T, or an <see cref="ApiException"/> naming what is wrong.</summary>
    public static T Get<T>(nint handle, string what) where T : class
    {
        if (handle == 0) throw new ApiException(Status.NullPointer, $"{what} handle is NULL");
        long h = handle;
        int slot = (int)(h & SlotMask);
        var slots = _slots;
        var e = (uint)slot < (uint)slots.Length ? slots[slot] : null;
        if (e == null || e.Serial != h >> SlotBits || e.Target is not T t)
            throw new ApiException(Status.BadHandle, $"{what} handle 0x{h:x} is not a live {what} (freed, forged or of another kind)");
        return t;
    }

    public static void Remove<T>(nint handle, string what) where T : class
    {
        lock (Gate)
        {
            Get<T>(handle, what);
            int slot = (int)(handle & (nint)SlotMask);
            _slots[slot] = null;
            Free.Push(slot);
        }
    }
}
