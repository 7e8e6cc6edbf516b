using System.Globalization;
using System.Text.Json;
using AlHpc.Descriptors;
using AlHpc.IO;

namespace AlHpc.Network;

/// <summary>
/// The AlHpc network-model file: one UTF-8 JSON document (format "alhpc-nn-model", integer version) with
/// the descriptor setup, the scaling, the architecture, the weights and provenance. Numbers are written
/// in the shortest form that parses back to the same double, so save/load round-trips bit for bit;
/// non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity". Writes are atomic.
/// A file from a newer format version is refused; malformed files raise <see cref="InputFormatException"/>
/// (file, line for JSON syntax errors, and the JSON path of the problem). Full description: docs/model-file.md.
/// </summary>
public static class ModelFile
{
    public const string FormatName = "alhpc-nn-model";

    /// <summary>The version this program writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Recommended provenance keys (free-form strings; others are kept too).</summary>
    public static class Keys
    {
        public const string TrainingSetHash = "trainingSetHash";
        public const string Created = "created";
        public const string ProgramVersion = "programVersion";
    }

    public static string ProgramVersion => ProgramInfo.Version;

    public static void Save(string path, NnModel model) =>
        AtomicFile.Write(path, s => Write(s, model));

    public static void Write(Stream stream, NnModel model)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        w.WriteNumber("version", CurrentVersion);
        w.WriteString("writtenBy", $"alhpc {ProgramVersion}");
        w.WriteString("units", "energies eV, lengths Angstrom, eta Angstrom^-2");
        w.WriteString("element", model.Setup.Element);

        w.WriteStartObject("descriptors");
        w.WriteString("type", "Behler2011");
        w.WriteString("cutoffFunction", "cosine: fc(r) = 0.5 (cos(pi r / Rc) + 1) for r < Rc");
        if (model.Setup.Description != null) w.WriteString("description", model.Setup.Description);
        w.WriteStartArray("functions");
        foreach (var f in model.Setup.Functions)
        {
            w.WriteStartObject();
            w.WriteNumber("G", (int)f.Kind);
            Num(w, "eta", f.Eta);
            if (f.Kind == SymmetryFunctionKind.G2) Num(w, "Rs", f.Rs);
            else { Num(w, "lambda", f.Lambda); Num(w, "zeta", f.Zeta); }
            Num(w, "Rc", f.Rc);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("scaling");
        w.WriteString("descriptors", "z-score: G_scaled = (G - mean) / std");
        w.WriteString("energy", "E_atom = energyShift + output / energyScale (eV)");
        Arr(w, "descriptorMean", model.DescriptorMean.AsSpan());
        Arr(w, "descriptorStd", model.DescriptorStd.AsSpan());
        if (model.DescriptorMin is { } min) Arr(w, "descriptorMin", min.AsSpan());
        if (model.DescriptorMax is { } max) Arr(w, "descriptorMax", max.AsSpan());
        Num(w, "energyScale", model.EnergyScale);
        Num(w, "energyShift", model.EnergyShift);
        Num(w, "isolatedAtomEnergy", model.IsolatedAtomEnergy);
        w.WriteBoolean("anchorIsolatedAtom", model.AnchorIsolatedAtom);
        w.WriteEndObject();

        var net = model.Network;
        w.WriteStartObject("network");
        w.WriteStartArray("layers");
        foreach (var n in net.LayerSizes) w.WriteNumberValue(n);
        w.WriteEndArray();
        w.WriteStartArray("activations");
        foreach (var a in net.Activations) w.WriteStringValue(a.ToAenetName());
        w.WriteEndArray();
        w.WriteString("weightLayout", "aenet: per layer l = 1.. W_l(n_l, n_{l-1} + 1) row-major, bias in the last column, layers in order");
        Arr(w, "weights", net.WeightValues);
        w.WriteEndObject();

        w.WriteStartObject("provenance");
        foreach (var kv in model.Provenance) w.WriteString(kv.Key, kv.Value);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Loads a model file (see class remarks for the errors).</summary>
    public static NnModel Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFormatException(path, 0, $"cannot read: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    public static NnModel Parse(ReadOnlySpan<byte> utf8, string fileName = "<model>")
    {
        JsonDocument doc;
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..]; // a UTF-8 byte-order mark
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InputFormatException(fileName, (int)(e.LineNumber ?? -1) + 1, $"not valid JSON: {e.Message}", e);
        }
        catch (ArgumentException e) // invalid UTF-8
        {
            throw new InputFormatException(fileName, 0, $"not UTF-8 JSON: {e.Message}", e);
        }
        using (doc)
        {
            var r = new Reader(fileName);
            try { return r.Model(doc.RootElement); }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
            {
                throw new InputFormatException(fileName, 0, $"not a valid model: {e.Message}", e);
            }
        }
    }

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        w.WritePropertyName(name);
        Value(w, v);
    }

    private static void Value(Utf8JsonWriter w, double v)
    {
        w.WriteNumberValue(FiniteOutput.Check(v, "a model number"));
    }

    private static void Arr(Utf8JsonWriter w, string name, ReadOnlySpan<double> a)
    {
        w.WriteStartArray(name);
        foreach (var v in a) Value(w, v);
        w.WriteEndArray();
    }

    /// <summary>Largest magnitude of any number of a model file (weights, scaling, energies).</summary>
    public const double MaxMagnitude = 1e8;
    /// <summary>Smallest descriptor standard deviation and |energy scale| (they divide).</summary>
    public const double MinScale = 1e-10;

    private sealed class Reader(string file)
    {
        private InputFormatException Bad(string path, string problem) => new(file, 0, $"{path}: {problem}");

        public NnModel Model(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object) throw Bad("$", "expected a JSON object");
            string format = Str(root, "format", "$");
            if (format != FormatName) throw Bad("$.format", $"'{format}' is not an AlHpc model ('{FormatName}')");
            var vEl = Get(root, "version", "$");
            if (vEl.ValueKind != JsonValueKind.Number || !vEl.TryGetInt32(out int version) || version < 1)
                throw Bad("$.version", "expected a positive integer");
            if (version > CurrentVersion)
                throw Bad("$.version", $"model format version {version} is newer than this program reads (up to {CurrentVersion}); use a newer alhpc");
            string element = root.TryGetProperty("element", out var el) && el.ValueKind == JsonValueKind.String ? el.GetString()! : "O";

            var de = Obj(root, "descriptors", "$");
            string type = Str(de, "type", "$.descriptors");
            if (!type.Equals("Behler2011", StringComparison.OrdinalIgnoreCase)) throw Bad("$.descriptors.type", $"'{type}' is not supported (Behler2011)");
            var fa = Get(de, "functions", "$.descriptors");
            if (fa.ValueKind != JsonValueKind.Array || fa.GetArrayLength() == 0) throw Bad("$.descriptors.functions", "expected a non-empty array");
            var funcs = new List<SymmetryFunction>();
            int k = 0;
            foreach (var f in fa.EnumerateArray())
            {
                string p = $"$.descriptors.functions[{k++}]";
                if (f.ValueKind != JsonValueKind.Object) throw Bad(p, "expected an object");
                var g = Get(f, "G", p);
                int gi = g.ValueKind == JsonValueKind.Number && g.TryGetInt32(out int gv) ? gv : -1;
                if (gi == 2) funcs.Add(SymmetryFunction.G2(D(f, "eta", p), D(f, "Rs", p), D(f, "Rc", p)));
                else if (gi == 5) funcs.Add(SymmetryFunction.G5(D(f, "eta", p), D(f, "lambda", p), D(f, "zeta", p), D(f, "Rc", p)));
                else throw Bad(p + ".G", "expected 2 or 5");
            }
            DescriptorSetup setup;
            try
            {
                string? desc = de.TryGetProperty("description", out var dd) && dd.ValueKind == JsonValueKind.String ? dd.GetString() : null;
                setup = new DescriptorSetup(funcs, element) { Description = desc };
            }
            catch (ArgumentException e) { throw Bad("$.descriptors.functions", e.Message); }

            var ne = Obj(root, "network", "$");
            var layersEl = Get(ne, "layers", "$.network");
            if (layersEl.ValueKind != JsonValueKind.Array) throw Bad("$.network.layers", "expected an array of integers");
            var layers = new List<int>();
            foreach (var x in layersEl.EnumerateArray())
            {
                if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out int li) || li < 1) throw Bad("$.network.layers", "layer sizes must be positive integers");
                layers.Add(li);
            }
            var actEl = Get(ne, "activations", "$.network");
            if (actEl.ValueKind != JsonValueKind.Array) throw Bad("$.network.activations", "expected an array of names");
            var acts = new List<Activation>();
            foreach (var x in actEl.EnumerateArray())
            {
                string name = x.ValueKind == JsonValueKind.String ? x.GetString()! : "";
                if (!ActivationFunctions.TryParse(name, out var a)) throw Bad("$.network.activations", $"unknown activation '{name}' (linear, tanh, sigmoid, mtanh, twist)");
                acts.Add(a);
            }
            if (layers.Count < 2)
                throw Bad("$.network.layers", $"expected at least an input and an output layer, got {layers.Count} layer(s)");
            if (layers[0] != setup.Count)
                throw Bad("$.network.layers", $"the input layer must have {setup.Count} nodes (one per descriptor), got {layers[0]}");
            if (acts.Count != layers.Count - 1) throw Bad("$.network.activations", $"expected {layers.Count - 1} activations (one per non-input layer), got {acts.Count}");
            if (layers[^1] != 1) throw Bad("$.network.layers", "the output layer must have one node");
            var weights = Doubles(ne, "weights", "$.network");
            NeuralNetwork net;
            try { net = new NeuralNetwork(layers.ToArray(), acts.ToArray(), weights); }
            catch (ArgumentException e) { throw Bad("$.network.weights", e.Message); }

            var sc = Obj(root, "scaling", "$");
            var mean = Doubles(sc, "descriptorMean", "$.scaling");
            var std = Doubles(sc, "descriptorStd", "$.scaling");
            if (mean.Length != setup.Count) throw Bad("$.scaling.descriptorMean", $"expected {setup.Count} values, got {mean.Length}");
            if (std.Length != setup.Count) throw Bad("$.scaling.descriptorStd", $"expected {setup.Count} values, got {std.Length}");
            for (int i = 0; i < std.Length; i++)
                if (!(std[i] >= MinScale)) throw Bad($"$.scaling.descriptorStd[{i}]", $"must be a number >= {MinScale:G3}, got {std[i]}");
            var model = new NnModel(setup, net, mean, std)
            {
                EnergyScale = D(sc, "energyScale", "$.scaling"),
                EnergyShift = D(sc, "energyShift", "$.scaling"),
                IsolatedAtomEnergy = D(sc, "isolatedAtomEnergy", "$.scaling"),
                AnchorIsolatedAtom = Get(sc, "anchorIsolatedAtom", "$.scaling").ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Bad("$.scaling.anchorIsolatedAtom", "expected true or false"),
                },
            };
            if (!(Math.Abs(model.EnergyScale) >= MinScale)) throw Bad("$.scaling.energyScale", $"must be a finite number with |energyScale| >= {MinScale:G3}");
            if (sc.TryGetProperty("descriptorMin", out _))
            {
                var min = Doubles(sc, "descriptorMin", "$.scaling");
                if (min.Length != setup.Count) throw Bad("$.scaling.descriptorMin", $"expected {setup.Count} values");
                model = model with { DescriptorMin = [.. min] };
            }
            if (sc.TryGetProperty("descriptorMax", out _))
            {
                var max = Doubles(sc, "descriptorMax", "$.scaling");
                if (max.Length != setup.Count) throw Bad("$.scaling.descriptorMax", $"expected {setup.Count} values");
                model = model with { DescriptorMax = [.. max] };
            }
            if (root.TryGetProperty("provenance", out var pv))
            {
                if (pv.ValueKind != JsonValueKind.Object) throw Bad("$.provenance", "expected an object of strings");
                var provenance = new Dictionary<string, string>();
                foreach (var kv in pv.EnumerateObject())
                {
                    if (kv.Value.ValueKind != JsonValueKind.String) throw Bad($"$.provenance.{kv.Name}", "expected a string");
                    provenance[kv.Name] = kv.Value.GetString()!;
                }
                model = model with { Provenance = provenance };
            }
            return model;
        }

        private JsonElement Get(JsonElement o, string name, string path)
        {
            if (!o.TryGetProperty(name, out var v)) throw Bad(path, $"missing '{name}'");
            return v;
        }

        private JsonElement Obj(JsonElement o, string name, string path)
        {
            var v = Get(o, name, path);
            if (v.ValueKind != JsonValueKind.Object) throw Bad($"{path}.{name}", "expected an object");
            return v;
        }

        private string Str(JsonElement o, string name, string path)
        {
            var v = Get(o, name, path);
            if (v.ValueKind != JsonValueKind.String) throw Bad($"{path}.{name}", "expected a string");
            return v.GetString()!;
        }

        private double D(JsonElement o, string name, string path) => Num(Get(o, name, path), $"{path}.{name}");

        private double Num(JsonElement v, string path)
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d))
            {
                if (Math.Abs(d) > MaxMagnitude) throw Bad(path, $"{d} is beyond {MaxMagnitude:G3}: no trained network has such numbers, and they overflow the energy");
                return d;
            }
            if (v.ValueKind == JsonValueKind.String && v.GetString() is "NaN" or "Infinity" or "-Infinity")
                throw Bad(path, $"non-finite value {v.GetRawText()}: a model holds finite numbers only");
            throw Bad(path, $"expected a finite number, got {ExtXyz.Shorten(v.GetRawText())}");
        }

        private double[] Doubles(JsonElement o, string name, string path)
        {
            var v = Get(o, name, path);
            if (v.ValueKind != JsonValueKind.Array) throw Bad($"{path}.{name}", "expected an array of numbers");
            var a = new double[v.GetArrayLength()];
            int i = 0;
            foreach (var x in v.EnumerateArray()) { a[i] = Num(x, $"{path}.{name}[{i}]"); i++; }
            return a;
        }
    }

    internal static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
