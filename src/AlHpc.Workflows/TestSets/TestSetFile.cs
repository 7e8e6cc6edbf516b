using System.Globalization;
using AlHpc.IO;
using AlHpc.Structures;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace AlHpc.TestSets;

/// <summary>
/// The native test-set format: one HDF5 file (written with PureHDF, readable by h5py/ASE users) holding
/// many labelled clusters in the ragged <see cref="ClusterBatch"/> layout. Contiguous datasets (no
/// compression: deflate is single-threaded and gains nothing on float64 coordinates).
/// <list type="bullet">
/// <item><c>positions</c> float64 [natoms, 3], Angstrom</item>
/// <item><c>energies</c> float64 [n], eV (total energy per cluster; NaN = unknown)</item>
/// <item><c>offsets</c> int64 [n + 1], cluster c owns rows offsets[c] .. offsets[c+1]-1</item>
/// <item><c>sizes</c> int32 [n], molecules per cluster (redundant with offsets, for convenience)</item>
/// <item><c>forces</c> float64 [natoms, 3], eV/Angstrom (optional)</item>
/// </list>
/// Root attributes: format = "alhpc-testset", format_version, units, species (the one element of every atom: format
/// version 1 holds single-species sets; a multi-species batch is refused, write it as extxyz), counts and the
/// <see cref="TestSetMetadata"/> fields. See docs/testsets.md.
/// </summary>
public static class TestSetFile
{
    public const string FormatName = "alhpc-testset";
    public const int CurrentVersion = 1;

    /// <summary>True when the path names the native format (.h5, .hdf5, .hdf).</summary>
    public static bool IsNativePath(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".h5" or ".hdf5" or ".hdf";
    }

    /// <summary>Root attribute: SHA-256 (hex) of the positions, energies and forces (float64 little-endian, in that order), checked when the whole set is read.</summary>
    public const string ChecksumAttribute = "sha256";

    /// <summary>The content checksum (<see cref="ChecksumAttribute"/>).</summary>
    public static string Checksum(ReadOnlySpan<double> positions, ReadOnlySpan<double> energies, ReadOnlySpan<double> forces)
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(positions));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(energies));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(forces));
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    /// <summary>Dataset names of the format itself (extra per-cluster columns must use others).</summary>
    public static IReadOnlySet<string> ReservedNames { get; } = new HashSet<string> { "positions", "energies", "offsets", "sizes", "forces" };

    /// <summary>
    /// Writes the batch atomically (temporary file in the same folder, then rename). Optional
    /// <paramref name="clusterColumns"/>: extra per-cluster float64 datasets [n] (e.g. "temperature_K"),
    /// read back with <see cref="TestSetReader.ReadColumn"/>.
    /// </summary>
    public static void Write(string path, ClusterBatch batch, TestSetMetadata? metadata = null, IReadOnlyDictionary<string, double[]>? clusterColumns = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.ClusterCount == 0) throw new ArgumentException("a test set needs at least one cluster", nameof(batch));
        if (batch.AtomCount == 0) throw new ArgumentException("a test set needs at least one atom", nameof(batch));
        metadata ??= new TestSetMetadata();
        int n = batch.ClusterCount;
        ulong natoms = (ulong)batch.AtomCount;
        var offsets = new long[n + 1];
        var sizes = new int[n];
        for (int c = 0; c <= n; c++) offsets[c] = batch.Offsets[c];
        for (int c = 0; c < n; c++) sizes[c] = batch.SizeOf(c);
        // Never NaN/Inf, never an empty cluster (FiniteOutput is the one check of every writer).
        for (int c = 0; c < n; c++) if (sizes[c] < 1) throw new ArgumentException($"cluster {c} of the test set is empty", nameof(batch));
        // NaN is the format's "unknown" (a structure without a reference energy or forces); never an infinity.
        FiniteOutput.CheckAll(batch.Positions, "test-set positions");
        FiniteOutput.CheckAllOptional(batch.Energies, "test-set energies");
        if (batch.Forces is { } ff) FiniteOutput.CheckAllOptional(ff, "test-set forces");
        string species = batch.SingleElement()
            ?? throw new SpeciesException($"the HDF5 test-set format holds one species; this set has several ({string.Join(", ", batch.Elements)}): write it as .extxyz");

        var file = new H5File();
        var attrs = file.Attributes;
        attrs["format"] = FormatName;
        attrs["format_version"] = (long)CurrentVersion;
        attrs["species"] = species;
        attrs["units_positions"] = "Angstrom";
        attrs["units_energies"] = "eV";
        attrs["units_forces"] = "eV/Angstrom";
        attrs["n_clusters"] = (long)n;
        attrs["n_atoms"] = (long)natoms;
        attrs["description"] = metadata.Description;
        attrs["recipe"] = metadata.Recipe;
        attrs["reference"] = metadata.Reference;
        attrs["program"] = metadata.Program;
        attrs["created"] = metadata.Created;
        if (metadata.Seed is long seed) attrs["seed"] = seed;
        attrs[ChecksumAttribute] = Checksum(batch.Positions, batch.Energies, batch.Forces);

        file["positions"] = new H5Dataset(batch.Positions, fileDims: [natoms, 3UL]);
        file["energies"] = new H5Dataset(batch.Energies, fileDims: [(ulong)n]);
        file["offsets"] = new H5Dataset(offsets, fileDims: [(ulong)(n + 1)]);
        file["sizes"] = new H5Dataset(sizes, fileDims: [(ulong)n]);
        if (batch.Forces is { } f) file["forces"] = new H5Dataset(f, fileDims: [natoms, 3UL]);
        if (clusterColumns != null)
            foreach (var (name, values) in clusterColumns)
            {
                if (ReservedNames.Contains(name) || string.IsNullOrWhiteSpace(name) || name.Contains('/'))
                    throw new ArgumentException($"'{name}' cannot name an extra column", nameof(clusterColumns));
                if (values.Length != n) throw new ArgumentException($"column '{name}' has {values.Length} values for {n} clusters", nameof(clusterColumns));
                file[name] = new H5Dataset(values, fileDims: [(ulong)n]);
            }

        AtomicFile.WriteViaPath(path, tmp => file.Write(tmp));
    }

    /// <summary>Reads the whole set into one batch (positions, energies, forces when present).</summary>
    public static ClusterBatch Read(string path) => Read(path, out _);

    /// <summary>Reads the whole set into one batch and returns its metadata.</summary>
    public static ClusterBatch Read(string path, out TestSetMetadata metadata)
    {
        using var r = TestSetReader.Open(path);
        metadata = r.Metadata;
        return r.ReadAll();
    }
}

/// <summary>
/// An open test-set file: validated header and offsets in memory, clusters read on demand by
/// hyperslab (for sets larger than memory) or all at once. Not thread safe.
/// </summary>
internal sealed class TestSetReader : IDisposable
{
    private readonly NativeFile _file;
    private readonly string _path;
    private readonly long[] _offsets;
    private readonly NativeDataset _positions;
    private readonly NativeDataset _energies;
    private readonly NativeDataset? _forces;
    private string? _checksum;

    private TestSetReader(string path, NativeFile file, long[] offsets, NativeDataset positions, NativeDataset energies, NativeDataset? forces, TestSetMetadata metadata, string species)
    {
        _path = path; _file = file; _offsets = offsets; _positions = positions; _energies = energies; _forces = forces; Metadata = metadata; Species = species;
    }

    /// <summary>The element of every atom (root attribute "species"; "O" when absent).</summary>
    public string Species { get; }

    public TestSetMetadata Metadata { get; }
    public int ClusterCount => _offsets.Length - 1;
    public long AtomCount => _offsets[^1];
    public bool HasForces => _forces != null;
    public string Path => _path;

    /// <summary>Number of molecules of cluster c.</summary>
    public int SizeOf(int c) => (int)(_offsets[c + 1] - _offsets[c]);

    /// <summary>Opens and validates a test set; any problem is an <see cref="InputFormatException"/> naming the file.</summary>
    public static TestSetReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"test set not found: {path}", path);
        CheckSuperblock(path);
        NativeFile? file = null;
        try
        {
            file = H5File.Open(new NoReadPastEndStream(path), leaveOpen: false);
            var reader = Validate(path, file);
            file = null; // owned by reader now
            return reader;
        }
        catch (InputFormatException) { throw; }
        catch (OutOfMemoryException e)
        {
            // Only the header, the attributes and the offsets are read here: a size beyond memory is a corrupt header
            // (found by fuzzing: a damaged attribute declared an array beyond .NET's limit).
            throw new InputFormatException(path, 0, $"corrupt HDF5 header: it declares an object too large to read ({e.Message})", e);
        }
        catch (Exception e)
        {
            throw new InputFormatException(path, 0, $"not a readable HDF5 test set ({e.GetType().Name}: {e.Message})", e);
        }
        finally
        {
            file?.Dispose();
        }
    }

    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a];

    /// <summary>
    /// The HDF5 superblock at offset 0 stores the end-of-file address; a shorter file was truncated (the
    /// check the HDF5 C library makes). Not an HDF5 file at all: a clear error before PureHDF sees it.
    /// </summary>
    private static void CheckSuperblock(string path)
    {
        Span<byte> h = stackalloc byte[48];
        long length;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            length = fs.Length;
            int got = fs.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
            h = h[..got];
        }
        if (h.Length < 8 || !h[..8].SequenceEqual(Hdf5Signature))
            throw new InputFormatException(path, 0, "not an HDF5 file (no HDF5 signature at the start)");
        if (h.Length < 9) throw new InputFormatException(path, 0, $"file truncated: {length} bytes, not even a whole HDF5 superblock");
        int version = h[8];
        // Offset of the end-of-file address and of the size-of-offsets byte, by superblock version.
        (int eofAt, int sizeOfOffsetsAt) = version switch { 0 => (40, 13), 1 => (44, 13), 2 or 3 => (28, 9), _ => (-1, -1) };
        if (eofAt < 0) return; // unknown superblock version: let PureHDF decide
        if (h.Length < eofAt + 8) throw new InputFormatException(path, 0, $"file truncated: {length} bytes, not even a whole HDF5 superblock");
        if (h[sizeOfOffsetsAt] != 8) return; // unusual address size: skip the check
        ulong eof = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(h.Slice(eofAt, 8));
        if (eof != ulong.MaxValue && eof > (ulong)length)
            throw new InputFormatException(path, 0, $"file truncated: the HDF5 superblock says {eof} bytes, the file has {length}");
    }

    private static TestSetReader Validate(string path, NativeFile file)
    {
        InputFormatException Bad(string what) => new(path, 0, what);

        if (!file.AttributeExists("format")) throw Bad($"missing root attribute 'format' (expected \"{TestSetFile.FormatName}\"): not an AlHpc test set");
        var format = file.Attribute("format").Read<string>();
        if (format != TestSetFile.FormatName) throw Bad($"root attribute format = \"{format}\", expected \"{TestSetFile.FormatName}\"");
        int version = file.AttributeExists("format_version") ? (int)ReadLong(file, "format_version") : 0;
        if (version < 1 || version > TestSetFile.CurrentVersion)
            throw Bad($"format_version {version} is not supported (this build reads 1..{TestSetFile.CurrentVersion})");

        NativeDataset Need(string name)
        {
            if (!file.LinkExists(name)) throw Bad($"missing dataset '{name}'");
            return file.Dataset(name) as NativeDataset ?? throw Bad($"'{name}' is not a dataset");
        }

        var offsetsDs = Need("offsets");
        var positions = Need("positions");
        var energies = Need("energies");
        NativeDataset? forces = file.LinkExists("forces") ? Need("forces") : null;

        var od = offsetsDs.Space.Dimensions;
        if (od.Length != 1 || od[0] < 2) throw Bad($"dataset 'offsets' must be 1-D with at least 2 entries (has shape [{string.Join(", ", od)}])");
        long[] offsets = offsetsDs.Read<long[]>();
        int n = offsets.Length - 1;
        if (offsets[0] != 0) throw Bad($"offsets[0] = {offsets[0]}, must be 0");
        for (int c = 1; c <= n; c++)
        {
            if (offsets[c] < offsets[c - 1]) throw Bad($"offsets decrease at cluster {c - 1} ({offsets[c - 1]} -> {offsets[c]})");
            if (offsets[c] == offsets[c - 1]) throw Bad($"cluster {c - 1} is empty (offsets[{c - 1}] = offsets[{c}] = {offsets[c]})");
        }
        long natoms = offsets[n];
        if (natoms > int.MaxValue / 3) throw Bad($"{natoms} atoms: more than one batch can hold; read it in chunks");

        void CheckRows(NativeDataset ds, string name)
        {
            var d = ds.Space.Dimensions;
            if (d.Length != 2 || d[1] != 3 || (long)d[0] != natoms)
                throw Bad($"dataset '{name}' has shape [{string.Join(", ", d)}], expected [{natoms}, 3] (offsets[-1] = {natoms})");
        }
        CheckRows(positions, "positions");
        if (forces != null) CheckRows(forces, "forces");
        if (file.LinkExists("sizes"))
        {
            var sizesDs = file.Dataset("sizes") as NativeDataset ?? throw Bad("'sizes' is not a dataset");
            var sd = sizesDs.Space.Dimensions;
            if (sd.Length != 1 || (long)sd[0] != n) throw Bad($"dataset 'sizes' has shape [{string.Join(", ", sd)}], expected [{n}]");
            CheckExtent(path, new FileInfo(path).Length, sizesDs, "sizes");
            long[] sizes = sizesDs.Type.Size == 4 ? Array.ConvertAll(sizesDs.Read<int[]>(), x => (long)x) : sizesDs.Read<long[]>();
            for (int c = 0; c < n; c++)
                if (sizes[c] != offsets[c + 1] - offsets[c])
                    throw Bad($"sizes[{c}] = {sizes[c]} but the offsets give cluster {c} {offsets[c + 1] - offsets[c]} atoms");
        }
        string? checksum = file.AttributeExists(TestSetFile.ChecksumAttribute) ? file.Attribute(TestSetFile.ChecksumAttribute).Read<string>() : null;
        var ed = energies.Space.Dimensions;
        if (ed.Length != 1 || (long)ed[0] != n) throw Bad($"dataset 'energies' has shape [{string.Join(", ", ed)}], expected [{n}]");

        // PureHDF reads past the end of a truncated file without complaint (zeros): check that every
        // dataset's bytes lie inside the file.
        long fileLength = new FileInfo(path).Length;
        CheckExtent(path, fileLength, positions, "positions");
        CheckExtent(path, fileLength, energies, "energies");
        CheckExtent(path, fileLength, offsetsDs, "offsets");
        if (forces != null) CheckExtent(path, fileLength, forces, "forces");

        var meta = new TestSetMetadata
        {
            FormatVersion = version,
            Description = ReadString(file, "description"),
            Recipe = ReadString(file, "recipe"),
            Reference = ReadString(file, "reference"),
            Program = ReadString(file, "program"),
            Created = ReadString(file, "created"),
            Seed = file.AttributeExists("seed") ? ReadLong(file, "seed") : null,
        };
        string species = ReadString(file, "species") is { Length: > 0 } sp ? sp : "O";
        return new TestSetReader(path, file, offsets, positions, energies, forces, meta, species) { _checksum = checksum };
    }

    private static readonly System.Reflection.PropertyInfo? LayoutProperty =
        typeof(NativeDataset).GetProperty("InternalDataLayout", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public);

    /// <summary>
    /// Throws when a contiguous dataset extends past the end of the file. PureHDF does not expose the data
    /// address publicly: it is read from the layout message by reflection; when that is not possible (another
    /// PureHDF version), the weaker check "file at least as long as the raw data" is used instead.
    /// </summary>
    private static void CheckExtent(string path, long fileLength, NativeDataset ds, string name)
    {
        ulong elements = 1;
        foreach (var d in ds.Space.Dimensions) elements *= d;
        ulong bytes = elements * (ulong)ds.Type.Size;
        ulong end = bytes;
        try
        {
            var layout = LayoutProperty?.GetValue(ds);
            var props = layout?.GetType().GetProperty("Properties")?.GetValue(layout);
            if (props != null && props.GetType().Name.Contains("Contiguous", StringComparison.Ordinal))
            {
                var address = props.GetType().GetProperty("Address")?.GetValue(props);
                var size = props.GetType().GetProperty("Size")?.GetValue(props);
                if (address is ulong a && size is ulong sz && a != ulong.MaxValue) end = a + sz;
            }
            else if (props != null) end = 0; // compact (inside the header, already parsed) or chunked (read-time errors)
        }
        catch (Exception) { /* keep the weaker check */ }
        if (end > (ulong)fileLength)
            throw new InputFormatException(path, 0, $"file truncated: dataset '{name}' needs {end} bytes, the file has {fileLength}");
    }

    private static string ReadString(NativeFile f, string name) => f.AttributeExists(name) ? f.Attribute(name).Read<string>() ?? "" : "";

    private static long ReadLong(NativeFile f, string name)
    {
        var a = f.Attribute(name);
        try { return a.Read<long>(); }
        catch (Exception) { return a.Read<int>(); }
    }

    /// <summary>Names of the extra per-cluster columns in the file (datasets of shape [n] other than the format's own).</summary>
    public IReadOnlyList<string> ColumnNames()
    {
        var names = new List<string>();
        foreach (var child in _file.Children())
        {
            if (TestSetFile.ReservedNames.Contains(child.Name) || child is not NativeDataset ds) continue;
            var d = ds.Space.Dimensions;
            if (d.Length == 1 && (long)d[0] == ClusterCount) names.Add(child.Name);
        }
        return names;
    }

    /// <summary>An extra per-cluster column as float64 [n], or null when the file has none of that name.</summary>
    public double[]? ReadColumn(string name)
    {
        if (!_file.LinkExists(name)) return null;
        try
        {
            var ds = (NativeDataset)_file.Dataset(name);
            var d = ds.Space.Dimensions;
            if (d.Length != 1 || (long)d[0] != ClusterCount) throw new InputFormatException(_path, 0, $"column '{name}' has shape [{string.Join(", ", d)}], expected [{ClusterCount}]");
            return ds.Read<double[]>();
        }
        catch (Exception ex) when (ex is not InputFormatException and not OutOfMemoryException)
        {
            throw new InputFormatException(_path, 0, $"cannot read column '{name}' ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    /// <summary>Reads every cluster.</summary>
    public ClusterBatch ReadAll() => ReadRange(0, ClusterCount);

    /// <summary>Reads clusters [first, first + count) into a new batch (offsets rebased to 0).</summary>
    public ClusterBatch ReadRange(int first, int count)
    {
        if (first < 0 || count < 0 || first + count > ClusterCount) throw new ArgumentOutOfRangeException(nameof(count), $"clusters [{first}, {first + count}) outside [0, {ClusterCount})");
        long a0 = _offsets[first], a1 = _offsets[first + count];
        int natoms = checked((int)(a1 - a0));
        var offsets = new int[count + 1];
        for (int c = 0; c <= count; c++) offsets[c] = (int)(_offsets[first + c] - a0);
        var pos = new double[3 * natoms];
        var e = new double[count];
        double[]? f = _forces != null ? new double[3 * natoms] : null;
        try
        {
            if (count > 0)
            {
                _energies.Read<double>(e.AsSpan(), fileSelection: new HyperslabSelection((ulong)first, (ulong)count));
                if (natoms > 0)
                {
                    var rows = new HyperslabSelection(2, [(ulong)a0, 0UL], [(ulong)natoms, 3UL]);
                    _positions.Read<double>(pos.AsSpan(), fileSelection: rows);
                    _forces?.Read<double>(f!.AsSpan(), fileSelection: rows);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InputFormatException(_path, 0, $"cannot read clusters {first}..{first + count - 1} (file truncated or corrupt? {ex.GetType().Name}: {ex.Message})", ex);
        }
        // Every number finite, no coincident atoms: bad data is an input error here, not NaN metrics later.
        for (int c = 0; c < count; c++)
        {
            if (double.IsInfinity(e[c])) throw new InputFormatException(_path, 0, $"cluster {first + c}: infinite energy {e[c]} (NaN marks an unknown energy; an infinity is never valid)");
            var p = pos.AsSpan(3 * offsets[c], 3 * (offsets[c + 1] - offsets[c]));
            foreach (var v in p) if (!double.IsFinite(v)) throw new InputFormatException(_path, 0, $"cluster {first + c}: non-finite coordinate {v}");
            if (f != null)
                foreach (var v in f.AsSpan(3 * offsets[c], 3 * (offsets[c + 1] - offsets[c])))
                    if (double.IsInfinity(v)) throw new InputFormatException(_path, 0, $"cluster {first + c}: infinite force component {v}");
            if (CoincidentAtoms.Describe(p) is { } why) throw new InputFormatException(_path, 0, $"cluster {first + c}: {why}");
        }
        if (_checksum != null && first == 0 && count == ClusterCount)
        {
            var actual = TestSetFile.Checksum(pos, e, f);
            if (!string.Equals(actual, _checksum, StringComparison.OrdinalIgnoreCase))
                throw new InputFormatException(_path, 0, $"checksum mismatch: the file's {TestSetFile.ChecksumAttribute} attribute is {_checksum}, its data hash to {actual} (corrupt or edited file)");
        }
        return new ClusterBatch(pos, offsets, e, f, [Species]);
    }

    /// <summary>Streams the set in chunks of at most <paramref name="clustersPerChunk"/> clusters, in order.</summary>
    public IEnumerable<(int First, ClusterBatch Batch)> ReadChunks(int clustersPerChunk)
    {
        if (clustersPerChunk < 1) throw new ArgumentOutOfRangeException(nameof(clustersPerChunk));
        for (int first = 0; first < ClusterCount; first += clustersPerChunk)
            yield return (first, ReadRange(first, Math.Min(clustersPerChunk, ClusterCount - first)));
    }

    public void Dispose() => _file.Dispose();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_path}: {ClusterCount} clusters, {AtomCount} atoms{(HasForces ? ", forces" : "")}");
}

/// <summary>
/// A read-only file stream that throws when a read runs past the end of the file. PureHDF reads a damaged
/// object header past the end without complaint (zeros) and then loops over its declared size for a very long
/// time (found by fuzzing): with this stream the damaged file is an error at once.
/// </summary>
internal sealed class NoReadPastEndStream(string path) : Stream
{
    private readonly FileStream _fs = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _fs.Length;
    public override long Position { get => _fs.Position; set => _fs.Position = value; }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => _fs.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length > 0 && _fs.Position + buffer.Length > _fs.Length)
            throw new EndOfStreamException($"a read of {buffer.Length} bytes at offset {_fs.Position} runs past the end of the file ({_fs.Length} bytes): damaged HDF5 structure");
        _fs.ReadExactly(buffer);
        return buffer.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fs.Dispose();
        base.Dispose(disposing);
    }
}
