using System.Text;
using AlHpc.Descriptors;
using AlHpc.IO;

namespace AlHpc.Network;

/// <summary>
/// Writes a model as an aenet potential file (the binary "X.nn" that aenet's predict.x, its Python/ASE
/// interface and its LAMMPS pair style load), written from aenet's documented file layout, not its code.
/// <para>
/// The file is three Fortran unformatted sequential parts (each record: 4-byte length, data, 4-byte length;
/// integers and logicals 4 bytes, reals 8 bytes, strings blank-padded to their declared length):
/// the network (nlayers, nnodes_max, Wsize, nvalues, nnodes(:), f_a(2:), iw(:), iv(:), W(:)),
/// the descriptor setup (description*1024, atomtype*2, nenv, envtypes*2, Rc_min, Rc_max, sftype*100,
/// nsf, nsfparam = 4, sf(:), sfparam(4,:), sfenv(2,:), neval, sfval_min/max/avg/cov(:)), and the
/// training-set info (file*1024, normalized, scale, shift, nTypes, typeName*2, E_atom, nAtomsTot, nStrucs,
/// E_min E_max E_av).
/// </para>
/// Mapping (exact): activations keep aenet's codes (0 linear, 1 tanh, 2 sigmoid, 3 mtanh, 4 twist);
/// weights W_l(n_l, n_{l-1} + 1) column-major, bias last; aenet scales inputs by (G - avg)/sqrt(cov - avg^2),
/// so avg = DescriptorMean and cov = DescriptorStd^2 + DescriptorMean^2 give AlHpc's z-score; aenet's atomic
/// energy E_i = out/scale + shift + E_atom with scale = EnergyScale, shift = EnergyShift, E_atom = 0.
/// aenet evaluates radial functions before angular ones whatever the file order, so the functions are written
/// G2s first (each kind in setup order) and the first layer's weights are permuted to match.
/// </summary>
public static class AenetExport
{
    private const int PathLen = 1024, TypeLen = 2, DescrLen = 1024, SfTypeLen = 100, NsfParam = 4;

    /// <summary>aenet's name for a potential file of an element: "O.nn".</summary>
    public static string DefaultFileName(NnModel model) => $"{model.Setup.Element}.nn";

    public static void Export(NnModel model, string path) => AtomicFile.Write(path, s => Write(model, s));

    public static void Write(NnModel model, Stream stream)
    {
        var setup = model.Setup;
        var net = model.Network;
        if (setup.Element.Length > TypeLen) throw new NotSupportedException($"aenet stores element symbols in {TypeLen} characters; '{setup.Element}' is longer");
        // aenet's input order: radial (G2) functions, then angular (G5), each in setup order
        int nsf = setup.Count;
        var order = Enumerable.Range(0, nsf).OrderBy(i => setup.Functions[i].Kind == SymmetryFunctionKind.G2 ? 0 : 1).ThenBy(i => i).ToArray();

        using var w = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
        // ---- network
        int nl = net.LayerCount;
        var nnodes = net.LayerSizes;
        var iw = new int[nl];
        var iv = new int[nl];
        int wsize = 0, nvalues = 0;
        for (int l = 0; l < nl - 1; l++)
        {
            wsize += (nnodes[l] + 1) * nnodes[l + 1];
            iw[l + 1] = wsize;
            nvalues += nnodes[l] + 1;
            iv[l + 1] = nvalues;
        }
        nvalues += nnodes[nl - 1];
        Record(w, b => b.Write(nl));
        Record(w, b => b.Write(nnodes.Max()));
        Record(w, b => b.Write(wsize));
        Record(w, b => b.Write(nvalues));
        Record(w, b => { foreach (var n in nnodes) b.Write(n); });
        Record(w, b => { foreach (var a in net.Activations) b.Write((int)a); });
        Record(w, b => { foreach (var i in iw) b.Write(i); });
        Record(w, b => { foreach (var i in iv) b.Write(i); });
        Record(w, b =>
        {
            for (int l = 1; l < nl; l++)
            {
                int nin = nnodes[l - 1], nout = nnodes[l], off = net.WeightOffset(l);
                for (int j = 0; j <= nin; j++)          // column-major (nout, nin + 1): column j, then row k
                    for (int k = 0; k < nout; k++)
                    {
                        int src = j == nin ? nin : l == 1 ? order[j] : j;
                        b.Write(net.WeightValues[off + k * (nin + 1) + src]);
                    }
            }
        });
        // ---- descriptor setup
        string description = setup.Description ?? "AlHpc descriptor setup";
        Record(w, b => Text(b, $"{description.Replace('\n', ' ')} (exported by {ProgramInfo.NameAndVersion})", DescrLen));
        Record(w, b => Text(b, setup.Element, TypeLen));
        Record(w, b => b.Write(1));
        Record(w, b => Text(b, setup.Element, TypeLen));
        Record(w, b => b.Write(0.75));
        Record(w, b => b.Write(setup.Cutoff));
        Record(w, b => Text(b, "Behler2011", SfTypeLen));
        Record(w, b => b.Write(nsf));
        Record(w, b => b.Write(NsfParam));
        Record(w, b => { foreach (int i in order) b.Write(setup.Functions[i].Kind == SymmetryFunctionKind.G2 ? 2 : 5); });
        Record(w, b =>
        {
            foreach (int i in order)
            {
                var f = setup.Functions[i];
                if (f.Kind == SymmetryFunctionKind.G2) { b.Write(f.Rc); b.Write(f.Rs); b.Write(f.Eta); b.Write(0.0); }
                else { b.Write(f.Rc); b.Write(f.Lambda); b.Write(f.Zeta); b.Write(f.Eta); }
            }
        });
        Record(w, b => { foreach (int i in order) { b.Write(1); b.Write(setup.Functions[i].Kind == SymmetryFunctionKind.G2 ? 0 : 1); } });
        Record(w, b => b.Write(0));
        double Mean(int i) => model.DescriptorMean[i];
        double Std(int i) => model.DescriptorStd[i];
        Record(w, b => { foreach (int i in order) b.Write(model.DescriptorMin?[i] ?? Mean(i) - 5 * Std(i)); });
        Record(w, b => { foreach (int i in order) b.Write(model.DescriptorMax?[i] ?? Mean(i) + 5 * Std(i)); });
        Record(w, b => { foreach (int i in order) b.Write(Mean(i)); });
        Record(w, b => { foreach (int i in order) b.Write(Std(i) * Std(i) + Mean(i) * Mean(i)); });
        // ---- training-set info
        string data = model.Provenance.TryGetValue("trainingData", out var d) ? d : "alhpc";
        Record(w, b => Text(b, data, PathLen));
        Record(w, b => b.Write(1));                  // normalized = .true. (gfortran logical)
        Record(w, b => b.Write(model.EnergyScale));
        Record(w, b => b.Write(model.EnergyShift));
        Record(w, b => b.Write(1));
        Record(w, b => Text(b, setup.Element, TypeLen));
        Record(w, b => b.Write(0.0));                // E_atom: AlHpc's energies are absolute
        Record(w, b => b.Write(0));
        Record(w, b => b.Write(0));
        Record(w, b => { b.Write(-1.0); b.Write(1.0); b.Write(0.0); });
    }

    private static void Record(BinaryWriter w, Action<BinaryWriter> body)
    {
        using var ms = new MemoryStream();
        using (var b = new BinaryWriter(ms, Encoding.ASCII, leaveOpen: true)) body(b);
        int n = checked((int)ms.Length);
        w.Write(n);
        w.Write(ms.GetBuffer(), 0, n);
        w.Write(n);
    }

    private static void Text(BinaryWriter b, string s, int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, (byte)' ');
        var ascii = Encoding.ASCII.GetBytes(s);
        Array.Copy(ascii, bytes, Math.Min(ascii.Length, length));
        b.Write(bytes);
    }
}
