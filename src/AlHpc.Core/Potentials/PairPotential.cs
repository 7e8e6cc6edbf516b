namespace AlHpc.Potentials;

/// <summary>
/// A simple pair potential E = sum_{i&lt;j} V(r_ij), V(r) = 0 for r &gt;= <see cref="Cutoff"/> (eV, A).
/// A plain, obviously correct model for tests and examples (Monte Carlo, minimizers, IO): the evaluator
/// is O(N^2) and the Monte Carlo backend recomputes the moved bead's pairs (O(N) per proposal).
/// Factories: <see cref="Morse"/> and <see cref="LennardJones"/> (both shifted so V(cutoff) = 0), or any
/// V(r) and dV/dr given as delegates.
/// </summary>
public sealed class PairPotential : IPotential
{
    private readonly Func<double, double> _v;
    private readonly Func<double, double> _dv;

    /// <param name="name">Display name.</param>
    /// <param name="energy">V(r) in eV for 0 &lt; r &lt; cutoff (A).</param>
    /// <param name="derivative">dV/dr in eV/A.</param>
    /// <param name="cutoff">Cutoff (A).</param>
    /// <param name="element">The one species (element symbol) the potential accepts.</param>
    public PairPotential(string name, Func<double, double> energy, Func<double, double> derivative, double cutoff, string element = "O")
    {
        Species = [element];
        if (!(cutoff > 0) || !double.IsFinite(cutoff)) throw new ArgumentOutOfRangeException(nameof(cutoff));
        Name = name;
        _v = energy;
        _dv = derivative;
        Cutoff = cutoff;
    }

    public string Name { get; }

    public double Cutoff { get; }

    /// <summary>The one species.</summary>
    public IReadOnlyList<string> Species { get; }

    /// <summary>V(r) (eV), 0 at and beyond the cutoff.</summary>
    public double PairEnergy(double r) => r < Cutoff ? _v(r) : 0.0;

    /// <summary>dV/dr (eV/A), 0 at and beyond the cutoff.</summary>
    public double PairDerivative(double r) => r < Cutoff ? _dv(r) : 0.0;

    /// <summary>Morse V(r) = D [(1 - exp(-a (r - r0)))^2 - 1], shifted to 0 at the cutoff. D eV, a 1/A, r0 and cutoff A.</summary>
    public static PairPotential Morse(double depth, double alpha, double r0, double cutoff)
    {
        double Raw(double r) { double e = 1 - Math.Exp(-alpha * (r - r0)); return depth * (e * e - 1); }
        double shift = Raw(cutoff);
        return new PairPotential($"Morse(D={depth}, a={alpha}, r0={r0}, rc={cutoff})",
            r => Raw(r) - shift,
            r => { double x = Math.Exp(-alpha * (r - r0)); return 2 * depth * alpha * (1 - x) * x; },
            cutoff);
    }

    /// <summary>Lennard-Jones V(r) = 4 eps [(s/r)^12 - (s/r)^6], shifted to 0 at the cutoff. eps eV, sigma and cutoff A.</summary>
    public static PairPotential LennardJones(double epsilon, double sigma, double cutoff)
    {
        double Raw(double r) { double s6 = Math.Pow(sigma / r, 6); return 4 * epsilon * (s6 * s6 - s6); }
        double shift = Raw(cutoff);
        return new PairPotential($"LJ(eps={epsilon}, sigma={sigma}, rc={cutoff})",
            r => Raw(r) - shift,
            r => { double s6 = Math.Pow(sigma / r, 6); return 4 * epsilon * (-12 * s6 * s6 + 6 * s6) / r; },
            cutoff);
    }

    public IPotentialEvaluator CreateEvaluator() => new Evaluator(this);

    public IMcEnergyBackend CreateMcBackend() => new Backend(this);

    private double PairAt(ReadOnlySpan<double> p, int i, double x, double y, double z)
    {
        double dx = p[3 * i] - x, dy = p[3 * i + 1] - y, dz = p[3 * i + 2] - z;
        double r2 = dx * dx + dy * dy + dz * dz;
        return r2 < Cutoff * Cutoff ? _v(Math.Sqrt(r2)) : 0.0;
    }

    private sealed class Evaluator(PairPotential pot) : IPotentialEvaluator
    {
        public IReadOnlyList<string> Species => pot.Species;

        public double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies)
        {
            int n = positions.Length / 3;
            if (!forces.IsEmpty) forces[..(3 * n)].Clear();
            if (!atomEnergies.IsEmpty) atomEnergies[..n].Clear();
            double rc2 = pot.Cutoff * pot.Cutoff, total = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double dx = positions[3 * j] - positions[3 * i], dy = positions[3 * j + 1] - positions[3 * i + 1], dz = positions[3 * j + 2] - positions[3 * i + 2];
                    double r2 = dx * dx + dy * dy + dz * dz;
                    if (r2 >= rc2) continue;
                    double r = Math.Sqrt(r2), v = pot._v(r);
                    total += v;
                    if (!atomEnergies.IsEmpty) { atomEnergies[i] += 0.5 * v; atomEnergies[j] += 0.5 * v; }
                    if (!forces.IsEmpty)
                    {
                        double g = pot._dv(r) / r; // dV/dr * (r_j - r_i)/r is dE/dr_j
                        forces[3 * j] -= g * dx; forces[3 * j + 1] -= g * dy; forces[3 * j + 2] -= g * dz;
                        forces[3 * i] += g * dx; forces[3 * i + 1] += g * dy; forces[3 * i + 2] += g * dz;
                    }
                }
            return total;
        }
    }

    private sealed class Backend(PairPotential pot) : IMcEnergyBackend
    {
        private enum Pending { None, Move, Insert, Remove }
        private double[] _pos = new double[48];
        private int _n;
        private Pending _pending;
        private int _index;
        private double _x, _y, _z, _dE;

        public int Count => _n;
        public ReadOnlySpan<double> Positions => _pos.AsSpan(0, 3 * _n);
        public double TotalEnergy { get; private set; }

        public double Reset(ReadOnlySpan<double> positions)
        {
            if (positions.Length % 3 != 0) throw new ArgumentException("positions length must be a multiple of 3", nameof(positions));
            if (_pos.Length < positions.Length) _pos = new double[Math.Max(positions.Length, 2 * _pos.Length)];
            positions.CopyTo(_pos);
            _n = positions.Length / 3;
            _pending = Pending.None;
            double e = 0;
            var p = Positions;
            for (int i = 0; i < _n; i++)
                for (int j = i + 1; j < _n; j++) e += pot.PairAt(p, j, p[3 * i], p[3 * i + 1], p[3 * i + 2]);
            TotalEnergy = e;
            return e;
        }

        private double BeadEnergy(int k, double x, double y, double z)
        {
            double e = 0;
            var p = Positions;
            for (int j = 0; j < _n; j++) if (j != k) e += pot.PairAt(p, j, x, y, z);
            return e;
        }

        public double ProposeMove(int index, double x, double y, double z)
        {
            if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
            _pending = Pending.Move; _index = index; _x = x; _y = y; _z = z;
            _dE = BeadEnergy(index, x, y, z) - BeadEnergy(index, _pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2]);
            return _dE;
        }

        public double ProposeInsert(double x, double y, double z)
        {
            _pending = Pending.Insert; _x = x; _y = y; _z = z;
            _dE = BeadEnergy(-1, x, y, z);
            return _dE;
        }

        public double ProposeRemove(int index)
        {
            if ((uint)index >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(index));
            _pending = Pending.Remove; _index = index;
            _dE = -BeadEnergy(index, _pos[3 * index], _pos[3 * index + 1], _pos[3 * index + 2]);
            return _dE;
        }

        public void Accept()
        {
            switch (_pending)
            {
                case Pending.Move:
                    _pos[3 * _index] = _x; _pos[3 * _index + 1] = _y; _pos[3 * _index + 2] = _z;
                    break;
                case Pending.Insert:
                    if (_pos.Length < 3 * (_n + 1)) Array.Resize(ref _pos, 2 * _pos.Length + 3);
                    _pos[3 * _n] = _x; _pos[3 * _n + 1] = _y; _pos[3 * _n + 2] = _z;
                    _n++;
                    break;
                case Pending.Remove:
                    int last = _n - 1;
                    _pos[3 * _index] = _pos[3 * last]; _pos[3 * _index + 1] = _pos[3 * last + 1]; _pos[3 * _index + 2] = _pos[3 * last + 2];
                    _n--;
                    break;
                default:
                    throw new InvalidOperationException("Accept without a pending proposal");
            }
            TotalEnergy += _dE;
            _pending = Pending.None;
        }

        public void Reject()
        {
            if (_pending == Pending.None) throw new InvalidOperationException("Reject without a pending proposal");
            _pending = Pending.None;
        }
    }
}
