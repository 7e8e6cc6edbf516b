namespace AlHpc.IO;

/// <summary>
/// Writes a file so that it is never left half-written: content goes to a temporary file in the
/// same folder, which replaces the target only when the writer finished without an exception.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// The temporary file next to <paramref name="full"/>: ".NAME.PID.GUID.tmp", with NAME cut to 120 characters so
    /// that a target name of up to 255 characters (the file-system limit) still has a valid temporary name.
    /// </summary>
    public static string TempPath(string full)
    {
        var name = Path.GetFileName(full);
        if (name.Length > 120) name = name[..120];
        return Path.Combine(Path.GetDirectoryName(full)!, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = TempPath(full);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (NonFiniteOutputException e)
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw e.WithFile(full);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
    }

    public static void WriteText(string path, Action<TextWriter> write) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            write(w);
            w.Flush();
        });

    /// <summary>Writes into a temporary path given to <paramref name="write"/> (for libraries that want a path), then renames.</summary>
    public static void WriteViaPath(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = TempPath(full);
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        catch (NonFiniteOutputException e)
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw e.WithFile(full);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
    }
}
