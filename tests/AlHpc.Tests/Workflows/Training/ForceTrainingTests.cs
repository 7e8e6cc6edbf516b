using AlHpc.Descriptors;
using AlHpc.Network;
using AlHpc.Potentials;
using AlHpc.Structures;
using AlHpc.Training;

namespace AlHpc.Tests.Training;

/// <summary>Small ML-BOP-labelled clusters for force-training tests.</summary>
internal static class ForceTestData
{
    /// <summary>
    /// <paramref name="count"/> clusters of <paramref name="atoms"/> beads grown bead by bead (each new bead
    /// 2.7-3.1 A from an earlier one, none closer than 2.5 A), with one bead placed 3.49 A from its parent:
    /// just inside the 3.5 A descriptor cutoff. Labelled with ML-BOP energies and forces.
    /// </summary>
    public static List<Cluster> NearCutoffClusters(int count, int atoms, int seed)
    {
        var rng = new Random(seed);
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        var clusters = new List<Cluster>();
        while (clusters.Count < count)
        {
            var x = new double[3 * atoms];
            for (int a = 1; a < atoms; a++)
            {
                for (int attempt = 0; ; attempt++)
                {
                    int parent = rng.Next(a);
                    double d = a == atoms / 2 ? 3.49 : 2.7 + 0.4 * rng.NextDouble();
                    double u = 2 * rng.NextDouble() - 1, phi = 2 * Math.PI * rng.NextDouble(), sr = Math.Sqrt(1 - u * u);
                    double px = x[3 * parent] + d * sr * Math.Cos(phi), py = x[3 * parent + 1] + d * sr * Math.Sin(phi), pz = x[3 * parent + 2] + d * u;
                    bool ok = true;
                    for (int b = 0; b < a && ok; b++)
                        if (b != parent && Dist(x, b, px, py, pz) < 2.5) ok = false;
                    if (!ok && attempt < 1000) continue;
                    x[3 * a] = px; x[3 * a + 1] = py; x[3 * a + 2] = pz;
                    break;
                }
            }
            var forces = new double[x.Length];
            double e = ev.Compute(x, forces, Span<double>.Empty);
            clusters.Add(new Cluster(x) { Energy = e, Forces = forces });
        }
        return clusters;
    }

    private static double Dist(double[] x, int b, double px, double py, double pz)
    {
        double dx = x[3 * b] - px, dy = x[3 * b + 1] - py, dz = x[3 * b + 2] - pz;
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }

    public static TrainingSet Set(List<Cluster> clusters) =>
        TrainingSet.FromClusters(ClusterBatch.FromClusters(clusters), DefaultSetups.Water26, withForces: true);

    /// <summary>
    /// The trainer's objective of the given structures, computed independently with <see cref="NnPotential"/>:
    /// sum_s [S (E_ref - E)/N]^2 + wF sum_s mean_{a,c} [S (F_ref - F)]^2.
    /// </summary>
    public static double Objective(NnModel model, List<Cluster> clusters, IEnumerable<int> structures, double forcesWeight)
    {
        var ev = new NnPotential(model).CreateEvaluator();
        double s2 = model.EnergyScale * model.EnergyScale, sum = 0;
        foreach (int s in structures)
        {
            var c = clusters[s];
            var f = new double[c.Positions.Length];
            double e = ev.Compute(c.Positions, f, Span<double>.Empty);
            double de = (c.Energy!.Value - e) / c.Count;
            double ff = 0;
            for (int k = 0; k < f.Length; k++) ff += (c.Forces![k] - f[k]) * (c.Forces[k] - f[k]);
            sum += s2 * (de * de + forcesWeight * ff / f.Length);
        }
        return sum;
    }

    /// <summary>Force MAE (meV/A, mean over components) of a model on the given structures, with <see cref="NnPotential"/>.</summary>
    public static double ForceMae(NnModel model, List<Cluster> clusters, IEnumerable<int> structures)
    {
        var ev = new NnPotential(model).CreateEvaluator();
        double sum = 0;
        int count = 0;
        foreach (int s in structures)
        {
            var c = clusters[s];
            var f = new double[c.Positions.Length];
            ev.Compute(c.Positions, f, Span<double>.Empty);
            for (int k = 0; k < f.Length; k++) sum += Math.Abs(c.Forces![k] - f[k]);
            count += f.Length;
        }
        return 1000 * sum / count;
    }
}

public class ForceTrainingTests
{
    [Theory]
    [InlineData(Activation.Twist, true)]
    [InlineData(Activation.Tanh, false)]
    [InlineData(Activation.Sigmoid, true)]
    public void ForceRowJacobianMatchesCentralDifferencesForEveryWeight(Activation act, bool anchor)
    {
        var clusters = ForceTestData.NearCutoffClusters(3, atoms: 7, seed: 5);
        var set = ForceTestData.Set(clusters);
        // precondition: some pair sits just inside the cutoff, so fc and its derivative are far from trivial
        Assert.Contains(PairDistances(clusters), r => r > 3.45 && r < 3.5);
        var opt = TrainingSettings.Aenet with
        {
            BatchSize = 0, HoldoutFraction = 0, Threads = 2, Activation = act.ToAenetName(), AnchorIsolatedAtom = anchor,
            HiddenLayers = [4, 3], Seed = 3, ForcesWeight = 0.7,
        };
        using var session = LmTrainer.CreateSession(set, opt);
        var rng = new Random(2);
        var w = session.Net.Weights;
        for (int k = 0; k < w.Length; k++) w[k] = 1.2 * (2 * rng.NextDouble() - 1);   // out of the linear range
        var rows = session.TrainIndices;
        int m = session.RowCount(rows), p = session.Net.WeightCount;
        Assert.Equal(rows.Length + 3 * set.AtomCount, m);
        var e = new double[m];
        Assert.Equal(m, session.ComputeJacobian(rows, e));
        var jac = session.JacobianBuffer.AsSpan(0, m * p).ToArray();
        // the Jacobian pass and the residual-only pass give the same residuals
        var e2 = new double[m];
        session.ComputeResiduals(rows, e2);
        Assert.Equal(e, e2);

        // fourth-order central differences: (8 [e(w+h) - e(w-h)] - [e(w+2h) - e(w-2h)]) / 12h
        var ep = new double[m];
        var em = new double[m];
        var ep2 = new double[m];
        var em2 = new double[m];
        double worstForce = 0, worstEnergy = 0, largest = 0;
        for (int k = 0; k < p; k++)
        {
            double w0 = w[k], h = 1e-4;
            w[k] = w0 + h; session.ComputeResiduals(rows, ep);
            w[k] = w0 - h; session.ComputeResiduals(rows, em);
            w[k] = w0 + 2 * h; session.ComputeResiduals(rows, ep2);
            w[k] = w0 - 2 * h; session.ComputeResiduals(rows, em2);
            w[k] = w0;
            for (int r = 0; r < m; r++)
            {
                double fd = (8 * (ep[r] - em[r]) - (ep2[r] - em2[r])) / (12 * h);
                double err = Math.Abs(fd - jac[r * p + k]) / Math.Max(1e-3, Math.Abs(fd));
                if (r < rows.Length) worstEnergy = Math.Max(worstEnergy, err);
                else { worstForce = Math.Max(worstForce, err); largest = Math.Max(largest, Math.Abs(fd)); }
            }
        }
        Assert.True(largest > 0.1, $"force rows barely depend on the weights ({largest})");
        Assert.True(worstForce < 1e-6, $"worst relative force-row Jacobian error {worstForce}");
        Assert.True(worstEnergy < 1e-6, $"worst relative energy-row Jacobian error {worstEnergy}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrainerForcesEqualNnPotentialForcesOfTheSameModel(bool anchor)
    {
        var clusters = MlBopData.ThermalClusters(10, seed: 23);
        clusters.AddRange(ForceTestData.NearCutoffClusters(3, atoms: 9, seed: 8));
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with { Epochs = 3, BatchSize = 4, Seed = 6, ForcesWeight = 0.2, AnchorIsolatedAtom = anchor, HiddenLayers = [6, 5] };
        using var session = LmTrainer.CreateSession(set, opt);
        session.Run(null, default);   // a few steps: a network in training, not the random start
        var model = TrainerTestData.WithWeights(session.Model, session.Net.Weights);
        var ev = new NnPotential(model).CreateEvaluator();
        double largest = 0;
        for (int s = 0; s < clusters.Count; s++)
        {
            var c = clusters[s];
            var expected = new double[c.Positions.Length];
            ev.Compute(c.Positions, expected, Span<double>.Empty);
            var got = new double[c.Positions.Length];
            session.PredictForces(s, got);
            for (int k = 0; k < got.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - got[k]) <= 1e-10, $"structure {s} component {k}: NnPotential {expected[k]} vs trainer {got[k]}");
                largest = Math.Max(largest, Math.Abs(expected[k]));
            }
        }
        Assert.True(largest > 0.01, $"forces are all tiny ({largest} eV/A): the comparison would be empty");
    }

    [Theory]
    [InlineData(Activation.Linear)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.MTanh)]
    [InlineData(Activation.Twist)]
    public void ActivationSecondDerivativesMatchDifferencesOfFirstDerivatives(Activation act)
    {
        for (double x = -4; x <= 4; x += 0.37)
        {
            double y = ActivationFunctions.Evaluate(act, x, out double d1, out double d2);
            // value and first derivative are those of the plain overload
            Assert.Equal(ActivationFunctions.Evaluate(act, x, out double d1Plain), y);
            Assert.Equal(d1Plain, d1);
            double h = 1e-4;
            ActivationFunctions.Evaluate(act, x + h, out double dp);
            ActivationFunctions.Evaluate(act, x - h, out double dm);
            ActivationFunctions.Evaluate(act, x + 2 * h, out double dp2);
            ActivationFunctions.Evaluate(act, x - 2 * h, out double dm2);
            double fd = (8 * (dp - dm) - (dp2 - dm2)) / (12 * h);
            Assert.True(Math.Abs(fd - d2) <= 1e-9 * Math.Max(1, Math.Abs(d2)), $"{act} at x = {x}: f'' {d2} vs differences {fd}");
        }
        if (act != Activation.Linear)
        {
            ActivationFunctions.Evaluate(act, 0.8, out _, out double curved);
            Assert.NotEqual(0.0, curved);
        }
    }

    /// <summary>
    /// 48 ML-BOP snapshots (300 K) of the 25-bead minimum, 26-5-5-1 twist, full batch, 60 epochs, seed 1. Energy only
    /// (wF = 0) gets the energies (0.92 meV/molecule held out) but not the forces (340 meV/A held out); wF = 0.1
    /// gives ~20 meV/A and a held-out energy MAE of 0.21 meV/molecule.
    /// </summary>
    [Fact]
    public void ForceTrainingLowersTheHeldOutForceErrorAndKeepsEnergiesSane()
    {
        var clusters = MlBopData.ThermalClusters(48, seed: 17);
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with { Epochs = 60, Seed = 1, BatchSize = 0, HiddenLayers = [5, 5] };
        var energyOnly = LmTrainer.Train(set, opt);
        var withForces = LmTrainer.Train(set, opt with { ForcesWeight = 0.1 });
        Assert.Equal(energyOnly.HoldoutIndices, withForces.HoldoutIndices);
        double fE = ForceTestData.ForceMae(energyOnly.Model, clusters, energyOnly.HoldoutIndices);
        double fF = ForceTestData.ForceMae(withForces.Model, clusters, withForces.HoldoutIndices);
        Assert.True(fF < 0.25 * fE, $"held-out force MAE {fF} meV/A with forces vs {fE} without");
        Assert.True(fF < 40, $"held-out force MAE {fF} meV/A");
        Assert.True(withForces.BestHoldoutMae < 1.5, $"held-out energy MAE {withForces.BestHoldoutMae} meV/molecule with forces");
        // the recorded force MAEs are those of the returned model
        Assert.Equal(fF, withForces.BestHoldoutForceMae, 1e-9 * fF);
        Assert.Equal(ForceTestData.ForceMae(withForces.Model, clusters, withForces.TrainIndices), withForces.BestTrainForceMae, 1e-9 * fF);
        Assert.Equal(withForces.BestHoldoutMae, TrainerTestData.PlainMae(withForces.Model, set, withForces.HoldoutIndices), 9);
        // selection is still the held-out energy MAE; force MAEs are recorded every epoch, and only when training forces
        Assert.Equal(withForces.Curve.Min(r => r.HoldoutMae), withForces.BestHoldoutMae);
        Assert.All(withForces.Curve, r => Assert.True(double.IsFinite(r.TrainForceMae) && double.IsFinite(r.HoldoutForceMae)));
        Assert.All(energyOnly.Curve, r => Assert.True(double.IsNaN(r.TrainForceMae) && double.IsNaN(r.HoldoutForceMae)));
        Assert.Equal("0.1", withForces.Model.Provenance["forces_weight"]);
        Assert.Equal("0", energyOnly.Model.Provenance["forces_weight"]);
    }

    [Fact]
    public void SameSeedGivesIdenticalWeightsWhateverTheThreadCount()
    {
        var clusters = MlBopData.ThermalClusters(20, seed: 29);
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with { Epochs = 4, BatchSize = 6, Seed = 9, HiddenLayers = [5, 4], ForcesWeight = 0.3 };
        var one = LmTrainer.Train(set, opt with { Threads = 1 });
        var two = LmTrainer.Train(set, opt with { Threads = 2 });
        Assert.Equal(one.Model.Network.WeightValues.ToArray(), two.Model.Network.WeightValues.ToArray());
        Assert.Equal(one.Curve.Select(r => r.HoldoutForceMae), two.Curve.Select(r => r.HoldoutForceMae));
        var other = LmTrainer.Train(set, opt with { Threads = 2, Seed = 10 });
        Assert.NotEqual(one.Model.Network.WeightValues.ToArray(), other.Model.Network.WeightValues.ToArray());
    }

    [Fact]
    public void ZeroForcesWeightIgnoresTheForcesOfASetThatHasThem()
    {
        var clusters = MlBopData.ThermalClusters(16, seed: 31);
        var batch = ClusterBatch.FromClusters(clusters);
        var plain = TrainingSet.FromClusters(batch, DefaultSetups.Water26);
        var withF = TrainingSet.FromClusters(batch, DefaultSetups.Water26, withForces: true);
        Assert.False(plain.HasForces);
        Assert.True(withF.HasForces);
        Assert.Equal(plain.Descriptors, withF.Descriptors);
        var opt = TrainingSettings.Aenet with { Epochs = 5, BatchSize = 4, Seed = 2, HiddenLayers = [5, 5] };
        Assert.Equal(LmTrainer.Train(plain, opt).Model.Network.WeightValues.ToArray(), LmTrainer.Train(withF, opt).Model.Network.WeightValues.ToArray());
        // a subset keeps forces and derivatives
        var sub = withF.Subset([3, 1]);
        Assert.True(sub.HasForces);
        Assert.Equal(clusters[1].Forces, sub.Forces!.AsSpan(3 * sub.Offsets[1], 3 * sub.SizeOf(1)).ToArray());
        Assert.Same(withF.Derivatives![3], sub.Derivatives![0]);
    }

    [Fact]
    public void AcceptedStepsNeverRaiseTheirBatchObjectiveOfEnergiesAndForces()
    {
        var clusters = MlBopData.ThermalClusters(16, seed: 37);
        var set = ForceTestData.Set(clusters);
        const double wF = 0.05;
        // a tiny initial damping provokes rejected trials
        var opt = TrainingSettings.Aenet with { Epochs = 8, BatchSize = 5, Seed = 4, Mu = 1e-7, HiddenLayers = [5, 5], ForcesWeight = wF };
        using var session = LmTrainer.CreateSession(set, opt);
        int accepted = 0, rejected = 0;
        session.TrialObserver = (rows, start, count, before, trial, ok) =>
        {
            // independent objective with NnPotential (energies and forces of the same batch)
            var batch = rows.AsSpan(start, count).ToArray();
            double sb = ForceTestData.Objective(TrainerTestData.WithWeights(session.Model, before), clusters, batch, wF);
            double st = ForceTestData.Objective(TrainerTestData.WithWeights(session.Model, trial), clusters, batch, wF);
            if (ok) { accepted++; Assert.True(st <= sb * (1 + 1e-9), $"accepted a step raising the batch objective {sb} -> {st}"); }
            else { rejected++; Assert.True(!(st < sb * (1 - 1e-9)), $"rejected a step lowering the batch objective {sb} -> {st}"); }
        };
        var result = session.Run(null, default);
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
        Assert.Equal(accepted, result.Curve.Sum(r => r.Accepted));
        Assert.Equal(rejected, result.Curve.Sum(r => r.Rejected));
    }

    [Fact]
    public void CurveCsvHasForceColumnsFilledOnlyWhenTrainingForces()
    {
        var clusters = MlBopData.ThermalClusters(8, seed: 41);
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with { Epochs = 2, BatchSize = 0, Seed = 1, HiddenLayers = [4, 4] };
        foreach (var wf in new[] { 0.0, 0.5 })
        {
            var w = new StringWriter();
            LmTrainer.Train(set, opt with { ForcesWeight = wf }).WriteCurveCsv(w);
            var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var header = lines[0].Trim().Split(',');
            Assert.Equal(["train_force_mae_meV_per_A", "holdout_force_mae_meV_per_A"], header[^2..]);
            foreach (var line in lines.Skip(1))
            {
                var cells = line.Trim().Split(',');
                Assert.Equal(header.Length, cells.Length);
                if (wf > 0) Assert.True(double.Parse(cells[^1], System.Globalization.CultureInfo.InvariantCulture) > 0);
                else Assert.True(cells[^1] == "" && cells[^2] == "");
            }
        }
    }

    [Fact]
    public void RefusesForceTrainingWithoutForcesOrOnTheDevicePath()
    {
        var clusters = MlBopData.ThermalClusters(4, seed: 43);
        var batch = ClusterBatch.FromClusters(clusters);
        var energyOnly = TrainingSet.FromClusters(batch, DefaultSetups.Water26);
        var ex = Assert.Throws<ArgumentException>(() => LmTrainer.Train(energyOnly, TrainingSettings.Aenet with { Epochs = 1, ForcesWeight = 0.1 }));
        Assert.Contains("forces", ex.Message);

        clusters[2].Forces = null;
        var missing = Assert.Throws<ArgumentException>(() => TrainingSet.FromClusters(ClusterBatch.FromClusters(clusters), DefaultSetups.Water26, withForces: true));
        Assert.Contains("structure 2", missing.Message);
        clusters[2].Forces = new double[clusters[2].Positions.Length];
        clusters[2].Forces![4] = double.NaN;
        var nan = Assert.Throws<ArgumentException>(() => TrainingSet.FromClusters(ClusterBatch.FromClusters(clusters), DefaultSetups.Water26, withForces: true));
        Assert.Contains("structure 2", nan.Message);

        var set = ForceTestData.Set(ForceTestData.NearCutoffClusters(3, atoms: 5, seed: 1));
        using var builder = new ReferenceJacobianBuilder();
        var dev = Assert.Throws<NotSupportedException>(() => LmTrainer.Train(set, TrainingSettings.Aenet with { Epochs = 1, ForcesWeight = 0.1, JacobianBuilder = (_, _) => builder }));
        Assert.Contains("CPU", dev.Message);
        Assert.Throws<TrainingSettingsException>(() => (TrainingSettings.Aenet with { ForcesWeight = -1 }).Validate());
        Assert.Throws<TrainingSettingsException>(() => (TrainingSettings.Aenet with { ForcesWeight = double.NaN }).Validate());
        Assert.Throws<TrainingSettingsException>(() => (TrainingSettings.Aenet with { ForcesWeight = double.PositiveInfinity }).Validate());
    }

    private static IEnumerable<double> PairDistances(List<Cluster> clusters)
    {
        foreach (var c in clusters)
            for (int a = 0; a < c.Count; a++)
                for (int b = a + 1; b < c.Count; b++)
                {
                    double dx = c.Positions[3 * a] - c.Positions[3 * b], dy = c.Positions[3 * a + 1] - c.Positions[3 * b + 1], dz = c.Positions[3 * a + 2] - c.Positions[3 * b + 2];
                    yield return Math.Sqrt(dx * dx + dy * dy + dz * dz);
                }
    }
}
