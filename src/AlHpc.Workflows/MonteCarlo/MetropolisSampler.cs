using System.Globalization;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.MonteCarlo;

/// <summary>
/// Settings of <see cref="MetropolisSampler"/> (units: K, A). Defaults follow the seed paper's sampling
/// step (5000 cycles at 300 K) and the Stillinger criterion of 4.0 A; see docs/montecarlo.md.
/// </summary>
public sealed record MetropolisSettings : McSettings
{
    /// <summary>Temperature (K).</summary>
    public double TemperatureK { get; init; } = 300;
    /// <summary>Total cycles, equilibration included. A cycle is N trial single-bead moves for N beads.</summary>
    public int Cycles { get; init; } = 5000;
    /// <summary>The first cycles of <see cref="Cycles"/> in which the step is tuned (towards
    /// <see cref="McSettings.TargetAcceptance"/>); null: Cycles / 10. Production (the rest) uses the frozen
    /// step, so detailed balance holds there.</summary>
    public int? EquilibrationCycles { get; init; }
    /// <summary>Also emit frames during equilibration (default: production only).</summary>
    public bool RecordEquilibration { get; init; }

    internal int Equilibration => Math.Min(Cycles, EquilibrationCycles ?? Cycles / 10);

    internal void Validate()
    {
        if (!(TemperatureK > 0) || !double.IsFinite(TemperatureK)) throw new ArgumentOutOfRangeException(nameof(TemperatureK), "temperature must be a positive number of K");
        ValidateCommon(Cycles);
        if (EquilibrationCycles is < 0) throw new ArgumentOutOfRangeException(nameof(EquilibrationCycles));
    }
}

/// <summary>Result of a Metropolis run (eV, A). Ratios of the whole run are in <see cref="McResult.AcceptanceRatio"/>.</summary>
public sealed record MetropolisResult : McResult
{
    /// <summary>Cycles that tuned the step.</summary>
    public int EquilibrationCycles { get; init; }
    /// <summary>Accepted / attempted during production (the frozen step).</summary>
    public double ProductionAcceptanceRatio { get; init; }
    /// <summary>Accepted / attempted during equilibration.</summary>
    public double EquilibrationAcceptanceRatio { get; init; }
    /// <summary>Mean total energy (eV) over production cycles (sampled once per cycle).</summary>
    public double EnergyMean { get; init; }
    /// <summary>Standard deviation of the total energy (eV) over production cycles.</summary>
    public double EnergyStd { get; init; }
    /// <summary>Lowest total energy (eV) at the end of a production cycle.</summary>
    public double EnergyMin { get; init; }
    /// <summary>Highest total energy (eV) at the end of a production cycle.</summary>
    public double EnergyMax { get; init; }
}

/// <summary>
/// Canonical (NVT) Metropolis Monte Carlo of one cluster with single-bead translations and the
/// Stillinger criterion. A cycle is N trial moves; each picks a bead uniformly at random and displaces it
/// by a uniform vector of the cube [-s, s]^3. Moves that split the cluster or overlap two beads are
/// rejected before any energy is computed; a move with a non-finite energy change is rejected and counted.
/// Otherwise it is accepted with probability min(1, exp(-dE / kT)). The step s is tuned towards the target
/// acceptance during the equilibration cycles only, then frozen. Reproducible bit for bit from the seed.
/// Allocation-free per move; frames allocate one <see cref="Cluster"/> each.
/// </summary>
public sealed class MetropolisSampler
{
    private readonly MetropolisSettings _s;

    public MetropolisSampler(MetropolisSettings settings)
    {
        settings.Validate();
        _s = settings;
    }

    public MetropolisSettings Settings => _s;

    /// <summary>
    /// Runs the chain from <paramref name="start"/> (flat positions, A) on <paramref name="backend"/> (which
    /// is reset to the start). Frames (positions, energy, Info: sampler, cycle, temperature_K, acceptance,
    /// max_step, phase) go to <paramref name="onFrame"/> every TrajectoryEvery cycles; <paramref name="progress"/>
    /// gets (cycles done, cycles total) after every cycle. Problems with the start or with energies are
    /// reported in <see cref="McResult.Status"/>, never thrown; invalid settings throw at construction.
    /// </summary>
    public MetropolisResult Run(IMcEnergyBackend backend, ReadOnlySpan<double> start, Action<Cluster>? onFrame = null,
        Action<long, long>? progress = null, CancellationToken cancellation = default)
    {
        var s = _s;
        int n = start.Length / 3;
        if (start.Length % 3 != 0 || n == 0) throw new ArgumentException("start must hold at least one bead (flat x,y,z)", nameof(start));
        var criterion = new ClusterCriterion(s.CriterionDistance, s.MinPairDistance);
        if (McShared.Start(criterion, backend, start, out double energy) is { } bad)
            return new MetropolisResult
            {
                Status = bad.Status, Message = bad.Message,
                FinalPositions = start.ToArray(), FinalEnergy = energy, LowestEnergy = double.NaN, FinalMaxStep = s.MaxStep,
            };

        var rng = new McRandom(s.Seed);
        double beta = 1.0 / (Units.BoltzmannEvPerK * s.TemperatureK);
        double step = s.MaxStep, stepMax = s.MaxStepLimit ?? s.CriterionDistance;
        int equil = s.Equilibration;
        long attEq = 0, accEq = 0, attProd = 0, accProd = 0, winAtt = 0, winAcc = 0;
        long critRej = 0, overlapRej = 0, nonFinite = 0, frames = 0;
        double maxDrift = 0, lowest = energy;
        double[] lowestPos = start.ToArray();
        double[] scratch = new double[3 * n];
        // Welford over production cycles.
        long statN = 0; double mean = 0, m2 = 0, eMin = double.PositiveInfinity, eMax = double.NegativeInfinity;
        string temperatureText = McShared.F(s.TemperatureK), stepText = McShared.F(step);
        McStatus status = McStatus.Completed;
        string? message = null;
        long cycle = 0;

        for (cycle = 1; cycle <= s.Cycles; cycle++)
        {
            cancellation.ThrowIfCancellationRequested();
            bool equilibrating = cycle <= equil;
            long att = 0, acc = 0;
            for (int m = 0; m < n; m++)
            {
                int k = McShared.Displace(ref rng, backend.Positions, n, step, out double x, out double y, out double z);
                att++;
                var c = criterion.CheckMove(k, x, y, z);
                if (c != CriterionResult.Ok)
                {
                    if (c == CriterionResult.Overlap) overlapRej++; else critRej++;
                    continue;
                }
                double dE = backend.ProposeMove(k, x, y, z);
                if (!double.IsFinite(dE)) { backend.Reject(); nonFinite++; continue; }
                if (dE <= 0 || rng.NextDouble() < Math.Exp(-beta * dE))
                {
                    backend.Accept();
                    criterion.CommitMove(k, x, y, z);
                    acc++;
                    if (backend.TotalEnergy < lowest) { lowest = backend.TotalEnergy; backend.Positions.CopyTo(lowestPos); }
                }
                else backend.Reject();
            }
            if (equilibrating)
            {
                attEq += att; accEq += acc; winAtt += att; winAcc += acc;
                if (cycle % s.TuneInterval == 0 || cycle == equil)
                {
                    step = McShared.Tune(step, winAcc, winAtt, s.TargetAcceptance, s.MinStep, stepMax);
                    stepText = McShared.F(step);
                    winAtt = winAcc = 0;
                }
            }
            else { attProd += att; accProd += acc; }

            if (s.ResyncEvery > 0 && cycle % s.ResyncEvery == 0
                && McShared.Resync(backend, scratch, cycle, ref maxDrift, ref lowest, lowestPos) is { } resyncError)
            {
                status = McStatus.NonFiniteEnergy;
                message = resyncError;
                break;
            }

            double e = backend.TotalEnergy;
            if (!equilibrating)
            {
                statN++;
                double d = e - mean;
                mean += d / statN;
                m2 += d * (e - mean);
                eMin = Math.Min(eMin, e); eMax = Math.Max(eMax, e);
            }
            if (onFrame != null && s.TrajectoryEvery > 0 && cycle % s.TrajectoryEvery == 0 && (!equilibrating || s.RecordEquilibration))
            {
                var f = McShared.Frame(backend.Positions, e, "metropolis", cycle);
                long a = equilibrating ? attEq : attProd, ac = equilibrating ? accEq : accProd;
                f.SetInfo("phase", equilibrating ? "equilibration" : "production");
                f.SetInfo("temperature_K", temperatureText);
                f.SetInfo("acceptance", (a > 0 ? (double)ac / a : 0).ToString("F4", CultureInfo.InvariantCulture));
                f.SetInfo("max_step", stepText);
                onFrame(f);
                frames++;
            }
            progress?.Invoke(cycle, s.Cycles);
        }

        return new MetropolisResult
        {
            Status = status, Message = message,
            CyclesRun = status == McStatus.Completed ? s.Cycles : cycle - 1,
            Attempts = attEq + attProd, Accepted = accEq + accProd,
            CriterionRejections = critRej, OverlapRejections = overlapRej, NonFiniteRejections = nonFinite,
            MaxResyncDrift = maxDrift, FramesWritten = frames, FinalMaxStep = step,
            FinalEnergy = backend.TotalEnergy, FinalPositions = backend.Positions.ToArray(),
            LowestEnergy = lowest, LowestEnergyPositions = lowestPos,
            EquilibrationCycles = equil,
            ProductionAcceptanceRatio = attProd > 0 ? (double)accProd / attProd : 0,
            EquilibrationAcceptanceRatio = attEq > 0 ? (double)accEq / attEq : 0,
            EnergyMean = statN > 0 ? mean : double.NaN,
            EnergyStd = statN > 1 ? Math.Sqrt(m2 / (statN - 1)) : 0,
            EnergyMin = statN > 0 ? eMin : double.NaN,
            EnergyMax = statN > 0 ? eMax : double.NaN,
        };
    }
}
