using AlHpc.Potentials;

namespace AlHpc.Optimization;

/// <summary>Outcome of a minimization: energy (eV), largest per-bead force norm (eV/A), steps taken, converged or not.</summary>
public readonly record struct MinimizationResult(double Energy, double MaxForce, int Steps, bool Converged);

/// <summary>
/// FIRE structural relaxation (Bitzek et al., PRL 97, 170201, 2006) with ASE's defaults: unit masses,
/// semi-implicit Euler steps, time step 0.1 growing by 1.1 after 5 downhill steps up to 1.0, halved and
/// velocities zeroed on an uphill step, mixing alpha 0.1 decaying by 0.99; no bead moves more than
/// <see cref="MaxStep"/> A per step. Converged when every bead's force norm is below <see cref="ForceTolerance"/>
/// (eV/A). Works with any <see cref="IPotentialEvaluator"/>. Reuses its buffers; not thread safe.
/// </summary>
public sealed class Fire
{
    /// <summary>Converged when max_i |F_i| &lt; this (eV/A). Default 1e-4.</summary>
    public double ForceTolerance { get; init; } = 1e-4;

    /// <summary>Largest number of force evaluations. Default 10,000.</summary>
    public int MaxSteps { get; init; } = 10_000;

    /// <summary>Initial time step (A per sqrt(eV/A) with unit masses). Default 0.1 (ASE).</summary>
    public double TimeStep { get; init; } = 0.1;

    /// <summary>Largest time step. Default 1.0 (ASE).</summary>
    public double MaxTimeStep { get; init; } = 1.0;

    /// <summary>Largest displacement of one bead in one step (A). Default 0.2 (ASE).</summary>
    public double MaxStep { get; init; } = 0.2;

    public int NMin { get; init; } = 5;
    public double TimeStepIncrease { get; init; } = 1.1;
    public double TimeStepDecrease { get; init; } = 0.5;
    public double AlphaStart { get; init; } = 0.1;
    public double AlphaDecay { get; init; } = 0.99;

    private double[] _v = [], _f = [];

    /// <summary>
    /// Relaxes <paramref name="positions"/> (A, flat, modified in place). <paramref name="progress"/> receives
    /// (step, energy eV, max force eV/A) after every evaluation.
    /// </summary>
    public MinimizationResult Minimize(IPotentialEvaluator evaluator, Span<double> positions,
        Action<int, double, double>? progress = null, CancellationToken cancellationToken = default)
    {
        int len = positions.Length;
        if (_v.Length < len) { _v = new double[len]; _f = new double[len]; }
        var v = _v.AsSpan(0, len);
        var f = _f.AsSpan(0, len);
        v.Clear();
        double dt = TimeStep, alpha = AlphaStart;
        int downhill = 0;
        double e = evaluator.Compute(positions, f, default);
        double fmax = MaxForce(f);
        int step = 0;
        progress?.Invoke(step, e, fmax);
        while (true)
        {
            if (!double.IsFinite(e) || !double.IsFinite(fmax))
                throw new InvalidOperationException($"minimization diverged at step {step} (energy {e}, max force {fmax})");
            if (fmax < ForceTolerance) return new MinimizationResult(e, fmax, step, true);
            if (step >= MaxSteps) return new MinimizationResult(e, fmax, step, false);
            cancellationToken.ThrowIfCancellationRequested();

            double vf = 0, vv = 0, ff = 0;
            for (int i = 0; i < len; i++) { vf += v[i] * f[i]; vv += v[i] * v[i]; ff += f[i] * f[i]; }
            if (vf > 0)
            {
                double mix = ff > 0 ? alpha * Math.Sqrt(vv / ff) : 0;
                for (int i = 0; i < len; i++) v[i] = (1 - alpha) * v[i] + mix * f[i];
                if (downhill > NMin) { dt = Math.Min(dt * TimeStepIncrease, MaxTimeStep); alpha *= AlphaDecay; }
                downhill++;
            }
            else
            {
                v.Clear();
                alpha = AlphaStart;
                dt *= TimeStepDecrease;
                downhill = 0;
            }
            for (int i = 0; i < len; i++) v[i] += dt * f[i];
            // displacement dt*v, capped per bead at MaxStep
            double maxDisp2 = 0;
            for (int a = 0; a < len; a += 3)
            {
                double d2 = (v[a] * v[a] + v[a + 1] * v[a + 1] + v[a + 2] * v[a + 2]) * dt * dt;
                if (d2 > maxDisp2) maxDisp2 = d2;
            }
            double scale = maxDisp2 > MaxStep * MaxStep ? MaxStep / Math.Sqrt(maxDisp2) : 1.0;
            for (int i = 0; i < len; i++) positions[i] += scale * dt * v[i];

            e = evaluator.Compute(positions, f, default);
            fmax = MaxForce(f);
            step++;
            progress?.Invoke(step, e, fmax);
        }
    }

    /// <summary>Largest per-bead force norm (eV/A).</summary>
    public static double MaxForce(ReadOnlySpan<double> forces)
    {
        double m = 0;
        for (int a = 0; a + 2 < forces.Length; a += 3)
            m = Math.Max(m, forces[a] * forces[a] + forces[a + 1] * forces[a + 1] + forces[a + 2] * forces[a + 2]);
        return Math.Sqrt(m);
    }
}
