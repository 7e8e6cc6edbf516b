using System.Globalization;
using AlHpc.ActiveLearning;

namespace AlHpc.Reporting;

/// <summary>The active-learning run's figures: Figure 2a (progress) and Figure 2b (parity on the pool).</summary>
public sealed class RunPlotter : IRunPlotter
{
    public void DrawProgress(string path, IReadOnlyList<IterationRecord> log)
    {
        if (log.Count == 0) return;
        double[] it = log.Select(r => (double)r.Iteration).ToArray();
        var left = new List<LineSeries>();
        if (log.Any(r => double.IsFinite(r.MonitorEnergyMaeMeV)))
            left.Add(new LineSeries("monitoring set energy MAE (meV/molecule)", it, log.Select(r => r.MonitorEnergyMaeMeV).ToArray()));
        left.Add(new LineSeries("gathered structures MAE (meV/molecule)", it, log.Select(r => r.GatheredMaeMeV).ToArray(), Markers: false));
        var right = new List<LineSeries> { new("pool size", it, log.Select(r => (double)r.PoolSize).ToArray(), Markers: false) };
        Plots.Lines(path, "Active learning progress (cf. paper Fig. 2a)", "iteration", "energy MAE (meV/molecule)", left,
            "structures in the pool", right, logY: true);
    }

    public void DrawParity(string path, IReadOnlyList<double> referenceEvPerMolecule, IReadOnlyList<double> predictedEvPerMolecule)
    {
        double mae = 0;
        for (int i = 0; i < referenceEvPerMolecule.Count; i++) mae += Math.Abs(referenceEvPerMolecule[i] - predictedEvPerMolecule[i]);
        mae = 1000 * mae / Math.Max(1, referenceEvPerMolecule.Count);
        var panel = new ParityPanel("Final model on the pool (cf. paper Fig. 2b)", "reference energy (eV/molecule)", "network energy (eV/molecule)",
            [new PointSeries($"pool ({referenceEvPerMolecule.Count} structures)", referenceEvPerMolecule.ToArray(), predictedEvPerMolecule.ToArray())],
            string.Create(CultureInfo.InvariantCulture, $"MAE {mae:F3} meV/molecule"), ClipToBulk: true);
        Plots.Parity(path, panel);
    }
}
