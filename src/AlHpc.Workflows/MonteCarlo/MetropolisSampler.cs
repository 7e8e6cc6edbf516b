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

    internal override void Validate()
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
/// Allocation-free per move; frames allocate one <see cref="Cluster"/> each, with the Info keys sampler, cycle,
/// phase, temperature_K, acceptance and max_step.
/// </summary>
public sealed class MetropolisSampler(MetropolisSettings settings) : McSampler<MetropolisSettings, MetropolisResult>(settings)
{
    private protected override MetropolisResult Unstarted() => new();

    private protected override MetropolisResult Walk(McChain chain, ref McRandom rng, Action<Cluster>? onFrame, Action<long, long>? progress, CancellationToken cancellation)
    {
        var s = Settings;
        var rule = new Rule(s);
        var end = chain.RunCycles(ref rng, ref rule, s, s.Cycles, onFrame, progress, cancellation);
        return chain.Finish(new MetropolisResult
        {
            EquilibrationCycles = rule.Equilibration,
            ProductionAcceptanceRatio = rule.ProductionAttempts > 0 ? (double)rule.ProductionAccepted / rule.ProductionAttempts : 0,
            EquilibrationAcceptanceRatio = rule.EquilibrationAttempts > 0 ? (double)rule.EquilibrationAccepted / rule.EquilibrationAttempts : 0,
            EnergyMean = rule.StatCount > 0 ? rule.Mean : double.NaN,
            EnergyStd = rule.StatCount > 1 ? Math.Sqrt(rule.M2 / (rule.StatCount - 1)) : 0,
            EnergyMin = rule.StatCount > 0 ? rule.Min : double.NaN,
            EnergyMax = rule.StatCount > 0 ? rule.Max : double.NaN,
        }, end);
    }

    /// <summary>Metropolis on the shared cycle loop: the acceptance rule, tuning during equilibration only, the
    /// per-phase acceptance and the energy statistics over production cycles (Welford).</summary>
    private struct Rule(MetropolisSettings s) : ICycleRule
    {
        private readonly MetropolisRule _metropolis = new(1.0 / (Units.BoltzmannEvPerK * s.TemperatureK));
        private readonly string _temperatureText = McShared.F(s.TemperatureK);
        private readonly bool _recordEquilibration = s.RecordEquilibration;
        public readonly int Equilibration = s.Equilibration;
        public long EquilibrationAttempts, EquilibrationAccepted, ProductionAttempts, ProductionAccepted;
        public long StatCount;
        public double Mean, M2, Min = double.PositiveInfinity, Max = double.NegativeInfinity;

        public readonly string Sampler => "metropolis";
        public readonly void Begin(double energy) { }
        public readonly bool Accept(double energy, double dE, ref McRandom rng) => _metropolis.Accept(energy, dE, ref rng);
        public readonly void End(double energy) { }
        public readonly bool Tunes(long cycle) => cycle <= Equilibration;
        public readonly bool EndsTuning(long cycle) => cycle == Equilibration;
        public readonly bool Records(long cycle) => cycle > Equilibration || _recordEquilibration;

        public void CountCycle(long cycle, long attempts, long accepted)
        {
            if (cycle <= Equilibration) { EquilibrationAttempts += attempts; EquilibrationAccepted += accepted; }
            else { ProductionAttempts += attempts; ProductionAccepted += accepted; }
        }

        public void EndCycle(long cycle, double e)
        {
            if (cycle <= Equilibration) return;
            StatCount++;
            double d = e - Mean;
            Mean += d / StatCount;
            M2 += d * (e - Mean);
            Min = Math.Min(Min, e); Max = Math.Max(Max, e);
        }

        public readonly void Describe(Cluster frame, long cycle, double energy, double step)
        {
            bool equilibrating = cycle <= Equilibration;
            long a = equilibrating ? EquilibrationAttempts : ProductionAttempts, ac = equilibrating ? EquilibrationAccepted : ProductionAccepted;
            frame.SetInfo("phase", equilibrating ? "equilibration" : "production");
            frame.SetInfo("temperature_K", _temperatureText);
            frame.SetInfo("acceptance", (a > 0 ? (double)ac / a : 0).ToString("F4", CultureInfo.InvariantCulture));
            frame.SetInfo("max_step", McShared.F(step));
        }
    }
}
