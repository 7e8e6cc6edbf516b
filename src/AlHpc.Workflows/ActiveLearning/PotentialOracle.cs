using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.ActiveLearning;

/// <summary>
/// An oracle backed by an <see cref="IPotential"/> (the built-in ML-BOP by default, see
/// <see cref="DefaultComponents.CreateReferencePotential"/>). The structures of one call are labelled
/// in parallel, one evaluator per worker thread; results do not depend on the thread count.
/// </summary>
internal sealed class PotentialOracle : IOracle
{
    private readonly IPotential _potential;
    private readonly bool _parallel;
    private long _calls;

    public PotentialOracle(IPotential potential, bool parallel = true)
    {
        _potential = potential;
        _parallel = parallel;
    }

    public string Name => _potential.Name;
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Sets the call counter (when a run resumes from a checkpoint).</summary>
    public void RestoreCalls(long calls) => Interlocked.Exchange(ref _calls, calls);

    public IReadOnlyList<OracleLabel> Label(IReadOnlyList<Cluster> structures, bool forces, CancellationToken cancel)
    {
        var labels = new OracleLabel[structures.Count];
        var options = new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = _parallel ? -1 : 1 };
        Parallel.For(0, structures.Count, options, () => _potential.CreateEvaluator(), (i, _, ev) =>
        {
            var s = structures[i];
            var f = forces ? new double[s.Positions.Length] : null;
            double e = ev.Compute(s.Positions, f, Span<double>.Empty);
            if (!double.IsFinite(e)) throw new OracleException($"{Name}: non-finite energy for structure {i} ({s.Count} molecules)");
            labels[i] = new OracleLabel(e, f);
            return ev;
        }, _ => { });
        Interlocked.Add(ref _calls, structures.Count);
        return labels;
    }
}
