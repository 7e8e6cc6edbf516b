using AlHpc.OpenCL.Workloads;
using AlHpc.Structures;

namespace AlHpc.Tests.OpenCL;

public class TersoffOpenClTests(OpenClFixture fx) : IClassFixture<OpenClFixture>
{
    private static double[] MlBop() => OpenClTersoff.ParseLammps(File.ReadAllText(TestPaths.RepoData("mlbop.tersoff")));

    [SkippableFact]
    public void MatchesLammpsReference()
    {
        var ctx = fx.Context();
        var clusters = ReferenceData.LammpsClusters();
        var batch = ClusterBatch.FromClusters(clusters);
        using var t = new OpenClTersoff(ctx, MlBop());
        var e = new double[batch.ClusterCount];
        var f = new double[batch.Positions.Length];
        t.Evaluate(batch, e, f);
        for (int c = 0; c < clusters.Count; c++)
        {
            Assert.True(Math.Abs(e[c] - clusters[c].Energy!.Value) < 1e-9, $"cluster {c}: E {e[c]} vs LAMMPS {clusters[c].Energy}");
            var fr = clusters[c].Forces!;
            for (int k = 0; k < fr.Length; k++)
                Assert.True(Math.Abs(f[3 * batch.Offsets[c] + k] - fr[k]) < 1e-9, $"cluster {c} force component {k}: {f[3 * batch.Offsets[c] + k]} vs {fr[k]}");
        }
    }
}
