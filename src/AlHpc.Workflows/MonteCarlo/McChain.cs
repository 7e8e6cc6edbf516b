using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.MonteCarlo;

/// <summary>
/// The acceptance rule of a trial move (the strategy of <see cref="McChain.Translate"/>). A struct, so that
/// the per-move calls are inlined.
/// </summary>
internal interface IMoveRule
{
    /// <summary>Before the trial move is checked; <paramref name="energy"/> is the current total energy (eV).</summary>
    void Begin(double energy);

    /// <summary>Whether a legal move with the finite energy change <paramref name="dE"/> (eV) is accepted;
    /// <paramref name="energy"/> is the total energy before it.</summary>
    bool Accept(double energy, double dE, ref McRandom rng);

    /// <summary>After the trial move, accepted or not; <paramref name="energy"/> is the total energy now.</summary>
    void End(double energy);
}

/// <summary>Metropolis acceptance, min(1, exp(-beta dE)): a random number only for dE &gt; 0.</summary>
internal readonly struct MetropolisRule(double beta) : IMoveRule
{
    public void Begin(double energy) { }
    public bool Accept(double energy, double dE, ref McRandom rng) => dE <= 0 || rng.NextDouble() < Math.Exp(-beta * dE);
    public void End(double energy) { }
}

/// <summary>
/// What a sampler adds to the shared cycle loop (<see cref="McChain.RunCycles"/>): its acceptance rule and
/// its per-cycle bookkeeping, statistics and frame contents.
/// </summary>
internal interface ICycleRule : IMoveRule
{
    /// <summary>The frames' "sampler" value.</summary>
    string Sampler { get; }

    /// <summary>Whether the cycle's moves count towards the step-tuning window (the step is updated every
    /// TuneInterval cycles of them).</summary>
    bool Tunes(long cycle);

    /// <summary>Whether the step is updated after this cycle whatever the interval (the end of a tuning phase).</summary>
    bool EndsTuning(long cycle);

    /// <summary>The cycle's trial moves and accepted ones (before the resync).</summary>
    void CountCycle(long cycle, long attempts, long accepted);

    /// <summary>After the cycle's tuning and resync; <paramref name="energy"/> is the total energy (eV).</summary>
    void EndCycle(long cycle, double energy);

    /// <summary>Whether a frame due after this cycle is recorded.</summary>
    bool Records(long cycle);

    /// <summary>The sampler's Info keys of a frame (after "sampler" and "cycle").</summary>
    void Describe(Cluster frame, long cycle, double energy, double step);
}

/// <summary>
/// One Monte Carlo walker as every sampler runs it: the energy backend and the cluster criterion kept in
/// step, the step size, the counters of the trial moves, the lowest energy visited, and the periodic full
/// recompute. <see cref="Translate"/> is the single-bead trial move of all samplers (Metropolis, nested,
/// the translations of AVBMC) with the acceptance rule as a strategy; <see cref="RunCycles"/> is the cycle
/// loop of the fixed-size samplers. The bead count may change between trial moves (insertions and removals
/// go through <see cref="Backend"/> and <see cref="Criterion"/>): each trial and each cycle reads the
/// current count. Allocation-free per trial move.
/// </summary>
internal sealed class McChain
{
    private readonly bool _trackLowest;
    private double[] _scratch = [];

    /// <param name="trackLowest">Keep the lowest energy visited and its positions (<see cref="LowestEnergy"/>).</param>
    public McChain(IMcEnergyBackend backend, double criterionDistance, double minPairDistance, double step, bool trackLowest)
    {
        Backend = backend;
        Criterion = new ClusterCriterion(criterionDistance, minPairDistance);
        Step = step;
        _trackLowest = trackLowest;
    }

    public IMcEnergyBackend Backend { get; }
    public ClusterCriterion Criterion { get; }

    /// <summary>Maximum displacement s (A) per coordinate of a trial move.</summary>
    public double Step { get; set; }

    public long Attempts { get; private set; }
    public long Accepted { get; private set; }
    public long CriterionRejections { get; private set; }
    public long OverlapRejections { get; private set; }
    public long NonFiniteRejections { get; private set; }
    public double MaxResyncDrift { get; private set; }
    public long FramesWritten { get; private set; }
    public double LowestEnergy { get; private set; }
    public double[] LowestPositions { get; private set; } = [];

    /// <summary>
    /// Resets the criterion and the backend to <paramref name="start"/>. Null when the walk can start (then
    /// <paramref name="energy"/> is its energy, eV); otherwise why not (<paramref name="energy"/> NaN or the non-finite value).
    /// </summary>
    public (McStatus Status, string Message)? Start(ReadOnlySpan<double> start, out double energy)
    {
        energy = double.NaN;
        var check = Criterion.Reset(start);
        if (check != CriterionResult.Ok)
            return (McStatus.InvalidStart, check == CriterionResult.Overlap
                ? $"start structure has beads closer than {Criterion.MinDistance} A"
                : $"start structure is not one cluster (criterion {Criterion.Distance} A)");
        energy = Backend.Reset(start);
        if (!double.IsFinite(energy))
            return (McStatus.NonFiniteStartEnergy, $"the backend gives a non-finite energy ({energy}) for the start structure");
        if (_trackLowest)
        {
            LowestEnergy = energy;
            LowestPositions = start.ToArray();
        }
        return null;
    }

    /// <summary>
    /// One trial single-bead move (<see cref="McShared.Displace"/>): rejected without an energy when it would
    /// split the cluster or overlap two beads, or when the backend's dE is not finite; otherwise accepted as
    /// <paramref name="rule"/> says (backend and criterion committed). Returns whether it was accepted.
    /// </summary>
    public bool Translate<TRule>(ref McRandom rng, ref TRule rule) where TRule : struct, IMoveRule
    {
        var backend = Backend;
        int k = McShared.Displace(ref rng, backend.Positions, backend.Count, Step, out double x, out double y, out double z);
        Attempts++;
        double e = backend.TotalEnergy;
        rule.Begin(e);
        bool accepted = false;
        var c = Criterion.CheckMove(k, x, y, z);
        if (c != CriterionResult.Ok)
        {
            if (c == CriterionResult.Overlap) OverlapRejections++; else CriterionRejections++;
        }
        else
        {
            double dE = backend.ProposeMove(k, x, y, z);
            if (!double.IsFinite(dE)) { backend.Reject(); NonFiniteRejections++; }
            else if (rule.Accept(e, dE, ref rng))
            {
                backend.Accept();
                Criterion.CommitMove(k, x, y, z);
                Accepted++;
                accepted = true;
                if (_trackLowest && backend.TotalEnergy < LowestEnergy) KeepLowest(backend.TotalEnergy, backend.Positions);
            }
            else backend.Reject();
        }
        rule.End(backend.TotalEnergy);
        return accepted;
    }

    /// <summary>
    /// Full recompute of the backend from its own positions (stops round-off drift of the incremental energy);
    /// returns the recomputed energy (eV) and, in <paramref name="drift"/>, |recomputed - incremental|. A lower
    /// energy than any seen is kept as the lowest.
    /// </summary>
    public double Resync(out double drift)
    {
        int len = 3 * Backend.Count;
        if (_scratch.Length < len) _scratch = new double[Math.Max(len, 2 * _scratch.Length)];
        var positions = _scratch.AsSpan(0, len);
        Backend.Positions.CopyTo(positions);
        double incremental = Backend.TotalEnergy;
        double full = Backend.Reset(positions);
        drift = Math.Abs(full - incremental);
        if (_trackLowest && full < LowestEnergy) KeepLowest(full, positions);
        return full;
    }

    private void KeepLowest(double energy, ReadOnlySpan<double> positions)
    {
        LowestEnergy = energy;
        if (LowestPositions.Length != positions.Length) LowestPositions = new double[positions.Length]; // only when the count changed
        positions.CopyTo(LowestPositions);
    }

    /// <summary>
    /// The cycle loop of the samplers: <paramref name="cycles"/> cycles, each of N trial moves for the N beads
    /// at its start, then (as <paramref name="rule"/> says) the step update, every ResyncEvery cycles a full
    /// recompute (a non-finite one stops the run: <see cref="McStatus.NonFiniteEnergy"/>), the rule's
    /// statistics, every TrajectoryEvery cycles a frame, and the progress callback. Cancellation is checked
    /// before every cycle. Returns how the run ended and the cycles completed.
    /// </summary>
    public (McStatus Status, string? Message, long CyclesRun) RunCycles<TRule>(ref McRandom rng, ref TRule rule, McSettings s, long cycles,
        Action<Cluster>? onFrame, Action<long, long>? progress, CancellationToken cancellation) where TRule : struct, ICycleRule
    {
        double stepMax = s.MaxStepLimit ?? s.CriterionDistance;
        long windowAttempts = 0, windowAccepted = 0;
        long cycle;
        for (cycle = 1; cycle <= cycles; cycle++)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Backend.Count;
            long accepted = 0;
            for (int m = 0; m < n; m++)
                if (Translate(ref rng, ref rule)) accepted++;
            rule.CountCycle(cycle, n, accepted);
            if (rule.Tunes(cycle))
            {
                windowAttempts += n; windowAccepted += accepted;
                if (cycle % s.TuneInterval == 0 || rule.EndsTuning(cycle))
                {
                    Step = McShared.Tune(Step, windowAccepted, windowAttempts, s.TargetAcceptance, s.MinStep, stepMax);
                    windowAttempts = windowAccepted = 0;
                }
            }
            if (s.ResyncEvery > 0 && cycle % s.ResyncEvery == 0)
            {
                double full = Resync(out double drift);
                if (!double.IsFinite(full)) return (McStatus.NonFiniteEnergy, $"full recompute at cycle {cycle} gave a non-finite energy ({full})", cycle - 1);
                MaxResyncDrift = Math.Max(MaxResyncDrift, drift);
            }
            double e = Backend.TotalEnergy;
            rule.EndCycle(cycle, e);
            if (onFrame != null && s.TrajectoryEvery > 0 && cycle % s.TrajectoryEvery == 0 && rule.Records(cycle))
            {
                var frame = McShared.Frame(Backend.Positions, e, rule.Sampler, cycle);
                rule.Describe(frame, cycle, e, Step);
                onFrame(frame);
                FramesWritten++;
            }
            progress?.Invoke(cycle, cycles);
        }
        return (McStatus.Completed, null, cycles);
    }

    /// <summary>The common fields of a finished run's result (<paramref name="result"/> holds the sampler's own).</summary>
    public T Finish<T>(T result, (McStatus Status, string? Message, long CyclesRun) end) where T : McResult => (T)((McResult)result with
    {
        Status = end.Status, Message = end.Message, CyclesRun = end.CyclesRun,
        Attempts = Attempts, Accepted = Accepted,
        CriterionRejections = CriterionRejections, OverlapRejections = OverlapRejections, NonFiniteRejections = NonFiniteRejections,
        MaxResyncDrift = MaxResyncDrift, FramesWritten = FramesWritten, FinalMaxStep = Step,
        FinalEnergy = Backend.TotalEnergy, FinalPositions = Backend.Positions.ToArray(),
        LowestEnergy = LowestEnergy, LowestEnergyPositions = LowestPositions,
    });

    /// <summary>The common fields of a run that could not start (see <see cref="Start"/>).</summary>
    public static T NotStarted<T>(T result, (McStatus Status, string Message) why, ReadOnlySpan<double> start, double energy, double step) where T : McResult => (T)((McResult)result with
    {
        Status = why.Status, Message = why.Message,
        FinalPositions = start.ToArray(), FinalEnergy = energy, LowestEnergy = double.NaN, FinalMaxStep = step,
    });
}
