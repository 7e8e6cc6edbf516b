using AlHpc.Potentials;

namespace AlHpc.ActiveLearning;

/// <summary>Counts of trial moves the guard rejected (thread safe).</summary>
internal sealed class GuardStats
{
    private long _nonFinite, _belowFloor;

    /// <summary>Moves whose energy change was NaN or infinite.</summary>
    public long NonFinite => Interlocked.Read(ref _nonFinite);

    /// <summary>Moves to an energy per molecule below the floor (a runaway minimum of the network).</summary>
    public long BelowFloor => Interlocked.Read(ref _belowFloor);

    internal void AddNonFinite() => Interlocked.Increment(ref _nonFinite);
    internal void AddBelowFloor() => Interlocked.Increment(ref _belowFloor);
}

/// <summary>
/// Wraps the potential a Monte Carlo sampler uses so that a young, poorly trained network cannot crash
/// or derail it: a trial move whose energy change is not finite, or which lowers the energy per molecule below
/// <see cref="FloorPerMolecule"/> (eV) gets dE = +infinity, which every acceptance rule (Metropolis, nested
/// ceiling) rejects. Each such rejection is counted in <see cref="Stats"/>. Direct evaluations pass through
/// unchanged. Overlaps (two molecules closer than the hard core) never reach the potential: the samplers reject
/// them first (<see cref="MonteCarlo.ClusterCriterion"/>, counted in their OverlapRejections). Species pass through:
/// the inner potential's <see cref="IPotential.Species"/>, and its backend's types (typed reset and insertion, bead types).
/// </summary>
internal sealed class GuardedPotential : IPotential
{
    public GuardedPotential(IPotential inner, double floorPerMolecule)
    {
        Inner = inner;
        FloorPerMolecule = floorPerMolecule;
    }

    public IPotential Inner { get; }
    public double FloorPerMolecule { get; }
    public GuardStats Stats { get; } = new();

    public string Name => Inner.Name;
    public double Cutoff => Inner.Cutoff;
    public IReadOnlyList<string> Species => Inner.Species;
    public IPotentialEvaluator CreateEvaluator() => Inner.CreateEvaluator();
    public IMcEnergyBackend CreateMcBackend() => new Backend(Inner.CreateMcBackend(), this);

    private sealed class Backend(IMcEnergyBackend inner, GuardedPotential owner) : IMcEnergyBackend
    {
        private bool _innerPending;

        public int Count => inner.Count;
        public ReadOnlySpan<double> Positions => inner.Positions;
        public double TotalEnergy => inner.TotalEnergy;
        public int SpeciesCount => inner.SpeciesCount;
        public int TypeOf(int index) => inner.TypeOf(index);

        public double Reset(ReadOnlySpan<double> positions)
        {
            _innerPending = false;
            return inner.Reset(positions);
        }

        public double Reset(ReadOnlySpan<int> types, ReadOnlySpan<double> positions)
        {
            _innerPending = false;
            return inner.Reset(types, positions);
        }

        public double ProposeMove(int index, double x, double y, double z)
        {
            double de = inner.ProposeMove(index, x, y, z);
            _innerPending = true;
            return Check(de, inner.Count);
        }

        public double ProposeInsert(double x, double y, double z) => ProposeInsert(0, x, y, z);

        public double ProposeInsert(int type, double x, double y, double z)
        {
            double de = inner.ProposeInsert(type, x, y, z);
            _innerPending = true;
            return Check(de, inner.Count + 1);
        }

        public double ProposeRemove(int index)
        {
            double de = inner.ProposeRemove(index);
            _innerPending = true;
            return Check(de, inner.Count - 1);
        }

        public void Accept()
        {
            if (!_innerPending) throw new InvalidOperationException("Accept of a move the guard rejected (dE was +infinity)");
            _innerPending = false;
            inner.Accept();
        }

        public void Reject()
        {
            if (_innerPending) inner.Reject();
            _innerPending = false;
        }

        private double Check(double de, int countAfter)
        {
            if (!double.IsFinite(de)) { owner.Stats.AddNonFinite(); return double.PositiveInfinity; }
            if (countAfter > 0 && de < 0 && (inner.TotalEnergy + de) / countAfter < owner.FloorPerMolecule)
            {
                owner.Stats.AddBelowFloor();
                return double.PositiveInfinity;
            }
            return de;
        }
    }
}
