using AlHpc.ActiveLearning;
using AlHpc.Network;
using AlHpc.Training;

namespace AlHpc.Tests.Training;

/// <summary>Random force projections (TrainingSettings.ForceProjections R &gt; 0): R rows per structure instead of 3N.</summary>
public class ForceProjectionTests
{
    private static void RandomWeights(NeuralNetwork net, int seed)
    {
        var rng = new Random(seed);
        var w = net.Weights;
        for (int k = 0; k < w.Length; k++) w[k] = 1.2 * (2 * rng.NextDouble() - 1);   // out of the linear range
    }

    [Theory]
    [InlineData(Activation.Twist, true, 3)]
    [InlineData(Activation.Tanh, false, 1)]
    public void ProjectionRowJacobianMatchesCentralDifferencesForEveryWeight(Activation act, bool anchor, int projections)
    {
        var clusters = ForceTestData.NearCutoffClusters(3, atoms: 7, seed: 5);
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with
        {
            BatchSize = 0, HoldoutFraction = 0, Threads = 2, Activation = act.ToAenetName(), AnchorIsolatedAtom = anchor,
            HiddenLayers = [4, 3], Seed = 3, ForcesWeight = 0.7, ForceProjections = projections,
        };
        using var session = LmTrainer.CreateSession(set, opt);
        RandomWeights(session.Net, 2);
        session.DrawEpoch = 4;
        var w = session.Net.Weights;
        var rows = session.TrainIndices;
        int m = session.RowCount(rows, projected: true), p = session.Net.WeightCount;
        Assert.Equal(rows.Length * (1 + projections), m);
        var e = new double[m];
        Assert.Equal(m, session.ComputeJacobian(rows, e, projected: true));
        var jac = session.JacobianBuffer.AsSpan(0, m * p).ToArray();
        var e2 = new double[m];
        Assert.Equal(m, session.ComputeResiduals(rows, e2, projected: true));
        Assert.Equal(e, e2);

        var ep = new double[m];
        var em = new double[m];
        var ep2 = new double[m];
        var em2 = new double[m];
        double worst = 0, largest = 0;
        for (int k = 0; k < p; k++)
        {
            double w0 = w[k], h = 1e-4;
            w[k] = w0 + h; session.ComputeResiduals(rows, ep, projected: true);
            w[k] = w0 - h; session.ComputeResiduals(rows, em, projected: true);
            w[k] = w0 + 2 * h; session.ComputeResiduals(rows, ep2, projected: true);
            w[k] = w0 - 2 * h; session.ComputeResiduals(rows, em2, projected: true);
            w[k] = w0;
            for (int r = rows.Length; r < m; r++)
            {
                double fd = (8 * (ep[r] - em[r]) - (ep2[r] - em2[r])) / (12 * h);
                worst = Math.Max(worst, Math.Abs(fd - jac[r * p + k]) / Math.Max(1e-3, Math.Abs(fd)));
                largest = Math.Max(largest, Math.Abs(fd));
            }
        }
        Assert.True(largest > 0.1, $"projection rows barely depend on the weights ({largest})");
        Assert.True(worst < 1e-6, $"worst relative projection-row Jacobian error {worst}");
    }

    /// <summary>Row r of structure s = sqrt(1/R) sum_{a,c} v_r[3a+c] (exact force row (a, c)), residual and Jacobian alike.</summary>
    [Fact]
    public void AProjectionRowIsTheSignWeightedSumOfTheExactRows()
    {
        var clusters = MlBopData.ThermalClusters(5, seed: 13);
        clusters.AddRange(ForceTestData.NearCutoffClusters(2, atoms: 9, seed: 3));
        var set = ForceTestData.Set(clusters);
        const int R = 3;
        var opt = TrainingSettings.Aenet with { BatchSize = 0, HoldoutFraction = 0, HiddenLayers = [5, 4], Seed = 8, ForcesWeight = 0.4, Threads = 2 };
        using var exact = LmTrainer.CreateSession(set, opt);
        using var proj = LmTrainer.CreateSession(set, opt with { ForceProjections = R });
        RandomWeights(exact.Net, 11);
        RandomWeights(proj.Net, 11);
        Assert.Equal(exact.Scale, proj.Scale);
        proj.DrawEpoch = 7;
        var rows = exact.TrainIndices;
        int p = exact.Net.WeightCount;
        var eF = new double[exact.RowCount(rows)];
        exact.ComputeJacobian(rows, eF);
        var jF = exact.JacobianBuffer.AsSpan(0, eF.Length * p).ToArray();
        var eP = new double[proj.RowCount(rows, projected: true)];
        proj.ComputeJacobian(rows, eP, projected: true);
        var jP = proj.JacobianBuffer.AsSpan(0, eP.Length * p).ToArray();
        // the exact rows of the projected session are the exact session's (same code path when not projected)
        var eFull = new double[proj.RowCount(rows)];
        proj.ComputeResiduals(rows, eFull);
        Assert.Equal(eF, eFull);
        // energy rows unchanged
        for (int k = 0; k < rows.Length; k++) Assert.Equal(eF[k], eP[k]);
        for (int k = 0; k < rows.Length * p; k++) Assert.Equal(jF[k], jP[k]);

        int full = rows.Length, pr = rows.Length;
        var v = new double[3 * set.MaxStructureSize];
        double scale = Math.Sqrt(1.0 / R), worst = 0;
        foreach (int s in rows)
        {
            int n3 = 3 * set.SizeOf(s);
            for (int r = 0; r < R; r++, pr++)
            {
                proj.ProjectionSigns(s, r, v);
                Assert.All(v.Take(n3), x => Assert.True(x == 1 || x == -1));
                double res = 0, resAbs = 0;
                for (int k = 0; k < n3; k++) { res += v[k] * eF[full + k]; resAbs += Math.Abs(eF[full + k]); }
                worst = Math.Max(worst, Math.Abs(scale * res - eP[pr]) / (scale * resAbs));
                for (int w = 0; w < p; w++)
                {
                    double j = 0, jAbs = 0;
                    for (int k = 0; k < n3; k++) { j += v[k] * jF[(full + k) * p + w]; jAbs += Math.Abs(jF[(full + k) * p + w]); }
                    if (jAbs > 0) worst = Math.Max(worst, Math.Abs(scale * j - jP[pr * p + w]) / (scale * jAbs));
                }
            }
            full += n3;
        }
        Assert.Equal(eF.Length, full);
        Assert.Equal(eP.Length, pr);
        Assert.True(worst < 1e-12, $"worst relative deviation from the linear identity {worst}");
    }

    [Fact]
    public void DrawsDependOnSeedEpochStructureAndProjectionOnly()
    {
        double[] Draw(int seed, int epoch, int s, int r)
        {
            var v = new double[75];
            ForceProjection.Signs(seed, epoch, s, r, v);
            return v;
        }
        var a = Draw(1, 3, 5, 0);
        Assert.Equal(a, Draw(1, 3, 5, 0));
        Assert.All(a, x => Assert.True(x == 1 || x == -1));
        Assert.InRange(a.Count(x => x > 0), 20, 55);
        Assert.NotEqual(a, Draw(2, 3, 5, 0));
        Assert.NotEqual(a, Draw(1, 4, 5, 0));
        Assert.NotEqual(a, Draw(1, 3, 6, 0));
        Assert.NotEqual(a, Draw(1, 3, 5, 1));
        // E[v_k v_l] = delta_kl: over many draws the products average out
        double off = 0, diag = 0;
        int draws = 4000;
        for (int d = 0; d < draws; d++)
        {
            var v = Draw(1, d, 2, 0);
            off += v[0] * v[1] + v[10] * v[70];
            diag += v[3] * v[3];
        }
        Assert.Equal(draws, diag);
        Assert.InRange(off / (2 * draws), -0.05, 0.05);
    }

    [Fact]
    public void SameSeedGivesIdenticalWeightsWhateverTheThreadCount()
    {
        var clusters = MlBopData.ThermalClusters(20, seed: 29);
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with { Epochs = 4, BatchSize = 6, Seed = 9, HiddenLayers = [5, 4], ForcesWeight = 0.3, ForceProjections = 2 };
        var one = LmTrainer.Train(set, opt with { Threads = 1 });
        var two = LmTrainer.Train(set, opt with { Threads = 2 });
        Assert.Equal(one.Model.Network.WeightValues.ToArray(), two.Model.Network.WeightValues.ToArray());
        Assert.Equal(one.Curve.Select(r => r.HoldoutForceMae), two.Curve.Select(r => r.HoldoutForceMae));
        var exact = LmTrainer.Train(set, opt with { Threads = 2, ForceProjections = 0 });
        Assert.NotEqual(one.Model.Network.WeightValues.ToArray(), exact.Model.Network.WeightValues.ToArray());
        Assert.Equal("2", one.Model.Provenance["force_projections"]);
        Assert.False(exact.Model.Provenance.ContainsKey("force_projections"));
    }

    /// <summary>
    /// The setup of ForceTrainingTests.ForceTrainingLowersTheHeldOutForceErrorAndKeepsEnergiesSane (48 ML-BOP snapshots,
    /// 26-5-5-1 twist, full batch, 60 epochs) with 2 projections per structure instead of 75 rows: held-out force MAE
    /// 28 meV/A (exact rows: ~20; energies only: 340), held-out energy MAE 0.82 meV/molecule.
    /// </summary>
    [Fact]
    public void ProjectionsTeachForcesAndTheReportedForceErrorIsTheExactOne()
    {
        var clusters = MlBopData.ThermalClusters(48, seed: 17);
        var set = ForceTestData.Set(clusters);
        var opt = TrainingSettings.Aenet with { Epochs = 60, Seed = 1, BatchSize = 0, HiddenLayers = [5, 5] };
        var energyOnly = LmTrainer.Train(set, opt);
        var projected = LmTrainer.Train(set, opt with { ForcesWeight = 0.1, ForceProjections = 2 });
        double fE = ForceTestData.ForceMae(energyOnly.Model, clusters, energyOnly.HoldoutIndices);
        double fP = ForceTestData.ForceMae(projected.Model, clusters, projected.HoldoutIndices);
        Assert.True(fP < 0.25 * fE, $"held-out force MAE {fP} meV/A with 2 projections vs {fE} without forces");
        Assert.True(fP < 50, $"held-out force MAE {fP} meV/A with 2 projections (exact rows: ~20)");
        Assert.True(projected.BestHoldoutMae < 2, $"held-out energy MAE {projected.BestHoldoutMae} meV/molecule with projections");
        // the recorded force MAEs are the exact ones of the returned model, not estimates from the projections
        Assert.Equal(fP, projected.BestHoldoutForceMae, 1e-9 * fP);
        Assert.Equal(ForceTestData.ForceMae(projected.Model, clusters, projected.TrainIndices), projected.BestTrainForceMae, 1e-9 * fP);
        Assert.Equal(projected.Curve.Min(r => r.HoldoutMae), projected.BestHoldoutMae);
    }

    [Fact]
    public void SettingsAndConfigurationCheckTheProjections()
    {
        var e = Assert.Throws<TrainingSettingsException>(() => (TrainingSettings.Aenet with { ForceProjections = -1 }).Validate());
        Assert.Equal("forceProjections must be >= 0 (0: the exact 3N force rows per structure)", Assert.Single(e.Problems).ToString());
        Assert.Equal(0, new TrainingSettings().ForceProjections);
        // projections without a forces weight change nothing
        var set = ForceTestData.Set(MlBopData.ThermalClusters(8, seed: 3));
        var opt = TrainingSettings.Aenet with { Epochs = 2, BatchSize = 0, Seed = 2, HiddenLayers = [4, 4] };
        Assert.Equal(LmTrainer.Train(set, opt).Model.Network.WeightValues.ToArray(),
            LmTrainer.Train(set, opt with { ForceProjections = 4 }).Model.Network.WeightValues.ToArray());
        // keys of the configuration: a bad value is named by its key; force training itself is accepted by learn
        var c = new ActiveLearningConfig { Training = new TrainingSettings { ForcesWeight = 0.1, ForceProjections = -2 } };
        var ce = Assert.Throws<AlHpc.IO.InputFormatException>(() => c.Validate());
        Assert.Contains("training.forceProjections must be >= 0", ce.Message);
        Assert.DoesNotContain("forcesWeight", ce.Message);
        c.Training.ForceProjections = 2;
        c.Validate();
    }
}
