using AlHpc.OpenCL.Workloads;

namespace AlHpc.Tests.OpenCL;

public class NnOpenClSmokeTests(OpenClFixture fx) : IClassFixture<OpenClFixture>
{
    [SkippableFact]
    public void DescriptorsAndEnergiesMatchPlainReference()
    {
        var ctx = fx.Context();
        var setup = PlainReference.Water26();
        var batch = ReferenceData.RandomBatch(12, 30, 5);
        using var d = new OpenClDescriptors(ctx, setup);
        var g = new double[batch.AtomCount * setup.Count];
        d.ComputeValues(batch, g);
        double maxErr = 0;
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            var r = PlainReference.Descriptors(setup, batch.PositionsOf(c));
            for (int k = 0; k < r.Length; k++) maxErr = Math.Max(maxErr, Math.Abs(r[k] - g[batch.Offsets[c] * setup.Count + k]) / (1 + Math.Abs(r[k])));
        }
        Assert.True(maxErr < 1e-12, $"descriptor error {maxErr}");
        var model = PlainReference.RandomModel(setup, batch, 3);
        using var ev = new OpenClNnEvaluator(ctx, model);
        var e = new double[batch.ClusterCount];
        var f = new double[batch.Positions.Length];
        ev.Evaluate(batch, e, f);
        for (int c = 0; c < batch.ClusterCount; c++)
        {
            double er = PlainReference.NnEnergy(model, batch.PositionsOf(c));
            Assert.True(Math.Abs(er - e[c]) < 1e-10 * (1 + Math.Abs(er)), $"cluster {c}: {e[c]} vs {er}");
            var fr = PlainReference.FdForces(p => PlainReference.NnEnergy(model, p), batch.PositionsOf(c).ToArray());
            for (int k = 0; k < fr.Length; k++)
                Assert.True(Math.Abs(fr[k] - f[3 * batch.Offsets[c] + k]) < 1e-6, $"cluster {c} comp {k}: {f[3 * batch.Offsets[c] + k]} vs FD {fr[k]}");
        }
    }
}
