using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>
/// The mean of a committee of potentials (query by committee): energies, forces and Monte Carlo energy changes are the
/// members' means (eV, eV/A). Every member must accept the same species and share the cutoff's role: the mean's cutoff
/// is the largest of the members'. A Monte Carlo move costs one move of every member.
/// </summary>
internal sealed class CommitteePotential : IPotential
{
    private readonly IPotential[] _members;

    public CommitteePotential(IReadOnlyList<IPotential> members)
    {
        if (members.Count < 1) throw new ArgumentException("a committee needs at least one member");
        _members = members.ToArray();
        Species = _members[0].Species;
        foreach (var m in _members)
            if (!m.Species.SequenceEqual(Species)) throw new ArgumentException($"committee members accept different species ({string.Join(",", m.Species)} vs {string.Join(",", Species)})");
        Cutoff = _members.Max(m => m.Cutoff);
    }

    public IReadOnlyList<IPotential> Members => _members;
    public string Name => $"committee of {_members.Length}: {_members[0].Name}";
    public double Cutoff { get; }
    public IReadOnlyList<string> Species { get; }

    public IPotentialEvaluator CreateEvaluator() => new Evaluator(this);
    public IMcEnergyBackend CreateMcBackend() => new McBackend(_members.Select(m => m.CreateMcBackend()).ToArray());

    private sealed class Evaluator(CommitteePotential c) : IPotentialEvaluator
    {
        private readonly IPotentialEvaluator[] _ev = c._members.Select(m => m.CreateEvaluator()).ToArray();
        private double[] _f = [], _a = [];

        public IReadOnlyList<string> Species => c.Species;

        public double Compute(ReadOnlySpan<double> positions, Span<double> forces, Span<double> atomEnergies)
        {
            int n3 = positions.Length;
            if (_f.Length < n3) { _f = new double[n3]; _a = new double[n3 / 3]; }
            var f = forces.IsEmpty ? Span<double>.Empty : _f.AsSpan(0, n3);
            var a = atomEnergies.IsEmpty ? Span<double>.Empty : _a.AsSpan(0, n3 / 3);
            forces.Clear();
            atomEnergies.Clear();
            double e = 0, w = 1.0 / _ev.Length;
            foreach (var ev in _ev)
            {
                e += ev.Compute(positions, f, a);
                for (int i = 0; i < f.Length; i++) forces[i] += w * f[i];
                for (int i = 0; i < a.Length; i++) atomEnergies[i] += w * a[i];
            }
            return e * w;
        }
    }

    /// <summary>K member backends in step; the mean of their energies and energy changes.</summary>
    private sealed class McBackend(IMcEnergyBackend[] members) : IMcEnergyBackend
    {
        private readonly double _w = 1.0 / members.Length;

        public int Count => members[0].Count;
        public ReadOnlySpan<double> Positions => members[0].Positions;
        public double TotalEnergy
        {
            get { double e = 0; foreach (var m in members) e += m.TotalEnergy; return e * _w; }
        }

        public double Reset(ReadOnlySpan<double> positions)
        {
            double e = 0;
            foreach (var m in members) e += m.Reset(positions);
            return e * _w;
        }

        public double ProposeMove(int index, double x, double y, double z)
        {
            double d = 0;
            foreach (var m in members) d += m.ProposeMove(index, x, y, z);
            return d * _w;
        }

        public double ProposeInsert(double x, double y, double z)
        {
            double d = 0;
            foreach (var m in members) d += m.ProposeInsert(x, y, z);
            return d * _w;
        }

        public double ProposeRemove(int index)
        {
            double d = 0;
            foreach (var m in members) d += m.ProposeRemove(index);
            return d * _w;
        }

        public void Accept() { foreach (var m in members) m.Accept(); }
        public void Reject() { foreach (var m in members) m.Reject(); }
    }
}

/// <summary>What the committee says about one structure: its mean energy (eV) and the members' spread.</summary>
internal readonly record struct CommitteeVerdict(double MeanEnergy, double EnergyStdPerMolecule, double MaxForceStd)
{
    /// <summary>Mean energy not finite, or a member failed: the structure must be labelled.</summary>
    public bool Failed => !double.IsFinite(MeanEnergy) || !double.IsFinite(EnergyStdPerMolecule) || !double.IsFinite(MaxForceStd);
}

/// <summary>Scores structures by the committee's disagreement (one instance per thread).</summary>
internal sealed class CommitteeScorer(IReadOnlyList<IPotential> members)
{
    private readonly IPotentialEvaluator[] _ev = members.Select(m => m.CreateEvaluator()).ToArray();
    private double[] _f = [];
    private readonly double[] _e = new double[members.Count];

    /// <summary>
    /// Mean energy (eV), the sample standard deviation of the members' energies per molecule (eV), and the largest
    /// per-bead force spread sqrt(sum_c var_c) (eV/A) over the beads (sample variances over the members).
    /// </summary>
    public CommitteeVerdict Score(ReadOnlySpan<double> positions)
    {
        int k = _ev.Length, n3 = positions.Length;
        if (_f.Length < k * n3) _f = new double[k * n3];
        double mean = 0;
        for (int j = 0; j < k; j++)
        {
            try { _e[j] = _ev[j].Compute(positions, _f.AsSpan(j * n3, n3), Span<double>.Empty); }
            catch (Exception ex) when (ex is not OperationCanceledException) { return new CommitteeVerdict(double.NaN, double.NaN, double.NaN); }
            mean += _e[j];
        }
        mean /= k;
        double var = 0;
        for (int j = 0; j < k; j++) var += (_e[j] - mean) * (_e[j] - mean);
        double stdE = Math.Sqrt(var / (k - 1)) / Math.Max(1, n3 / 3);
        double maxF = 0;
        for (int a = 0; a < n3 / 3; a++)
        {
            double s = 0;
            for (int c = 0; c < 3; c++)
            {
                int i = 3 * a + c;
                double m = 0;
                for (int j = 0; j < k; j++) m += _f[j * n3 + i];
                m /= k;
                for (int j = 0; j < k; j++) s += (_f[j * n3 + i] - m) * (_f[j * n3 + i] - m);
            }
            maxF = Math.Max(maxF, Math.Sqrt(s / (k - 1))); // NaN (a member failed) stays NaN
        }
        return new CommitteeVerdict(mean, stdE, maxF);
    }
}
