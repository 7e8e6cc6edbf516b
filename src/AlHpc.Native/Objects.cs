using System.Collections.Concurrent;
using AlHpc.Potentials;

namespace AlHpc.Native;

/// <summary>Guards a handle against use from two threads at once (reported as ALHPC_ERR_BUSY, never a data race).</summary>
internal abstract class Exclusive
{
    private int _busy;

    public void Enter(string what)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new ApiException(Status.Busy, $"{what} is being used by another thread (use one per thread)");
    }

    public void Exit() => Volatile.Write(ref _busy, 0);
}

/// <summary>A loaded potential (shareable between threads).</summary>
internal sealed class PotentialObject(IPotential potential)
{
    public IPotential Potential { get; } = potential;

    /// <summary>The species the potential accepts (element symbols; index = the C API's type index).</summary>
    public IReadOnlyList<string> Species => Potential.Species;

    private readonly ConcurrentDictionary<int, BatchEvaluator> _batch = new();

    public BatchEvaluator Batch(int threads) => _batch.GetOrAdd(threads <= 0 ? -1 : threads, t => new BatchEvaluator(Potential, t));
}

internal sealed class EvaluatorObject(PotentialObject owner) : Exclusive
{
    public PotentialObject Owner { get; } = owner;
    public IPotentialEvaluator Evaluator { get; } = owner.Potential.CreateEvaluator();
}

internal sealed class McObject(PotentialObject owner) : Exclusive
{
    public PotentialObject Owner { get; } = owner;
    public IMcEnergyBackend Backend { get; } = owner.Potential.CreateMcBackend();
    public bool Loaded;
    public bool Pending;
}
