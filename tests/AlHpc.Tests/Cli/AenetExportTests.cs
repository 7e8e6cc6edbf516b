using System.Text;
using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Tests.Descriptors;
using AlHpc.Tests.Network;

namespace AlHpc.Tests.Cli;

/// <summary>
/// `alhpc export-aenet` checked by an independent reader and evaluator of aenet's potential file written
/// here from aenet's documented layout (Fortran unformatted records; network, setup, training-set info)
/// and its Behler2011 functions: G2 = sum_j exp(-eta (r - rs)^2) fc, G5 = sum_{j&lt;k} 2 (0.5 (1 + lambda cos))^zeta
/// exp(-eta (rij^2 + rik^2)) fc fc; inputs (G - avg)/sqrt(cov - avg^2); E_i = out/scale + shift + E_atom.
/// </summary>
[Collection("console")]
public class AenetExportTests
{
    [Theory]
    [InlineData(Activation.Twist)]
    [InlineData(Activation.MTanh)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Linear)]
    public void AenetExportGivesTheSameEnergiesInAnIndependentAenetEvaluator(Activation hidden)
    {
        // an interleaved setup (G5 before some G2) checks the input reordering aenet applies
        var f = DefaultSetups.Water26.Functions;
        var setup = new DescriptorSetup(f.Skip(20).Concat(f.Take(20)), "O");
        var model = TestModels.Random(21, hidden, setup, [7, 5]);
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "m.json");
        ModelFile.Save(path, model);
        var nn = Path.Combine(dir, "O.nn");
        var (code, _, err) = CliHarness.Run("export-aenet", path, "-o", nn);
        Assert.True(code == 0, err);
        var aenet = IndependentAenet.Load(nn);
        Assert.Equal("O", aenet.AtomType);
        var pot = new NnPotential(model).CreateEvaluator();
        foreach (var (n, seed) in new[] { (1, 1), (2, 2), (8, 3), (25, 4) })
        {
            var x = TestClusters.Random(n, seed);
            double expected = pot.Compute(x, new double[x.Length], default);
            Assert.Equal(expected, aenet.Energy(x), 1e-9 * Math.Max(1, Math.Abs(expected)));
        }
    }

    private sealed class IndependentAenet
    {
        public string AtomType = "";
        private int[] _nnodes = [];
        private int[] _fa = [];
        private double[] _w = [];
        private int[] _sf = [];
        private double[,] _par = new double[0, 0];
        private double[] _avg = [], _cov = [];
        private double _scale, _shift, _eatom;

        private sealed class Records(byte[] bytes)
        {
            private int _at;
            public BinaryReader Next()
            {
                int n = BitConverter.ToInt32(bytes, _at);
                var r = new BinaryReader(new MemoryStream(bytes, _at + 4, n));
                Assert.Equal(n, BitConverter.ToInt32(bytes, _at + 4 + n));
                _at += n + 8;
                return r;
            }
            public bool AtEnd => _at == bytes.Length;
        }

        private static int[] Ints(BinaryReader r, int n) => Enumerable.Range(0, n).Select(_ => r.ReadInt32()).ToArray();
        private static double[] Reals(BinaryReader r, int n) => Enumerable.Range(0, n).Select(_ => r.ReadDouble()).ToArray();
        private static string Str(BinaryReader r, int n) => Encoding.ASCII.GetString(r.ReadBytes(n)).TrimEnd();

        public static IndependentAenet Load(string file)
        {
            var p = new IndependentAenet();
            var rec = new Records(File.ReadAllBytes(file));
            int nl = rec.Next().ReadInt32();
            rec.Next(); // nnodes_max
            int wsize = rec.Next().ReadInt32();
            rec.Next(); // nvalues
            p._nnodes = Ints(rec.Next(), nl);
            p._fa = Ints(rec.Next(), nl - 1);
            rec.Next(); rec.Next(); // iw, iv
            p._w = Reals(rec.Next(), wsize);
            rec.Next(); // description
            p.AtomType = Str(rec.Next(), 2);
            Assert.Equal(1, rec.Next().ReadInt32());
            rec.Next(); rec.Next(); rec.Next(); // envtypes, Rc_min, Rc_max
            Assert.Equal("Behler2011", Str(rec.Next(), 100));
            int nsf = rec.Next().ReadInt32();
            int npar = rec.Next().ReadInt32();
            p._sf = Ints(rec.Next(), nsf);
            var flat = Reals(rec.Next(), npar * nsf);
            p._par = new double[nsf, npar];
            for (int i = 0; i < nsf; i++) for (int k = 0; k < npar; k++) p._par[i, k] = flat[i * npar + k];
            rec.Next(); rec.Next(); rec.Next(); rec.Next(); // sfenv, neval, min, max
            p._avg = Reals(rec.Next(), nsf);
            p._cov = Reals(rec.Next(), nsf);
            rec.Next(); // file
            Assert.Equal(1, rec.Next().ReadInt32()); // normalized
            p._scale = rec.Next().ReadDouble();
            p._shift = rec.Next().ReadDouble();
            Assert.Equal(1, rec.Next().ReadInt32());
            Assert.Equal(p.AtomType, Str(rec.Next(), 2));
            p._eatom = rec.Next().ReadDouble();
            rec.Next(); rec.Next(); rec.Next();
            Assert.True(rec.AtEnd);
            Assert.Equal(nsf, p._nnodes[0]);
            return p;
        }

        private static double Fc(double r, double rc) => r >= rc ? 0 : 0.5 * (Math.Cos(Math.PI * r / rc) + 1);

        private static double Act(int t, double x) => t switch
        {
            0 => x,
            1 => Math.Tanh(x),
            2 => 1 / (1 + Math.Exp(-x)),
            3 => 1.7159 * Math.Tanh(0.666666666666667 * x),
            4 => 1.7159 * Math.Tanh(0.666666666666667 * x) + 0.1 * x,
            _ => throw new InvalidDataException($"activation {t}"),
        };

        public double Energy(double[] x)
        {
            int n = x.Length / 3, nsf = _sf.Length;
            double e = 0;
            for (int i = 0; i < n; i++)
            {
                var g = new double[nsf];
                // aenet's memory order: radial functions first, then angular, each in file order
                var radial = Enumerable.Range(0, nsf).Where(s => _sf[s] == 2).ToList();
                var angular = Enumerable.Range(0, nsf).Where(s => _sf[s] == 5).ToList();
                Assert.Equal(nsf, radial.Count + angular.Count);
                var memory = radial.Concat(angular).ToList();
                for (int j = 0; j < n; j++)
                {
                    if (j == i) continue;
                    double rij = D(x, i, j);
                    foreach (int s in radial)
                        g[memory.IndexOf(s)] += Math.Exp(-_par[s, 2] * (rij - _par[s, 1]) * (rij - _par[s, 1])) * Fc(rij, _par[s, 0]);
                    for (int k = j + 1; k < n; k++)
                    {
                        if (k == i) continue;
                        double rik = D(x, i, k), cos = 0;
                        for (int d = 0; d < 3; d++) cos += (x[3 * j + d] - x[3 * i + d]) * (x[3 * k + d] - x[3 * i + d]);
                        cos = Math.Clamp(cos / (rij * rik), -1, 1);
                        foreach (int s in angular)
                        {
                            double rc = _par[s, 0], lambda = _par[s, 1], zeta = _par[s, 2], eta = _par[s, 3];
                            g[memory.IndexOf(s)] += 2 * Math.Pow(0.5 * (1 + lambda * cos), zeta)
                                * Math.Exp(-eta * rij * rij) * Fc(rij, rc) * Math.Exp(-eta * rik * rik) * Fc(rik, rc);
                        }
                    }
                }
                // aenet scales the m-th value in memory order with the m-th avg/cov of the file
                for (int m = 0; m < nsf; m++) g[m] = (g[m] - _avg[m]) / Math.Sqrt(_cov[m] - _avg[m] * _avg[m]);
                double[] v = g;
                int w0 = 0;
                for (int l = 1; l < _nnodes.Length; l++)
                {
                    int nin = _nnodes[l - 1], nout = _nnodes[l];
                    var y = new double[nout];
                    for (int k = 0; k < nout; k++)
                    {
                        double z = _w[w0 + k + nout * nin]; // bias column
                        for (int c = 0; c < nin; c++) z += _w[w0 + k + nout * c] * v[c];
                        y[k] = Act(_fa[l - 1], z);
                    }
                    w0 += nout * (nin + 1);
                    v = y;
                }
                e += v[0] / _scale + _shift + _eatom;
            }
            return e;
        }

        private static double D(double[] x, int i, int j)
        {
            double dx = x[3 * i] - x[3 * j], dy = x[3 * i + 1] - x[3 * j + 1], dz = x[3 * i + 2] - x[3 * j + 2];
            return Math.Sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
}
